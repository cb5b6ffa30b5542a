"""Scan reports (secrets found in cassettes) in every output format."""

from __future__ import annotations

from xml.etree import ElementTree

from ..recording.scan import Finding, ScanReport
from . import json_text, renderers
from .escape import gh_command, md_cell, md_code
from .junit import junit_case, junit_suite, junit_text

__all__ = ["RENDERERS"]


def _text(report: ScanReport) -> str:
    return "".join(f"{finding}\n" for finding in report.findings) + report.summary() + "\n"


def _finding_dict(finding: Finding) -> dict[str, object]:
    return {
        "file": str(finding.file),
        "line": finding.line,
        "interaction": finding.interaction,
        "where": finding.where,
        "kind": finding.kind,
        "masked": finding.masked,
    }


def _json(report: ScanReport) -> str:
    document = {
        "ok": not report.findings,
        "files": report.files,
        "findings": [_finding_dict(f) for f in report.findings],
    }
    return json_text(document)


def _junit(report: ScanReport) -> str:
    suite = junit_suite("cassette-contracts.scan")
    by_file: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_file.setdefault(str(finding.file), []).append(finding)
    for file, findings in by_file.items():
        case = junit_case(suite, "scan", file, file)
        failure = ElementTree.SubElement(
            case, "failure", message=f"{len(findings)} probable secret(s)"
        )
        failure.text = "\n".join(str(f) for f in findings)
    if not by_file:
        junit_case(suite, "scan", report.summary())
    return junit_text(suite)


def _markdown(report: ScanReport) -> str:
    icon = "❌" if report.findings else "✅"
    lines = [f"### {icon} cassette-contracts scan", "", report.summary()]
    if report.findings:
        lines += ["", "| file | line | kind | where | value |", "|---|---:|---|---|---|"]
        lines += [
            f"| {md_code(str(f.file))} | {f.line} | {md_cell(f.kind)} | {md_cell(f.where)} | "
            f"{md_code(f.masked)} |"
            for f in report.findings
        ]
    return "\n".join(lines) + "\n"


def _github(report: ScanReport) -> str:
    lines = [
        gh_command(
            "error",
            f"{f.kind} in {f.where}: {f.masked}",
            file=str(f.file),
            line=f.line,
            title="Secret in cassette",
        )
        for f in report.findings
    ]
    lines.append(report.summary())
    return "\n".join(lines) + "\n"


RENDERERS = renderers(_text, _json, _junit, _markdown, _github)
