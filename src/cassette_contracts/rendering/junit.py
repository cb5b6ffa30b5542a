"""The one JUnit XML writer: a ``<testsuites>`` document of one ``<testsuite>``, its counts
(tests, failures, errors, skipped) taken from its test cases."""

from __future__ import annotations

from xml.etree import ElementTree

__all__ = ["junit_case", "junit_suite", "junit_text"]


def junit_suite(name: str) -> ElementTree.Element:
    """An empty ``<testsuite name=...>`` to add ``<testcase>`` elements to."""
    return ElementTree.Element("testsuite", name=name)


def junit_case(
    suite: ElementTree.Element, classname: str, name: str, file: str | None = None
) -> ElementTree.Element:
    """A new ``<testcase>`` in ``suite``, with ``file=`` where the case has a file."""
    attributes = {"classname": classname, "name": name}
    if file is not None:
        attributes["file"] = file
    return ElementTree.SubElement(suite, "testcase", attributes)


def junit_text(suite: ElementTree.Element) -> str:
    """The JUnit XML document of ``suite``, its counts taken from its test cases."""
    cases = suite.findall("testcase")
    for attribute, child in (("failures", "failure"), ("errors", "error"), ("skipped", "skipped")):
        suite.set(attribute, str(sum(case.find(child) is not None for case in cases)))
    suite.set("tests", str(len(cases)))
    ElementTree.indent(suite)
    body = ElementTree.tostring(suite, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n<testsuites>\n{body}\n</testsuites>\n'
