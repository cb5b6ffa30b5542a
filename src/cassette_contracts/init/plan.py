"""``cassette-contracts init``: contracts and schemas inferred from the recordings.

Three steps, each its own function so tests (and ``--dry-run``) can stop after any of them:

1. ``plan_init`` reads the cassettes, groups their interactions into endpoints
   (``init.endpoints``), leaves out those an existing contract already covers, and splits each
   endpoint by the kind of its bodies (``Interaction.body_kind``: content coding undone).
   JSON bodies get a schema inferred from every sample (``init.infer``), event streams
   (``event-stream``, ``ndjson``) one inferred from every event's JSON; ``empty``, ``text``
   and ``binary`` bodies get their ``body`` kind (with the recorded ``media_type``) and no
   schema. Error statuses of a host share one schema when their JSON bodies agree (all
   objects with at least one member in common). A body that cannot be read (declared JSON
   that does not parse) leaves its endpoint without a contract, listed with the reason.
2. ``write_plan`` writes the schema files and appends the new ``[[contract]]`` entries to
   contracts.toml. Without ``force`` nothing that exists is overwritten: existing contracts
   stay as they are (new names and schema files avoid theirs); with ``force`` contracts.toml
   and the generated schema files are written afresh.
3. ``check`` runs over the same cassettes against the written files; the summary says so.

Output is sorted and deterministic, so a re-run changes nothing. ``reads`` (the JSON paths the
code read, per method, URL template and status) or ``request_reads`` (per request, as the
pytest plugin records them in a replay run: ``--from-coverage``) pin only those paths of the
JSON bodies; event streams are not tracked by coverage and keep every field the samples show.

Length: one job, the ``init`` plan from endpoints to files (rendered in ``rendering.init``); the
inference itself is in ``init.infer`` and the grouping in ``init.endpoints``.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ..cassettes.atomic import atomic_write_bytes
from ..cassettes.interaction import Interaction
from ..cassettes.load import load_cassette
from ..contracts.mapping import JSON_BODIES, STREAM_BODIES, ContractMap, _strip_query
from ..errors import (
    CassetteContractsError,
    CassetteError,
    NoContractError,
    UsageError,
    display_path,
)
from .endpoints import Body, Endpoint, group_endpoints, host_label, is_error, read_body
from .infer import PROOF, Inferred, infer_schema, render_schema

if TYPE_CHECKING:
    from ..checking.run import CheckResult
    from ..settings import Settings

__all__ = [
    "InitOutcome",
    "InitPlan",
    "PlannedContract",
    "PlannedSchema",
    "Reads",
    "Skipped",
    "plan_init",
    "run_init",
    "write_plan",
]

#: JSON paths the code read, by ``(method, URL template, status)``.
Reads = Mapping[tuple[str, str, int], Collection[str]]
#: JSON paths the code read, by ``(method, URL, status)`` of the request (``--from-coverage``).
RequestReads = Mapping[tuple[str, str, int], Collection[str]]

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
    #: ``--from-coverage`` found no read of these payloads (the tests never read them).
    unread: bool = False

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
    schema: str | None
    query: tuple[str, ...]
    interactions: int
    cassettes: int
    body: str = "json"
    media_types: tuple[str, ...] = ()

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
        ]
        if self.body != "json":
            lines.append(f"body = {_toml_string(self.body)}")
        if len(self.media_types) == 1:
            lines.append(f"media_type = {_toml_string(self.media_types[0])}")
        elif self.media_types:
            lines.append(f"media_type = [{', '.join(map(_toml_string, self.media_types))}]")
        if self.schema is not None:
            lines.append(f"schema = {_toml_string(self.schema)}")
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
    #: New contracts go at the end of a contracts.toml that was there when planned.
    appends: bool = False

    @property
    def schemas_root(self) -> Path:
        return self.contracts_path.parent


@dataclass
class InitOutcome:
    """What ``init`` did, for the renderers (``rendering.init``): the plan, the files written
    (None: nothing was), why nothing was (``note``), and the self-check over the cassettes."""

    plan: InitPlan
    dry_run: bool
    written: list[Path] | None = None
    note: str | None = None
    check: CheckResult | None = None


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
    request_reads: RequestReads | None = None,
) -> InitPlan:
    """What ``init`` would do for these cassettes (nothing is written here).

    ``reads`` (by endpoint) or ``request_reads`` (by request, as the plugin records them)
    are the JSON paths the code read: only those are pinned.
    """
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
    plan.appends = existing is not None
    names: set[str] = {c.name for c in existing.contracts} if existing else set()
    taken_files: set[str] = set()
    uncovered: list[Interaction] = []
    covered: Counter[str] = Counter()
    for interaction in interactions:
        found = _existing(existing, interaction)
        if found is None:
            uncovered.append(interaction)
        else:
            covered[found] += 1
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

    # Each endpoint split by the kind of its bodies: contracts for one request and status may
    # differ in `body` (a streamed and a plain answer); each recorded body takes its own.
    success: list[tuple[Endpoint, str]] = []
    errors: dict[tuple[str, str, str], list[Endpoint]] = defaultdict(list)
    kinds_of: dict[tuple[str, str, bool], set[str]] = defaultdict(set)
    bodies: dict[Interaction, Body] = {}  # each body read once
    endpoints = group_endpoints(uncovered)
    if request_reads is not None and reads is None:
        reads = _by_template(endpoints, request_reads)
    for endpoint in endpoints:
        by_kind: dict[str, list[Interaction]] = defaultdict(list)
        unreadable: list[CassetteError] = []
        for interaction in endpoint.interactions:
            try:
                body = bodies[interaction] = read_body(interaction)
            except CassetteError as exc:
                unreadable.append(exc)
            else:
                by_kind[body.kind].append(interaction)
        if unreadable:
            plan.skipped.append(_skip(endpoint, unreadable))
            continue
        error = is_error(endpoint.status)
        for kind, members in sorted(by_kind.items()):
            part = replace(endpoint, interactions=tuple(members))
            kinds_of[endpoint.method, endpoint.template, error].add(kind)
            if error:
                errors[endpoint.method, endpoint.template, kind].append(part)
            else:
                success.append((part, kind))

    def named(base: str, method: str, template: str, kind: str, error: bool) -> str:
        several = len(kinds_of[method, template, error]) > 1
        return base + (f".{kind}" if several and kind != "json" else "")

    # Success statuses: one contract (and one schema, for the bodies that carry JSON) per
    # method, template, status and body kind.
    statuses_of: Counter[tuple[str, str]] = Counter(
        (e.method, e.template) for e in {e.key: e for e, _ in success}.values()
    )
    for endpoint, kind in success:
        base = _base_name(endpoint.method, endpoint.template)
        if statuses_of[endpoint.method, endpoint.template] > 1:
            base += f".{endpoint.status}"
        name = contract_name(named(base, endpoint.method, endpoint.template, kind, False))
        path = None
        if kind in JSON_BODIES:
            path = schema_file(_schema_path(name))
            plan.schemas[path] = _infer(
                path, endpoint.interactions, bodies, _reads(reads, kind, [endpoint])
            )
        plan.contracts.append(_contract(name, [endpoint], path, kind, bodies))

    # Error statuses: one contract per method, template and body kind; for JSON bodies one
    # schema per host when the bodies agree, else one per contract.
    by_host: dict[str, list[list[Endpoint]]] = defaultdict(list)
    for (method, template, kind), group in sorted(errors.items()):
        if kind == "json":
            by_host[host_label(template)].append(group)
            continue
        base = _base_name(method, template) + ".error"
        name = contract_name(named(base, method, template, kind, True))
        path = None
        if kind in JSON_BODIES:
            path = schema_file(_schema_path(name))
            samples = [i for e in group for i in e.interactions]
            plan.schemas[path] = _infer(path, samples, bodies, _reads(reads, kind, group))
        plan.contracts.append(_contract(name, group, path, kind, bodies))
    for host, groups in sorted(by_host.items()):
        every = [e for group in groups for e in group]
        values = [bodies[i].payloads[0] for e in every for i in e.interactions]
        shared = None
        if all(isinstance(v, dict) for v in values) and set.intersection(*map(set, values)):
            shared = schema_file(f"{host}/error.schema.json")
            samples = [i for e in every for i in e.interactions]
            plan.schemas[shared] = _infer(shared, samples, bodies, _reads(reads, "json", every))
        for group in groups:
            method, template = group[0].method, group[0].template
            base = _base_name(method, template) + ".error"
            name = contract_name(named(base, method, template, "json", True))
            path = shared or schema_file(_schema_path(name))
            if shared is None:
                samples = [i for e in group for i in e.interactions]
                plan.schemas[path] = _infer(path, samples, bodies, _reads(reads, "json", group))
            plan.contracts.append(_contract(name, group, path, "json", bodies))
    plan.contracts.sort(key=lambda c: (c.template, c.method, c.statuses, c.body))
    return plan


def _by_template(endpoints: Sequence[Endpoint], request_reads: RequestReads) -> Reads:
    """The reads of each endpoint: those of every request its interactions answer (compared
    without the query string, host case ignored, as contracts match)."""
    by_request: dict[tuple[str, str, int], set[str]] = defaultdict(set)
    for (method, url, status), paths in request_reads.items():
        by_request[method.upper(), _strip_query(url), status].update(paths)
    return {
        e.key: {
            path
            for i in e.interactions
            for path in by_request.get((i.method.upper(), _strip_query(i.uri), i.status), ())
        }
        for e in endpoints
    }


def _existing(existing: ContractMap | None, interaction: Interaction) -> str | None:
    """The name of the existing contract ``interaction`` matches (told apart by its body's
    kind where contracts differ only in ``body``), or None."""
    if existing is None:
        return None
    try:
        return existing.match(interaction).name
    except NoContractError:
        return None
    except CassetteContractsError:  # several match, or the body cannot be read: not ours
        found = existing.find(interaction.method, interaction.uri, interaction.status)
        return None if found is None else found.name


def _skip(endpoint: Endpoint, unreadable: Sequence[CassetteError]) -> Skipped:
    reason = f"{len(unreadable)} body(ies) cannot be read, first: {unreadable[0]}"
    return Skipped(endpoint.request, endpoint.status, len(endpoint.interactions), reason)


def _reads(reads: Reads | None, kind: str, endpoints: Sequence[Endpoint]) -> set[str] | None:
    """The paths read of these endpoints' JSON bodies; None (pin every field the samples
    show) without reads, and for event streams, whose events coverage does not track."""
    if reads is None or kind != "json":
        return None
    return {path for e in endpoints for path in reads.get(e.key, ())}


def _infer(
    path: str,
    interactions: Sequence[Interaction],
    bodies: Mapping[Interaction, Body],
    reads: set[str] | None,
) -> PlannedSchema:
    files = sorted({display_path(i.cassette) for i in interactions})
    shown = ", ".join(files[:_SOURCES_SHOWN])
    if len(files) > _SOURCES_SHOWN:
        shown += f" and {len(files) - _SOURCES_SHOWN} more"
    payloads = [p for i in interactions for p in bodies[i].payloads]
    streams = {bodies[i].kind for i in interactions} & set(STREAM_BODIES)
    what = (
        f"{len(payloads)} event(s) of {len(interactions)} {'/'.join(sorted(streams))} response(s)"
        if streams
        else f"{len(payloads)} sample(s)"
    )
    comment = (
        f"inferred by cassette-contracts init from {what} in {len(files)} cassette(s): "
        f"{shown}. Types are pinned from any sample; a field is required, and a string or "
        f"object field non-null, only once {PROOF} samples show it."
    )
    inferred = infer_schema(payloads, comment=comment, reads=reads)
    return PlannedSchema(path, inferred, len(payloads), unread=reads is not None and not reads)


def _contract(
    name: str,
    endpoints: Sequence[Endpoint],
    schema: str | None,
    kind: str,
    bodies: Mapping[Interaction, Body],
) -> PlannedContract:
    interactions = [i for e in endpoints for i in e.interactions]
    media_types: tuple[str, ...] = ()
    if kind in ("text", "binary"):  # the kinds a media type tells apart
        seen = {bodies[i].media_type for i in interactions}
        media_types = () if "" in seen else tuple(sorted(seen))  # none sent: not pinned
    return PlannedContract(
        name=name,
        method=endpoints[0].method,
        template=endpoints[0].template,
        statuses=tuple(sorted(e.status for e in endpoints)),
        schema=schema,
        query=tuple(sorted({q for e in endpoints for q in e.query})),
        interactions=len(interactions),
        cassettes=len({i.cassette for i in interactions}),
        body=kind,
        media_types=media_types,
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


def run_init(
    paths: Sequence[str],
    *,
    schemas: str | None,
    dry_run: bool,
    force: bool,
    stdout: TextIO,
    stderr: TextIO,
    from_coverage: bool = False,
    fmt: str = "text",
) -> int:
    """The ``init`` command: plan, write, check, then print the outcome in format ``fmt``
    (``rendering.init``); returns the exit code.

    ``from_coverage``: pin only the paths the last replay run read (UsageError when it
    recorded none).
    """
    from ..cassettes.discover import iter_cassette_paths
    from ..rendering import render
    from ..settings import load_settings

    settings = load_settings(schemas=schemas)
    cassettes = iter_cassette_paths(paths or [settings.cassettes])
    recorded = None
    if from_coverage:
        from ..coverage.reads import request_reads
        from ..runfiles import REQUESTS_DIR

        recorded = request_reads(settings.coverage_dir)
        if not recorded:
            raise UsageError(
                f"--from-coverage: no reads recorded in "
                f"{display_path(settings.coverage_dir / REQUESTS_DIR)}: run the tests first "
                "(pytest replaying the cassettes, contract coverage on: no "
                "--no-contract-coverage)"
            )
    plan = plan_init(cassettes, settings.schemas, force=force, request_reads=recorded)
    if plan.errors:
        for error in plan.errors:
            stderr.write(f"cassette-contracts: error: {error}\n")
        stderr.write(f"init: {len(plan.errors)} cassette(s) cannot be read; nothing written\n")
        return 2
    outcome = InitOutcome(plan, dry_run=dry_run)
    if not dry_run:
        _write_and_check(outcome, settings, cassettes, force=force)
    stdout.write(render(outcome, fmt))
    if outcome.written and schemas is not None:
        _say_where_contracts_are_read(settings, stderr)
    if outcome.check is not None and outcome.check.exit_code:
        stderr.write(
            f"init: check fails on the cassettes the contracts came from (exit "
            f"{outcome.check.exit_code}); see above\n"
        )
        return outcome.check.exit_code
    return 0


def _say_where_contracts_are_read(written: Settings, stderr: TextIO) -> None:
    """One line when ``--schemas`` wrote the contracts where ``check`` and the plugin do not
    read them (the configured ``schemas`` folder): the setting that makes them read there."""
    from ..settings import load_settings

    configured = load_settings(written.root).schemas
    if configured.resolve() == written.schemas.resolve():
        return
    try:
        folder = written.schemas.resolve().relative_to(written.root.resolve()).as_posix()
    except ValueError:
        folder = str(written.schemas.resolve())
    stderr.write(
        f'init: set schemas = "{folder}" in [tool.cassette_contracts] (pyproject.toml): check '
        f"and pytest read contracts from {display_path(configured)}/ until then\n"
    )


def _write_and_check(
    outcome: InitOutcome, settings: Settings, cassettes: Sequence[Path], *, force: bool
) -> None:
    """Write the plan of ``outcome`` (when there is something to write), then check the
    cassettes against what is written; sets ``outcome``."""
    from ..checking.run import check
    from ..contracts.registry import SchemaRegistry

    plan = outcome.plan
    if not plan.contracts and not plan.contracts_path.is_file():
        outcome.note = "no response to infer a contract from; nothing written"
    else:
        if not plan.contracts and not force:
            outcome.note = "nothing new to write"
        else:
            outcome.written = write_plan(plan)
        outcome.check = check(
            cassettes,
            ContractMap.load(settings.contracts),
            SchemaRegistry.load(settings.schemas),
            cache_dir=None,
            strict=not plan.skipped,
            jobs=1,
        )
