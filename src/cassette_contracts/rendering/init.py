"""``init`` outcomes for people and machines: the plan (new contracts, their templates and
schemas, the fields each schema pins, what is left alone or without a contract), what was
written, and the self-check over the cassettes the contracts came from.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from ..errors import display_path
from ..init.plan import InitOutcome, InitPlan, PlannedContract
from . import json_text, render, renderers
from .escape import gh_command, md_cell, md_code, md_sections
from .junit import junit_case, junit_suite, junit_text

__all__ = ["RENDERERS", "render_plan"]


def _target(contract: PlannedContract) -> str:
    """What a contract holds the body to: its schema, or its body kind and media types."""
    if contract.body == "json":
        return str(contract.schema)
    if contract.schema is not None:
        return f"each {contract.body} event -> {contract.schema}"
    media = f" ({', '.join(contract.media_types)})" if contract.media_types else ""
    return f"{contract.body} body{media}"


def _headline(plan: InitPlan, *, dry_run: bool) -> str:
    return (
        f"init: {plan.interactions} interaction(s) in {len(plan.cassettes)} cassette(s) -> "
        f"{len(plan.contracts)} new contract(s), {len(plan.schemas)} schema file(s) in "
        f"{display_path(plan.schemas_root)}/" + (" (dry run: nothing written)" if dry_run else "")
    )


def render_plan(plan: InitPlan, *, dry_run: bool) -> str:
    """The plan for people: new contracts, templates, schemas, pinned fields, what is left."""
    toml = display_path(plan.contracts_path)
    lines = [_headline(plan, dry_run=dry_run)]
    if plan.contracts:
        how = "appended" if plan.appends else "written afresh"
        lines.append(f"new contracts ({how} to {toml}):")
        for contract in plan.contracts:
            status = " or ".join(map(str, contract.statuses))
            query = f", query {list(contract.query)}" if contract.query else ""
            lines.append(
                f"  {contract.name}: {contract.request} -> {status}{query} "
                f"({contract.interactions} interaction(s)) -> {_target(contract)}"
            )
    for path, planned in sorted(plan.schemas.items()):
        lines.append(
            f"  schema {path}: {planned.samples} sample(s), {len(planned.inferred.pinned)} "
            f"field(s) pinned, {planned.required} required"
        )
        if dry_run and planned.inferred.pinned:
            lines.append(f"    pins {', '.join(planned.inferred.pinned)}")
        if planned.unread:
            lines.append("    no read recorded for it in the test run: only its root type pinned")
        if planned.inferred.missing:
            lines.append(
                f"    read but in no sample (not pinned): {', '.join(planned.inferred.missing)}"
            )
    if plan.covered:
        lines.append(f"existing contracts in {toml} (left alone):")
        lines.extend(
            f"  {name}: covers {count} interaction(s)" for name, count in plan.covered.items()
        )
    if plan.skipped:
        lines.append("left without a contract:")
        lines.extend(
            f"  {s.request} -> {s.status} ({s.interactions} interaction(s)): {s.reason}"
            for s in plan.skipped
        )
    return "\n".join(lines) + "\n"


def _check_line(outcome: InitOutcome) -> str | None:
    """The self-check verdict in one line (None: no check ran)."""
    result = outcome.check
    if result is None:
        return None
    if result.exit_code:
        return (
            f"init: check fails on the cassettes the contracts came from (exit {result.exit_code})"
        )
    left = sum(s.interactions for s in outcome.plan.skipped)
    note = f"; {left} interaction(s) left without a contract (listed above)" if left else ""
    return (
        f"init: check passes: {result.interactions - left} interaction(s) in "
        f"{result.files} cassette(s) hold against {display_path(outcome.plan.contracts_path)}"
        f"{note}"
    )


def _text(outcome: InitOutcome) -> str:
    """The plan, then what was written, then the self-check (its full report when it fails)."""
    parts = [render_plan(outcome.plan, dry_run=outcome.dry_run)]
    if outcome.note is not None:
        parts.append(f"init: {outcome.note}\n")
    if outcome.written is not None:
        parts.append(f"init: wrote {len(outcome.written)} file(s)\n")
    if outcome.check is not None:
        if outcome.check.exit_code:
            parts.append(render(outcome.check, "text"))
        else:
            parts.append(f"{_check_line(outcome)}\n")
    return "".join(parts)


def _json(outcome: InitOutcome) -> str:
    """Machine-readable JSON: the plan, the files written, and the self-check's JSON report."""
    plan = outcome.plan
    document: dict[str, Any] = {
        "dry_run": outcome.dry_run,
        "interactions": plan.interactions,
        "cassettes": len(plan.cassettes),
        "contracts_file": display_path(plan.contracts_path),
        "contracts": [
            {
                "name": c.name,
                "request": c.request,
                "status": list(c.statuses),
                "query": list(c.query),
                "body": c.body,
                "media_types": list(c.media_types),
                "schema": c.schema,
                "interactions": c.interactions,
                "cassettes": c.cassettes,
            }
            for c in plan.contracts
        ],
        "schemas": [
            {
                "path": path,
                "samples": planned.samples,
                "pinned": list(planned.inferred.pinned),
                "required": planned.required,
                "unread": planned.unread,
                "read_but_missing": list(planned.inferred.missing),
            }
            for path, planned in sorted(plan.schemas.items())
        ],
        "existing": [{"name": n, "interactions": k} for n, k in plan.covered.items()],
        "skipped": [
            {
                "request": s.request,
                "status": s.status,
                "interactions": s.interactions,
                "reason": s.reason,
            }
            for s in plan.skipped
        ],
        "note": outcome.note,
        "written": None if outcome.written is None else [display_path(p) for p in outcome.written],
        "check": None if outcome.check is None else json.loads(render(outcome.check, "json")),
    }
    return json_text(document)


def _junit(outcome: InitOutcome) -> str:
    """JUnit XML: a passing case per new contract, a skipped case per endpoint left without
    one, and the self-check, failed when it fails."""
    suite = junit_suite("cassette-contracts init")
    for contract in outcome.plan.contracts:
        case = junit_case(suite, "init.contract", contract.name)
        out = ET.SubElement(case, "system-out")
        out.text = f"{contract.request} -> {_target(contract)}"
    for s in outcome.plan.skipped:
        case = junit_case(suite, "init.skipped", f"{s.request} -> {s.status}")
        ET.SubElement(case, "skipped", message=s.reason)
    if outcome.check is not None:
        case = junit_case(suite, "init", "check")
        if outcome.check.exit_code:
            failure = ET.SubElement(
                case, "failure", type="check", message=str(_check_line(outcome))
            )
            failure.text = render(outcome.check, "text")
    return junit_text(suite)


def _markdown(outcome: InitOutcome) -> str:
    """A pull-request comment: the headline, a table of new contracts, then sections."""
    plan = outcome.plan
    lines = [f"## cassette-contracts init: {len(plan.contracts)} new contract(s)", ""]
    lines.append(md_cell(_headline(plan, dry_run=outcome.dry_run)))
    if plan.contracts:
        lines += ["", "| Contract | Request | Status | Holds the body to | Interactions |"]
        lines.append("|---|---|---|---|---|")
        lines += [
            f"| {md_code(c.name)} | {md_code(c.request)} | "
            f"{' or '.join(map(str, c.statuses))} | {md_code(_target(c))} | {c.interactions} |"
            for c in plan.contracts
        ]
    lines += md_sections(
        [
            (
                "Schemas",
                [
                    f"- {md_code(path)}: {p.samples} sample(s), {p.required} required, pins "
                    + (", ".join(md_code(f) for f in p.inferred.pinned) or "nothing")
                    for path, p in sorted(plan.schemas.items())
                ],
            ),
            (
                "Existing contracts (left alone)",
                [f"- {md_code(n)}: covers {k} interaction(s)" for n, k in plan.covered.items()],
            ),
            (
                "Left without a contract",
                [
                    f"- {md_code(f'{s.request} -> {s.status}')} ({s.interactions} "
                    f"interaction(s)): {md_cell(s.reason)}"
                    for s in plan.skipped
                ],
            ),
            ("Self-check", [f"- {md_cell(line)}" for line in [_check_line(outcome)] if line]),
        ]
    )
    return "\n".join(lines) + "\n"


def _github(outcome: InitOutcome) -> str:
    """GitHub workflow annotations: a warning per endpoint left without a contract, an error
    when the self-check fails, then the headline."""
    lines = [
        gh_command(
            "warning",
            f"{s.request} -> {s.status} ({s.interactions} interaction(s)): {s.reason}",
            title="No contract inferred",
        )
        for s in outcome.plan.skipped
    ]
    check = _check_line(outcome)
    if outcome.check is not None and outcome.check.exit_code:
        lines.append(gh_command("error", str(check), title="init self-check"))
    lines.append(_headline(outcome.plan, dry_run=outcome.dry_run))
    if check and not (outcome.check is not None and outcome.check.exit_code):
        lines.append(check)
    return "\n".join(lines) + "\n"


RENDERERS = renderers(_text, _json, _junit, _markdown, _github)
