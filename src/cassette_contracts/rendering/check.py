"""A CheckResult as text, json, junit, markdown, or GitHub workflow commands."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

from . import json_text, renderers
from .escape import gh_command, md_cell, md_sections
from .junit import junit_case, junit_suite, junit_text

if TYPE_CHECKING:  # importing _check would import jsonschema: slow for `--help`
    from ..checking.run import CheckResult
    from ..errors import InputError

__all__ = ["RENDERERS", "error_dict"]


def _headline(result: CheckResult) -> str:
    cached = f" ({result.cached_files} from cache)" if result.cached_files else ""
    line = (
        f"{result.files} cassette(s){cached}, {result.interactions} interaction(s): "
        f"{len(result.violations)} violation(s), {len(result.errors)} input error(s)"
    )
    if result.warnings:
        line += f", {len(result.warnings)} warning(s)"
    verdict = {0: "all contracts hold", 1: "contracts broken", 2: "input errors"}
    return f"{line} - {verdict[result.exit_code]}"


def _result(row_result: str, violations: int) -> str:
    return f"broken ({violations})" if row_result == "broken" else row_result


def _table(result: CheckResult) -> list[str]:
    rows = [("contract", "interactions", "schema", "result")] + [
        (r.contract, str(r.interactions), r.schema, _result(r.result, r.violations))
        for r in result.rows
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return [
        f"{c:<{widths[0]}}  {n:>{widths[1]}}  {s:<{widths[2]}}  {r}".rstrip() for c, n, s, r in rows
    ]


def _text(result: CheckResult) -> str:
    lines = [v.one_line() for v in result.violations]
    lines += [str(e) for e in result.errors]
    lines += [f"warning: {w}" for w in result.warnings]
    if lines:
        lines.append("")
    lines += _table(result)
    lines += ["", _headline(result)]
    return "\n".join(lines) + "\n"


def error_dict(error: InputError) -> dict[str, Any]:
    return {
        "kind": type(error).__name__,
        "file": error.file,
        "line": error.line,
        "interaction": error.interaction,
        "json_path": error.json_path,
        "message": error.message,
        "text": str(error),
    }


def _json(result: CheckResult) -> str:
    document = {
        "ok": result.ok,
        "exit_code": result.exit_code,
        "files": result.files,
        "cached_files": result.cached_files,
        "interactions": result.interactions,
        "summary": [
            {
                "contract": r.contract,
                "request": r.request,
                "interactions": r.interactions,
                "schema": r.schema,
                "result": r.result,
                "violations": r.violations,
                "errors": r.errors,
            }
            for r in result.rows
        ],
        "violations": [v.to_dict() for v in result.violations],
        "errors": [error_dict(e) for e in result.errors],
        "warnings": [error_dict(w) for w in result.warnings],
    }
    return json_text(document)


def _junit(result: CheckResult) -> str:
    suite = junit_suite("cassette-contracts")
    for row in result.rows:
        case = junit_case(suite, "contracts", row.contract, row.schema)
        if row.result == "broken":
            mine = [v for v in result.violations if v.contract == row.contract]
            failure = ElementTree.SubElement(
                case, "failure", message=f"{len(mine)} violation(s) of {row.request}"
            )
            failure.text = "\n\n".join(v.format() for v in mine)
        elif row.result == "unused":
            ElementTree.SubElement(case, "skipped", message="no recorded interaction matched")
        elif row.result == "error":
            why = (
                f"{row.errors} interaction(s) could not be checked"
                if row.errors
                else f"schema {row.schema} cannot be used"
            )
            ElementTree.SubElement(case, "error", message=why)
    by_file: dict[str, list[InputError]] = {}
    for error in result.errors:
        by_file.setdefault(error.file or "(input)", []).append(error)
    for file, errors in by_file.items():
        case = junit_case(suite, "inputs", file, file)
        element = ElementTree.SubElement(case, "error", message=errors[0].message)
        element.text = "\n".join(str(e) for e in errors)
    return junit_text(suite)


def _markdown(result: CheckResult) -> str:
    icon = {0: "✅", 1: "❌", 2: "⚠️"}[result.exit_code]
    lines = [
        f"### {icon} cassette-contracts",
        "",
        _headline(result),
        "",
        "| contract | request | interactions | schema | result |",
        "|---|---|---:|---|---|",
    ]
    lines += [
        f"| `{md_cell(r.contract)}` | `{md_cell(r.request)}` | {r.interactions} | "
        f"`{md_cell(r.schema)}` | {_result(r.result, r.violations)} |"
        for r in result.rows
    ]
    violations = [
        f"- `{v.where()}` `{v.method} {v.url}`: contract `{v.contract}` broken at "
        f"`{v.place()}` ({v.part}): {md_cell(v.message)}"
        for v in result.violations
    ]
    lines += md_sections(
        (
            ("Violations", violations),
            ("Input errors", [f"- `{md_cell(str(e))}`" for e in result.errors]),
            ("Warnings", [f"- `{md_cell(str(w))}`" for w in result.warnings]),
        )
    )
    return "\n".join(lines) + "\n"


def _github(result: CheckResult) -> str:
    lines = [
        gh_command(
            "error", v.format(), file=v.cassette, line=v.line, title=f"contract {v.contract} broken"
        )
        for v in result.violations
    ]
    lines += [
        gh_command(
            "error", str(e), file=e.file, line=e.line, title="cassette-contracts input error"
        )
        for e in result.errors
    ]
    lines += [
        gh_command("warning", str(w), file=w.file, line=w.line, title="cassette-contracts")
        for w in result.warnings
    ]
    lines += _table(result)
    lines += ["", _headline(result)]
    return "\n".join(lines) + "\n"


RENDERERS = renderers(_text, _json, _junit, _markdown, _github)
