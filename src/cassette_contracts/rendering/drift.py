"""Drift reports for people and machines: text, json, markdown (a pull-request comment) and
junit.
"""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from ..drift.changes import BREAKING, INFORMATIONAL, DriftReport
from . import renderers
from .escape import gh_command, md_cell, md_code
from .junit import junit_case, junit_suite, junit_text

__all__ = [
    "RENDERERS",
    "junit_cases",
    "render_annotations",
    "render_json",
    "render_junit",
    "render_markdown",
    "render_text",
]


def render_text(report: DriftReport) -> str:
    """Plain text for a terminal: one block per endpoint, breaking changes first."""
    lines = [f"drift: {report.summary()}"]
    for contract, changes in report.endpoints.items():
        if not changes:
            lines.append(f"{contract}: no drift")
            continue
        lines.append(f"{contract}:")
        for change in sorted(changes, key=lambda c: not c.breaking):
            label = "BREAKING" if change.breaking else "info"
            lines.append(f"  {label:<8} {change.one_line()}")
            lines.append(f"           why: {change.reason}")
    return "\n".join(lines) + "\n"


def render_json(report: DriftReport) -> str:
    """Machine-readable JSON: ``breaking``, counts, and the changes per endpoint."""
    data = {
        "breaking": report.breaking,
        "counts": {
            BREAKING: len(report.breaking_changes),
            INFORMATIONAL: len(report.informational_changes),
        },
        "endpoints": [
            {"contract": contract, "changes": [c.to_dict() for c in changes]}
            for contract, changes in report.endpoints.items()
        ],
    }
    return json.dumps(data, indent=2) + "\n"


def render_markdown(report: DriftReport) -> str:
    """A pull-request comment: a headline, then one table per endpoint."""
    verdict = "breaking drift" if report.breaking else "no breaking drift"
    lines = [f"## API drift: {verdict}", "", report.summary() + ".", ""]
    for contract, changes in report.endpoints.items():
        lines.append(f"### `{contract}`")
        lines.append("")
        if not changes:
            lines.extend(["No drift.", ""])
            continue
        lines.append("| Severity | Change | Where | Before | After | Why |")
        lines.append("|---|---|---|---|---|---|")
        for c in sorted(changes, key=lambda c: not c.breaking):
            severity = "**breaking**" if c.breaking else "informational"
            pinned = " (pinned)" if c.pinned else ""
            lines.append(
                f"| {severity} | {c.kind} | {md_code(c.path)}{pinned} | "
                f"{md_code(c.before)} | {md_code(c.after)} | {md_cell(c.reason)} |"
            )
        lines.append("")
    return "\n".join(lines)


def render_junit(report: DriftReport) -> str:
    """JUnit XML: a test case per endpoint, failed when it has breaking drift."""
    suite = junit_suite("cassette-contracts drift")
    junit_cases(suite, report)
    return junit_text(suite)


def junit_cases(suite: ET.Element, report: DriftReport) -> None:
    """Add to ``suite`` a test case per endpoint, failed when it has breaking drift."""
    for contract, changes in report.endpoints.items():
        case = junit_case(suite, "drift", contract)
        breaking = [c for c in changes if c.breaking]
        if breaking:
            failure = ET.SubElement(
                case,
                "failure",
                type="breaking-drift",
                message=f"{len(breaking)} breaking change(s): {breaking[0].one_line()}",
            )
            failure.text = "\n".join(f"{c.one_line()}: {c.reason}" for c in breaking)
        info = [c for c in changes if not c.breaking]
        if info:
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(f"informational: {c.one_line()}: {c.reason}" for c in info)


def render_annotations(report: DriftReport) -> str:
    """GitHub workflow annotations: an error per breaking change, a notice per other change."""
    lines = []
    for contract, changes in report.endpoints.items():
        for c in sorted(changes, key=lambda c: not c.breaking):
            kind, title = ("error", "Breaking drift") if c.breaking else ("notice", "Drift")
            lines.append(gh_command(kind, f"{contract}: {c.one_line()}: {c.reason}", title=title))
    lines.append(report.summary())
    return "\n".join(lines) + "\n"


RENDERERS = renderers(render_text, render_json, render_junit, render_markdown, render_annotations)
