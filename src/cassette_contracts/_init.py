"""``cassette-contracts init``: contracts and schemas inferred from the recordings.

Three steps, each its own function so tests (and ``--dry-run``) can stop after any of them:

1. ``plan_init`` reads the cassettes, groups their interactions into endpoints
   (``_endpoints``), leaves out those an existing contract already covers, and infers one
   schema per endpoint (``_infer``); error statuses of a host share one schema when their
   bodies agree (all JSON objects with at least one member in common).
2. ``write_plan`` writes the schema files and appends the new ``[[contract]]`` entries to
   contracts.toml. Without ``force`` nothing that exists is overwritten: existing contracts
   stay as they are (new names and schema files avoid theirs); with ``force`` contracts.toml
   and the generated schema files are written afresh.
3. ``check`` runs over the same cassettes against the written files; the summary says so.

Output is sorted and deterministic, so a re-run changes nothing. ``reads`` (the JSON paths the
code read, per method, URL template and status) pins only those paths, for
``--from-coverage``.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ._cassette import Interaction, load_cassette
from ._contracts import ContractMap
from ._endpoints import Endpoint, classify_body, group_endpoints, host_label, is_error
from ._infer import PROOF, Inferred, infer_schema, render_schema
from ._record import atomic_write_bytes
from .errors import CassetteError, display_path

__all__ = [
    "InitPlan",
    "PlannedContract",
    "PlannedSchema",
    "Reads",
    "Skipped",
    "plan_init",
    "render_plan",
    "run_init",
    "write_plan",
]

#: JSON paths the code read, by ``(method, URL template, status)``.
Reads = Mapping[tuple[str, str, int], Collection[str]]

_HEADER = """\
# The one mapping from recorded interactions to contracts, begun by `cassette-contracts init`.
#
# Each recorded interaction (method + URL + status) must match exactly one [[contract]].
# `request` is a method and a URL template: {name} stands for one path segment. `query` lists
# the query parameters seen. Rename, merge and tighten freely: a re-run of `init` only appends
# contracts for interactions no contract covers yet.
"""
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*?)(?:_\d+)?\}")
_SOURCES_SHOWN = 5


@dataclass(frozen=True)
class PlannedSchema:
    """A schema file to write: its path below the schemas folder and what it pins."""

    path: str
    inferred: Inferred
    samples: int

    @property
    def required(self) -> int:
        return _count_required(self.inferred.schema)


@dataclass(frozen=True)
class PlannedContract:
    """A new ``[[contract]]`` entry."""

    name: str
    method: str
    template: str
    statuses: tuple[int, ...]
    schema: str
    query: tuple[str, ...]
    interactions: int
    cassettes: int

    @property
    def request(self) -> str:
        return f"{self.method} {self.template}"

    def toml(self) -> str:
        status = str(self.statuses[0]) if len(self.statuses) == 1 else str(list(self.statuses))
        lines = [
            "[[contract]]",
            f"# inferred by cassette-contracts init from {self.interactions} interaction(s) in "
            f"{self.cassettes} cassette(s)",
            f"name = {_toml_string(self.name)}",
            f"request = {_toml_string(self.request)}",
            f"status = {status}",
            f"schema = {_toml_string(self.schema)}",
        ]
        if self.query:
            lines.append(f"query = [{', '.join(map(_toml_string, self.query))}]")
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Skipped:
    """Interactions left without a contract, and why."""

    request: str
    status: int
    interactions: int
    reason: str


@dataclass
class InitPlan:
    """Everything ``init`` would write, and what it leaves alone."""

    contracts_path: Path
    cassettes: list[Path]
    interactions: int = 0
    contracts: list[PlannedContract] = field(default_factory=list)
    schemas: dict[str, PlannedSchema] = field(default_factory=dict)
    covered: dict[str, int] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    errors: list[CassetteError] = field(default_factory=list)
    force: bool = False

    @property
    def schemas_root(self) -> Path:
        return self.contracts_path.parent


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _count_required(schema: Any) -> int:
    if isinstance(schema, list):
        return sum(_count_required(s) for s in schema)
    if not isinstance(schema, dict):
        return 0
    own = len(schema.get("required", []))
    return own + sum(_count_required(v) for k, v in schema.items() if k != "required")


def plan_init(
    cassette_paths: Sequence[Path],
    schemas_dir: Path,
    *,
    force: bool = False,
    reads: Reads | None = None,
) -> InitPlan:
    """What ``init`` would do for these cassettes (nothing is written here)."""
    contracts_path = schemas_dir / "contracts.toml"
    plan = InitPlan(contracts_path=contracts_path, cassettes=list(cassette_paths), force=force)
    interactions: list[Interaction] = []
    for cassette in cassette_paths:
        try:
            interactions.extend(load_cassette(cassette).interactions)
        except CassetteError as exc:
            plan.errors.append(exc)
    plan.interactions = len(interactions)
    if plan.errors:
        return plan
    existing = ContractMap.load(contracts_path) if contracts_path.is_file() and not force else None
    names: set[str] = {c.name for c in existing.contracts} if existing else set()
    taken_files: set[str] = set()
    uncovered: list[Interaction] = []
    covered: Counter[str] = Counter()
    for interaction in interactions:
        found = (
            existing.find(interaction.method, interaction.uri, interaction.status)
            if (existing)
            else None
        )
        if found is None:
            uncovered.append(interaction)
        else:
            covered[found.name] += 1
    if existing:
        plan.covered = {c.name: covered[c.name] for c in existing.contracts}

    def schema_file(wanted: str) -> str:
        stem = wanted.removesuffix(".schema.json")
        candidate, number = wanted, 2
        while candidate in taken_files or (not force and (schemas_dir / candidate).exists()):
            candidate, number = f"{stem}-{number}.schema.json", number + 1
        taken_files.add(candidate)
        return candidate

    def contract_name(wanted: str) -> str:
        candidate, number = wanted, 2
        while candidate in names:
            candidate, number = f"{wanted}-{number}", number + 1
        names.add(candidate)
        return candidate

    success: list[Endpoint] = []
    errors: dict[tuple[str, str], list[Endpoint]] = defaultdict(list)
    bodies: dict[Interaction, Any] = {}  # each JSON body parsed once
    for endpoint in group_endpoints(uncovered):
        kinds: Counter[tuple[str, str]] = Counter()
        for interaction in endpoint.interactions:
            kind, detail, value = classify_body(interaction)
            kinds[kind, detail] += 1
            bodies[interaction] = value
        if {kind for kind, _ in kinds} != {"json"}:
            plan.skipped.append(_skip(endpoint, kinds))
        elif is_error(endpoint.status):
            errors[endpoint.method, endpoint.template].append(endpoint)
        else:
            success.append(endpoint)

    # Success statuses: one contract and one schema per method, template and status.
    statuses_of: Counter[tuple[str, str]] = Counter((e.method, e.template) for e in success)
    for endpoint in success:
        base = _base_name(endpoint.method, endpoint.template)
        if statuses_of[endpoint.method, endpoint.template] > 1:
            base += f".{endpoint.status}"
        name = contract_name(base)
        path = schema_file(_schema_path(name))
        plan.schemas[path] = _infer(path, endpoint.interactions, bodies, _reads(reads, [endpoint]))
        plan.contracts.append(_contract(name, [endpoint], path))

    # Error statuses: one contract per method and template; one schema per host when the
    # bodies agree, else one per contract.
    by_host: dict[str, list[list[Endpoint]]] = defaultdict(list)
    for (_, template), group in sorted(errors.items()):
        by_host[host_label(template)].append(group)
    for host, groups in sorted(by_host.items()):
        every = [e for group in groups for e in group]
        values = [bodies[i] for e in every for i in e.interactions]
        shared = None
        if all(isinstance(v, dict) for v in values) and set.intersection(*map(set, values)):
            shared = schema_file(f"{host}/error.schema.json")
            samples = [i for e in every for i in e.interactions]
            plan.schemas[shared] = _infer(shared, samples, bodies, _reads(reads, every))
        for group in groups:
            name = contract_name(_base_name(group[0].method, group[0].template) + ".error")
            path = shared or schema_file(_schema_path(name))
            if shared is None:
                samples = [i for e in group for i in e.interactions]
                plan.schemas[path] = _infer(path, samples, bodies, _reads(reads, group))
            plan.contracts.append(_contract(name, group, path))
    plan.contracts.sort(key=lambda c: (c.template, c.method, c.statuses))
    return plan


def _skip(endpoint: Endpoint, kinds: Counter[tuple[str, str]]) -> Skipped:
    counted: Counter[str] = Counter()
    for (kind, _), number in kinds.items():
        counted[kind] += number
    details = sorted({f"{kind}: {detail}" for kind, detail in kinds})
    if len(counted) == 1:
        kind = next(iter(counted))
        reason = (
            f"{kind} body ({'; '.join(d.split(': ', 1)[1] for d in details)}): init infers "
            f'no contract for it yet; declare one with body = "{kind}"'
        )
    else:
        mixed = ", ".join(f"{kind} x{n}" for kind, n in sorted(counted.items()))
        reason = f"mixed body kinds ({mixed}): record one kind per status, or write it by hand"
    return Skipped(endpoint.request, endpoint.status, len(endpoint.interactions), reason)


def _reads(reads: Reads | None, endpoints: Sequence[Endpoint]) -> set[str] | None:
    if reads is None:
        return None
    return {path for e in endpoints for path in reads.get(e.key, ())}


def _infer(
    path: str,
    interactions: Sequence[Interaction],
    bodies: Mapping[Interaction, Any],
    reads: set[str] | None,
) -> PlannedSchema:
    files = sorted({display_path(i.cassette) for i in interactions})
    shown = ", ".join(files[:_SOURCES_SHOWN])
    if len(files) > _SOURCES_SHOWN:
        shown += f" and {len(files) - _SOURCES_SHOWN} more"
    comment = (
        f"inferred by cassette-contracts init from {len(interactions)} sample(s) in "
        f"{len(files)} cassette(s): {shown}. Types are pinned from any sample; a field is "
        f"required, and a string or object field non-null, only once {PROOF} samples show it."
    )
    payloads = [bodies[i] for i in interactions]
    return PlannedSchema(path, infer_schema(payloads, comment=comment, reads=reads), len(payloads))


def _contract(name: str, endpoints: Sequence[Endpoint], schema: str) -> PlannedContract:
    interactions = [i for e in endpoints for i in e.interactions]
    return PlannedContract(
        name=name,
        method=endpoints[0].method,
        template=endpoints[0].template,
        statuses=tuple(sorted(e.status for e in endpoints)),
        schema=schema,
        query=tuple(sorted({q for e in endpoints for q in e.query})),
        interactions=len(interactions),
        cassettes=len({i.cassette for i in interactions}),
    )


def _base_name(method: str, template: str) -> str:
    """``github.user-repos`` for ``GET https://api.github.com/users/{user}/repos``."""
    path = template.split("://", 1)[1].partition("/")[2]
    segments = path.split("/") if path else []
    words: list[str] = []
    for position, segment in enumerate(segments):
        if _PARAM.fullmatch(segment):
            continue
        after = segments[position + 1] if position + 1 < len(segments) else ""
        found = _PARAM.fullmatch(after)
        word = found[1] if found else segment
        word = re.sub(r"[^A-Za-z0-9_]+", "-", word).strip("-").lower()
        if word and (not words or words[-1] != word):
            words.append(word)
    name = f"{host_label(template)}.{'-'.join(words) or 'root'}"
    return name if method == "GET" else f"{name}.{method.lower()}"


def _schema_path(name: str) -> str:
    host, _, rest = name.partition(".")
    return f"{host}/{rest}.schema.json"


def write_plan(plan: InitPlan) -> list[Path]:
    """Write the planned schema files, then contracts.toml; the files written."""
    written: list[Path] = []
    for relative, planned in sorted(plan.schemas.items()):
        target = plan.schemas_root / relative
        atomic_write_bytes(target, render_schema(planned.inferred.schema))
        written.append(target)
    entries = "\n".join(c.toml() for c in plan.contracts)
    path = plan.contracts_path
    if path.is_file() and not plan.force:
        if not plan.contracts:
            return written
        old = path.read_bytes().decode("utf-8")
        text = old + ("" if old.endswith("\n") or not old else "\n") + "\n" + entries
    else:
        text = _HEADER + ("\n" + entries if entries else "")
    atomic_write_bytes(path, text.encode("utf-8"))
    written.append(path)
    return written


def render_plan(plan: InitPlan, *, dry_run: bool) -> str:
    """The plan for people: new contracts, templates, schemas, pinned fields, what is left."""
    schemas_dir = display_path(plan.schemas_root)
    toml = display_path(plan.contracts_path)
    lines = [
        f"init: {plan.interactions} interaction(s) in {len(plan.cassettes)} cassette(s) -> "
        f"{len(plan.contracts)} new contract(s), {len(plan.schemas)} schema file(s) in "
        f"{schemas_dir}/" + (" (dry run: nothing written)" if dry_run else "")
    ]
    if plan.contracts:
        how = "written afresh" if plan.force or not plan.contracts_path.is_file() else "appended"
        lines.append(f"new contracts ({how} to {toml}):")
        for contract in plan.contracts:
            status = " or ".join(map(str, contract.statuses))
            query = f", query {list(contract.query)}" if contract.query else ""
            lines.append(
                f"  {contract.name}: {contract.request} -> {status}{query} "
                f"({contract.interactions} interaction(s)) -> {contract.schema}"
            )
    for path, planned in sorted(plan.schemas.items()):
        lines.append(
            f"  schema {path}: {planned.samples} sample(s), {len(planned.inferred.pinned)} "
            f"field(s) pinned, {planned.required} required"
        )
        if dry_run and planned.inferred.pinned:
            lines.append(f"    pins {', '.join(planned.inferred.pinned)}")
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


def run_init(
    paths: Sequence[str],
    *,
    schemas: str | None,
    dry_run: bool,
    force: bool,
    stdout: TextIO,
    stderr: TextIO,
    reads: Reads | None = None,
) -> int:
    """The ``init`` command: plan, print, write, then check; returns the exit code."""
    from ._cassette import iter_cassette_paths
    from ._check import check
    from ._config import load_settings
    from ._report import render
    from ._schemas import SchemaRegistry

    settings = load_settings(schemas=schemas)
    cassettes = iter_cassette_paths(paths or [settings.cassettes])
    plan = plan_init(cassettes, settings.schemas, force=force, reads=reads)
    if plan.errors:
        for error in plan.errors:
            stderr.write(f"cassette-contracts: error: {error}\n")
        stderr.write(f"init: {len(plan.errors)} cassette(s) cannot be read; nothing written\n")
        return 2
    stdout.write(render_plan(plan, dry_run=dry_run))
    if dry_run:
        return 0
    if not plan.contracts and not plan.contracts_path.is_file():
        stdout.write("init: no JSON response to infer a contract from; nothing written\n")
        return 0
    if not plan.contracts and not force:
        stdout.write("init: nothing new to write\n")
    else:
        written = write_plan(plan)
        stdout.write(f"init: wrote {len(written)} file(s)\n")
    result = check(
        cassettes,
        ContractMap.load(settings.contracts),
        SchemaRegistry.load(settings.schemas),
        cache_dir=None,
        strict=not plan.skipped,
        jobs=1,
    )
    if result.exit_code:
        stdout.write(render(result, "text"))
        stderr.write(
            f"init: check fails on the cassettes the contracts came from (exit "
            f"{result.exit_code}); see above\n"
        )
        return result.exit_code
    left = sum(s.interactions for s in plan.skipped)
    note = f"; {left} interaction(s) left without a contract (listed above)" if left else ""
    stdout.write(
        f"init: check passes: {result.interactions - left} interaction(s) in "
        f"{result.files} cassette(s) hold against {display_path(settings.contracts)}{note}\n"
    )
    return 0
