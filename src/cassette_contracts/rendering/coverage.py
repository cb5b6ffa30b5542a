"""Contract coverage reports in every output format."""

from __future__ import annotations

import json
import json.encoder
import xml.etree.ElementTree as ET
from typing import Any

from ..coverage.reads import FieldRead
from ..coverage.report import CoverageReport
from . import renderers
from .escape import gh_command, md_cell
from .junit import junit_case, junit_suite, junit_text

__all__ = ["RENDERERS"]
#: Output formats of :meth:`CoverageReport.render`.


def _where(read: FieldRead) -> str:
    more = len(read.sites) - 1
    text = f"{read.file}:{read.line}"
    return text + (f" and {more} more place(s)" if more else "")


def _kind(read: FieldRead) -> str:
    return "optional read" if read.optional else "read"


def _render_text(report: CoverageReport) -> str:
    lines = []
    for item in report.contracts:
        if not item.exercised:
            if item.untracked and item.pinned:
                lines.append(
                    f"-    {item.contract}: not tracked: the code parsed its responses itself "
                    f"(not by .json()), so the fields it reads are unknown ({len(item.pinned)} "
                    "pinned)"
                )
                continue
            lines.append(
                f"-    {item.contract}: not exercised in this run ({len(item.pinned)} pinned)"
            )
            continue
        status = "ok  " if item.ok else "FAIL"
        summary = f"{len(item.fields_read)} field(s) read, {len(item.pinned)} pinned"
        lines.append(f"{status} {item.contract}: {summary}")
        for read in item.unpinned_reads:
            lines.append(
                f"       read but not pinned: {read.path} ({_kind(read)} at {_where(read)})"
            )
        if item.unread_pins and item.untracked:
            lines.append(
                "       pinned, not seen read (not tracked: the code parsed some responses "
                f"itself, it may read them there): {len(item.unread_pins)}"
            )
            lines.extend(f"         {pin}" for pin in item.unread_pins)
        elif item.unread_pins:
            lines.append(
                f"       pinned but never read (candidates to unpin): {len(item.unread_pins)}"
            )
            lines.extend(f"         {pin}" for pin in item.unread_pins)
    failing = [item for item in report.contracts if not item.ok]
    if failing:
        count = sum(len(item.unpinned_reads) for item in failing)
        lines.append(
            f"contract coverage: FAILED, {count} field(s) read that no contract pins in "
            f"{len(failing)} contract(s). Pin them in the contract's schema (add the property, "
            "and `required` if the code cannot cope without it) or stop reading them."
        )
    else:
        lines.append(
            f"contract coverage: ok, every field read is pinned ({len(report.contracts)} contracts)"
        )
    return "\n".join(lines) + "\n"


def _read_json(read: FieldRead) -> dict[str, Any]:
    return {
        "path": read.path,
        "optional": read.optional,
        "file": read.file,
        "line": read.line,
        "sites": [{"file": filename, "line": line} for filename, line in read.sites],
    }


def _render_json(report: CoverageReport) -> str:
    document = {
        "ok": report.ok,
        "contracts": [
            {
                "contract": item.contract,
                "ok": item.ok,
                "exercised": item.exercised,
                "read": [_read_json(read) for read in item.reads],
                "pinned": list(item.pinned),
                "unpinned_reads": [_read_json(read) for read in item.unpinned_reads],
                "unread_pins": list(item.unread_pins),
                "untracked": item.untracked,
            }
            for item in report.contracts
        ],
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def _render_markdown(report: CoverageReport) -> str:
    verdict = "ok" if report.ok else "FAILED"
    lines = [f"## Contract coverage: {verdict}", ""]
    lines += ["| Contract | Fields read | Pinned | Read, not pinned | Pinned, never read |"]
    lines += ["|---|---:|---:|---:|---:|"]
    for item in report.contracts:
        lines.append(
            f"| `{md_cell(item.contract)}` | {len(item.fields_read)} | {len(item.pinned)} | "
            f"{len(item.unpinned_reads)} | {len(item.unread_pins)} |"
        )
    for item in report.contracts:
        if item.unpinned_reads:
            lines += ["", f"### `{md_cell(item.contract)}`: read but not pinned", ""]
            lines += ["| Path | Read at | Kind |", "|---|---|---|"]
            lines += [
                f"| `{md_cell(read.path)}` | `{md_cell(_where(read))}` | {_kind(read)} |"
                for read in item.unpinned_reads
            ]
    for item in report.contracts:
        if item.unpin_candidates and item.exercised:
            lines += ["", f"### `{md_cell(item.contract)}`: candidates to unpin", ""]
            lines += [f"- `{md_cell(pin)}`" for pin in item.unpin_candidates]
    return "\n".join(lines) + "\n"


def _render_junit(report: CoverageReport) -> str:
    suite = junit_suite("cassette-contracts.coverage")
    for item in report.contracts:
        case = junit_case(suite, "coverage", item.contract)
        if not item.ok:
            failure = ET.SubElement(
                case,
                "failure",
                message=f"{len(item.unpinned_reads)} field(s) read but not pinned",
                type="UnpinnedRead",
            )
            failure.text = "\n".join(
                f"{read.path}: {_kind(read)} at {_where(read)}" for read in item.unpinned_reads
            )
        if item.unread_pins:
            out = ET.SubElement(case, "system-out")
            heading = (
                "pinned, not seen read (not tracked: the code parsed some responses itself):"
                if item.untracked
                else "pinned but never read (candidates to unpin):"
            )
            out.text = heading + "\n" + "\n".join(item.unread_pins)
    return junit_text(suite)


def _render_github(report: CoverageReport) -> str:
    lines = []
    for item in report.contracts:
        for read in item.unpinned_reads:
            for filename, line in read.sites:
                message = (
                    f"{read.path} is read here ({_kind(read)}) but contract {item.contract} "
                    "does not pin it; pin it in the schema or stop reading it"
                )
                lines.append(
                    gh_command("error", message, file=filename, line=line, title="Unpinned read")
                )
        if item.exercised:
            for pin in item.unpin_candidates:
                message = f"contract {item.contract} pins {pin} but no code read it"
                lines.append(gh_command("notice", message, title="Candidate to unpin"))
    return "\n".join(lines) + ("\n" if lines else "")


RENDERERS = renderers(_render_text, _render_json, _render_junit, _render_markdown, _render_github)
