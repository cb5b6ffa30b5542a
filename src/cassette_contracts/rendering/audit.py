"""Audit reports (cassette hygiene: unused interactions, orphans, age) in every output format."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

from ..lifecycle.audit import (
    AuditReport,
    CassetteAudit,
    UnusedInteraction,
    _duration,
)
from . import json_text, renderers
from .check import error_dict
from .escape import gh_command, md_cell, md_sections
from .junit import junit_case, junit_suite, junit_text

__all__ = ["RENDERERS"]


def _played(c: CassetteAudit) -> str:
    if c.orphan:
        return "orphan"
    if not c.plays_known:
        return "unknown"
    return f"{c.interactions - len(c.unused)}/{c.interactions}"


def _recorded(c: CassetteAudit) -> str:
    return c.recorded_at.date().isoformat() if c.recorded_at is not None else "unknown"


def _age(c: CassetteAudit) -> str:
    if c.age is None:
        return "unknown"
    return f"{c.age.days}d" + (" (too old)" if c.too_old else " (frozen)" if c.frozen else "")


def _unused_line(c: CassetteAudit, u: UnusedInteraction) -> str:
    where = f"{c.path}:{u.line}" if u.line else c.path
    return f"{where}: interaction {u.index} ({u.method} {u.uri}) was never played"


def _orphan_line(c: CassetteAudit) -> str:
    return f"{c.path}: no test loaded this cassette ({c.interactions} interaction(s))"


def _age_line(report: AuditReport, c: CassetteAudit) -> str:
    days = c.age.days if c.age is not None else "?"
    limit = _duration(report.max_age) if report.max_age is not None else "?"
    return (
        f"{c.path}: recorded {_recorded(c)} ({days} days ago, from {c.recorded_from}), "
        f"older than max_age {limit}: re-record it (`cassette-contracts rerecord`)"
    )


def _undated_line(c: CassetteAudit) -> str:
    return f"{c.path}: recording date unknown (no provenance recorded_at, no Date header)"


def _table(report: AuditReport) -> list[str]:
    rows = [("cassette", "played", "recorded", "age")] + [
        (c.path, _played(c), _recorded(c), _age(c)) for c in report.cassettes
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return [
        f"{a:<{widths[0]}}  {b:>{widths[1]}}  {c:<{widths[2]}}  {d}".rstrip() for a, b, c, d in rows
    ]


def _text(report: AuditReport) -> str:
    lines = [f"unused: {_unused_line(c, u)}" for c, u in report.unused]
    lines += [f"orphan: {_orphan_line(c)}" for c in report.orphans]
    label = "FAIL" if report.policy == "fail" else "warning"
    lines += [f"{label}: {_age_line(report, c)}" for c in report.too_old]
    lines += [f"note: {c.path}: {c.note}" for c in report.cassettes if c.note]
    if report.max_age is not None:
        lines += [f"note: {_undated_line(c)}" for c in report.undated]
    lines += [str(e) for e in report.errors]
    if lines:
        lines.append("")
    lines += _table(report)
    lines += ["", report.headline()]
    return "\n".join(lines) + "\n"


# Same shape as the other renderers' record dicts (coverage._read_json), different fields:
# each is the json format of its own record; kept apart on purpose.
def _cassette_dict(c: CassetteAudit) -> dict[str, Any]:
    return {
        "path": c.path,
        "interactions": c.interactions,
        "loaded": c.loaded,
        "orphan": c.orphan,
        "plays_known": c.plays_known,
        "unused": [
            {"index": u.index, "line": u.line, "method": u.method, "uri": u.uri} for u in c.unused
        ],
        "recorded_at": c.recorded_at.isoformat() if c.recorded_at is not None else None,
        "recorded_from": c.recorded_from,
        "age_days": c.age.days if c.age is not None else None,
        "too_old": c.too_old,
        "frozen": c.frozen,
        "note": c.note,
    }


def _json(report: AuditReport) -> str:
    document = {
        "ok": report.exit_code == 0,
        "exit_code": report.exit_code,
        "max_age_days": report.max_age.days if report.max_age is not None else None,
        "max_age_policy": report.policy,
        "unused_interactions": len(report.unused),
        "orphan_cassettes": len(report.orphans),
        "too_old": len(report.too_old),
        "cassettes": [_cassette_dict(c) for c in report.cassettes],
        "errors": [error_dict(e) for e in report.errors],
    }
    return json_text(document)


# Same shape as check._junit (a suite, a case per row, then the input errors), different
# rows and outcomes; the shared parts are junit_suite/junit_case/junit_text.
def _junit(report: AuditReport) -> str:
    suite = junit_suite("cassette-contracts.audit")
    for c in report.cassettes:
        case = junit_case(suite, "cassettes", c.path, c.path)
        notes = [_unused_line(c, u) for u in c.unused]
        if c.too_old and report.policy == "fail":
            failure = ElementTree.SubElement(case, "failure", message="older than max_age")
            failure.text = _age_line(report, c)
        elif c.too_old:
            notes.append("warning: " + _age_line(report, c))
        if c.orphan:
            ElementTree.SubElement(case, "skipped", message="no test loaded this cassette")
        if c.note:
            notes.append(f"note: {c.note}")
        if notes:
            ElementTree.SubElement(case, "system-out").text = "\n".join(notes)
    for e in report.errors:
        file = str(e.file or "(input)")
        case = junit_case(suite, "inputs", file, file)
        ElementTree.SubElement(case, "error", message=e.message).text = str(e)
    return junit_text(suite)


def _markdown(report: AuditReport) -> str:
    icon = {0: "✅", 1: "❌", 2: "⚠️"}[report.exit_code]
    lines = [f"### {icon} cassette-contracts audit", "", report.headline(), ""]
    lines += ["| cassette | played | recorded | age |", "|---|---:|---|---|"]
    lines += [
        f"| `{md_cell(c.path)}` | {_played(c)} | {_recorded(c)} | {_age(c)} |"
        for c in report.cassettes
    ]
    sections = (
        ("Unused interactions", [_unused_line(c, u) for c, u in report.unused]),
        ("Orphan cassettes", [_orphan_line(c) for c in report.orphans]),
        ("Older than max_age", [_age_line(report, c) for c in report.too_old]),
        ("Notes", [f"{c.path}: {c.note}" for c in report.cassettes if c.note]),
        ("Input errors", [str(e) for e in report.errors]),
    )
    lines += md_sections(
        (title, [f"- {md_cell(item)}" for item in items]) for title, items in sections
    )
    return "\n".join(lines) + "\n"


def _github(report: AuditReport) -> str:
    lines = [
        gh_command(
            "warning", _unused_line(c, u), file=c.path, line=u.line, title="Unused interaction"
        )
        for c, u in report.unused
    ]
    lines += [
        gh_command("warning", _orphan_line(c), file=c.path, title="Orphan cassette")
        for c in report.orphans
    ]
    kind = "error" if report.policy == "fail" else "warning"
    lines += [
        gh_command(kind, _age_line(report, c), file=c.path, title="Cassette older than max_age")
        for c in report.too_old
    ]
    lines += [
        gh_command(
            "error",
            str(e),
            file=str(e.file) if e.file else None,
            line=e.line,
            title="cassette input error",
        )
        for e in report.errors
    ]
    lines += _table(report)
    lines += ["", report.headline()]
    return "\n".join(lines) + "\n"


RENDERERS = renderers(_text, _json, _junit, _markdown, _github)
