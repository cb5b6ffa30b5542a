"""Check recorded interactions against their contracts, with a result cache.

The cache (``.cassette-contracts/`` by default, safe to delete) remembers, per cassette
content, what the check found; an entry is used only when the cassette bytes, every schema
file plus contracts.toml, and the harness itself are unchanged. A corrupt or missing cache
is rebuilt without a word.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import multiprocessing as mp
import os
import re
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from functools import cache
from os import PathLike
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ._bodies import BodyKind
from ._cassette import (
    Interaction,
    Slice,
    SliceError,
    header,
    parse_cassette,
    slice_items,
    split_interactions,
    stream_cassette,
)
from ._contracts import HEADER_TYPES, STREAM_BODIES, Contract, ContractMap

# jsonschema only through _schemas, which imports it without the slow iri checker package.
from ._schemas import SchemaRegistry, ValidationError, best_match, json_pointer
from .errors import (
    CassetteError,
    ContractMapError,
    InputError,
    NoContractError,
    Violation,
    display_path,
    short_json,
)

__all__ = ["CheckResult", "EndpointRow", "check", "contract_errors", "validate_interaction"]

CACHE_FILE = "check-results.json"
_CACHE_FORMAT = 2
_MESSAGE_LIMIT = 200


@dataclass(frozen=True)
class EndpointRow:
    """Summary of one contract: how many interactions it covered and how they fared.

    ``result`` is ``"ok"``, ``"broken"`` (some violation), ``"error"`` (its schema cannot be
    used, or an interaction could not be checked, e.g. a body that is not JSON) or
    ``"unused"`` (no recorded interaction matched it).
    """

    contract: str
    request: str
    interactions: int
    schema: str
    result: str
    violations: int
    errors: int = 0


@dataclass
class CheckResult:
    """What ``check`` found. ``exit_code`` is 2 on input errors, 1 on violations, else 0."""

    rows: list[EndpointRow]
    violations: list[Violation]
    errors: list[InputError]
    warnings: list[InputError] = field(default_factory=list)
    files: int = 0
    interactions: int = 0
    cached_files: int = 0

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 2
        return 1 if self.violations else 0

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def validate_interaction(
    interaction: Interaction,
    contract_map: ContractMap,
    registry: SchemaRegistry,
    contract: Contract | None = None,
) -> list[Violation]:
    """The violations of one interaction (an empty list when its contract holds).

    The response: its body of the contract's kind (JSON, empty, text, binary, or an event
    stream whose every event's JSON is validated), its media type, its pinned headers; the
    request: its JSON body, query and Authorization header. Raises InputError (a subclass)
    when no single contract matches, a schema is unusable or a body that claims to be JSON
    (or an event of a stream) is not. Works as well on an ``Interaction.from_vcr(...)`` built
    in memory.
    """
    if contract is None:
        contract = contract_map.match(interaction)
    found = _response_body_violations(interaction, contract, registry)
    found += _header_violations(interaction, contract)
    if contract.request_schema is not None:
        request_json = interaction.request_json
        found += _schema_violations(
            interaction,
            contract,
            "request body",
            contract.request_schema,
            registry,
            lambda: [(None, request_json())],
        )
    found += _query_violations(interaction, contract)
    found += _auth_violations(interaction, contract)
    return found


def _violation(interaction: Interaction, contract: Contract, **fields: Any) -> Violation:
    return Violation(
        cassette=display_path(interaction.cassette),
        line=interaction.line,
        interaction=interaction.index,
        method=interaction.method,
        url=interaction.uri,
        contract=contract.name,
        **fields,
    )


def _response_body_violations(
    interaction: Interaction, contract: Contract, registry: SchemaRegistry
) -> list[Violation]:
    """The body's kind, then its media type, then its JSON (or each event's) against the
    schema. A body of the wrong kind is one violation; nothing more is checked in it."""
    kind = interaction.body_kind
    payloads: Callable[[], Iterable[tuple[int | None, Any]]] | None = None
    if contract.body == "json":
        # Declared JSON that does not parse is a broken recording (an input error); any other
        # kind is read as a client reads it, which parses JSON whatever Content-Type says.
        if kind.kind == "empty" or (kind.kind != "json" and not _parses(interaction)):
            return [_kind_violation(interaction, contract, kind)]
        payloads = _whole_body(interaction)
    elif contract.body == "binary":  # any bytes will do for a client that reads bytes
        if kind.kind == "empty":
            return [_kind_violation(interaction, contract, kind)]
    elif kind.kind != contract.body:
        return [_kind_violation(interaction, contract, kind)]
    elif contract.body == "text":
        interaction.text()  # CassetteError when it is not text in its declared charset
    elif contract.body in STREAM_BODIES:
        payloads = interaction.event_json
    found: list[Violation] = []
    if not contract.accepts_media_type(kind.media_type):
        found.append(_media_type_violation(interaction, contract, kind))
    if payloads is not None and contract.schema is not None:
        found += _schema_violations(
            interaction, contract, "response body", contract.schema, registry, payloads
        )
    return found


def _parses(interaction: Interaction) -> bool:
    try:
        interaction.json()
    except CassetteError:
        return False
    return True


def _whole_body(interaction: Interaction) -> Callable[[], list[tuple[int | None, Any]]]:
    return lambda: [(None, interaction.json())]


def _described(kind: BodyKind, status: int) -> str:
    if kind.kind == "empty":
        return f"an empty body (status {status})"
    article = "an" if kind.kind[0] in "aeiou" else "a"
    return f"{article} {kind.kind} body ({kind.media_type or 'no Content-Type'})"


def _kind_violation(interaction: Interaction, contract: Contract, kind: BodyKind) -> Violation:
    article = "an" if contract.body[0] in "aeiou" else "a"
    found = _described(kind, interaction.status)
    return _violation(
        interaction,
        contract,
        part="response body",
        json_path="$",
        validator="body",
        expected=short_json(contract.body),
        found=short_json(found),
        message=f"the contract expects {article} {contract.body} body, the response has {found}",
        schema_file=None,
        schema_path=None,
    )


def _media_type_violation(
    interaction: Interaction, contract: Contract, kind: BodyKind
) -> Violation:
    wanted = " or ".join(contract.media_types)
    sent = kind.media_type or "no Content-Type"
    return _violation(
        interaction,
        contract,
        part="response headers",
        json_path="Content-Type",
        validator="media_type",
        expected=short_json(list(contract.media_types)),
        found=short_json(sent),
        message=f"the response is {sent}, the contract expects {wanted}",
        schema_file=None,
        schema_path=None,
    )


_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def _is_http_date(value: str) -> bool:
    try:
        parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return False
    return True


_HEADER_CHECKS: dict[str, Callable[[str], bool]] = {
    "string": lambda value: True,
    "integer": lambda value: _INTEGER.fullmatch(value.strip()) is not None,
    "number": lambda value: _NUMBER.fullmatch(value.strip()) is not None,
    "boolean": lambda value: value.strip().lower() in ("true", "false"),
    "http-date": _is_http_date,
}
assert set(_HEADER_CHECKS) == set(HEADER_TYPES)


def _header_violations(interaction: Interaction, contract: Contract) -> list[Violation]:
    found = []
    for pin in contract.headers:
        values = header(interaction.response_headers, pin.name)
        wanted = " or ".join(pin.types)
        if not values:
            value, message = "absent", f"the response has no {pin.name} header (pinned: {wanted})"
        else:
            bad = [v for v in values if not any(_HEADER_CHECKS[t](v) for t in pin.types)]
            if not bad:
                continue
            value = short_json(bad[0])
            message = f"response header {pin.name} is {short_json(bad[0])}, not {wanted}"
        found.append(
            _violation(
                interaction,
                contract,
                part="response headers",
                json_path=pin.name,
                validator="header",
                expected=short_json(pin.types[0] if len(pin.types) == 1 else list(pin.types)),
                found=value,
                message=message,
                schema_file=None,
                schema_path=None,
            )
        )
    return found


def _schema_violations(
    interaction: Interaction,
    contract: Contract,
    part: str,
    schema: str,
    registry: SchemaRegistry,
    decode: Callable[[], Iterable[tuple[int | None, Any]]],
) -> list[Violation]:
    """Violations of ``schema`` by each ``(event index or None, payload)`` ``decode`` gives."""
    validator = registry.validator(schema)
    payloads = decode()
    quick = registry.quick_check(schema)
    # One violation per schema location: the other items of a list (or the other events of a
    # stream) broken the same way are counted in `similar` instead of repeated.
    groups: dict[tuple[str, tuple[Any, ...]], list[tuple[int | None, ValidationError]]] = {}
    for event, payload in payloads:
        if quick is not None and quick(payload):
            continue
        for error in validator.iter_errors(payload):
            worst = best_match([error]) or error
            key = (str(worst.validator), tuple(worst.absolute_schema_path))
            groups.setdefault(key, []).append((event, worst))
    found = []
    for group in groups.values():
        event, first = group[0]
        # The file and place of the keyword that failed, wherever $ref led; jsonschema's own
        # schema path leaves the $ref hops out, so it only locates keywords of the root file.
        place = registry.locate(first.schema)
        schema_file, schema_path = (
            (place[0], f"{place[1].rstrip('/')}/{first.validator}")
            if place is not None
            else (schema, json_pointer(first.absolute_schema_path))
        )
        found.append(
            _violation(
                interaction,
                contract,
                part=part,
                json_path=first.json_path,
                validator=str(first.validator),
                expected=short_json(first.validator_value),
                found=_found(first),
                message=_shorten(first.message),
                schema_file=schema_file,
                schema_path=schema_path,
                similar=len(group) - 1,
                event=event,
            )
        )
    return found


def _found(error: ValidationError) -> str:
    if error.validator in ("required", "dependentRequired") and isinstance(error.instance, dict):
        return "an object with keys " + short_json(sorted(error.instance))
    return short_json(error.instance)


def _shorten(text: str) -> str:
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + "…"


def _query_violations(interaction: Interaction, contract: Contract) -> list[Violation]:
    if contract.query is None and not contract.required_query:
        return []
    sent = {name for name, _ in parse_qsl(urlsplit(interaction.uri).query, True)}
    found = []
    if contract.query is not None:
        allowed = set(contract.query) | set(contract.required_query)
        for name in sorted(sent - allowed):
            found.append(
                _violation(
                    interaction,
                    contract,
                    part="request query",
                    json_path=f"?{name}",
                    validator="query",
                    expected=short_json(sorted(allowed)),
                    found=short_json(name),
                    message=f"query parameter {name!r} is not one the contract allows",
                    schema_file=None,
                    schema_path=None,
                )
            )
    for name in contract.required_query:
        if name not in sent:
            found.append(
                _violation(
                    interaction,
                    contract,
                    part="request query",
                    json_path=f"?{name}",
                    validator="required_query",
                    expected=short_json(list(contract.required_query)),
                    found="absent",
                    message=f"required query parameter {name!r} was not sent",
                    schema_file=None,
                    schema_path=None,
                )
            )
    return found


def _auth_violations(interaction: Interaction, contract: Contract) -> list[Violation]:
    if contract.auth is None or contract.auth == "optional":
        return []
    present = header(interaction.request_headers, "Authorization") is not None
    if present == (contract.auth == "required"):
        return []
    # Never the header's value: only whether it was sent.
    return [
        _violation(
            interaction,
            contract,
            part="request headers",
            json_path="Authorization",
            validator="auth",
            expected=short_json(contract.auth),
            found="present (value not shown)" if present else "absent",
            message=(
                "the request sent an Authorization header the contract says must be absent"
                if present
                else "the request sent no Authorization header, the contract requires one"
            ),
            schema_file=None,
            schema_path=None,
        )
    ]


@dataclass
class _FileOutcome:
    key: str = ""  # sha256 of the cassette bytes, when a cache wants it
    counts: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)  # interactions not checkable, by contract
    violations: list[Violation] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    warnings: list[InputError] = field(default_factory=list)
    interactions: int = 0
    cacheable: bool = True


@dataclass(frozen=True)
class _Checker:
    """Everything needed to check one cassette file; inherited by forked workers."""

    contract_map: ContractMap
    registry: SchemaRegistry
    unusable: Mapping[str, InputError]
    strict: bool
    hashing: bool

    def __call__(self, path: Path) -> _FileOutcome:
        try:
            data = path.read_bytes()
        except OSError as exc:
            error = CassetteError(f"cannot read cassette: {exc.strerror}", file=path)
            return _FileOutcome(errors=[error], cacheable=False)
        outcome = self.check_bytes(path, data)
        if self.hashing:
            outcome.key = hashlib.sha256(data).hexdigest()
        return outcome

    def check_bytes(self, path: Path, data: bytes) -> _FileOutcome:
        outcome = _FileOutcome()
        try:  # each interaction checked as it is read, then dropped
            for interaction in stream_cassette(data, path):
                self.check_one(interaction, outcome)
        except CassetteError as exc:  # an input error, never a result to cache
            return _FileOutcome(errors=[exc], cacheable=False)
        outcome.cacheable = outcome.cacheable and not outcome.errors and not outcome.warnings
        return outcome

    def check_slice(self, path: Path, piece: Slice, chunk: bytes) -> _FileOutcome | None:
        """What checking the interactions of one slice of a file found; None when the slice
        does not read on its own (the whole file is then checked instead)."""
        outcome = _FileOutcome()
        try:
            for interaction in slice_items(chunk, path, piece):
                self.check_one(interaction, outcome)
        except SliceError:
            return None
        return outcome

    def check_one(self, interaction: Interaction, outcome: _FileOutcome) -> None:
        """Add what checking ``interaction`` found to ``outcome``."""
        outcome.interactions += 1
        try:
            contract = self.contract_map.match(interaction)
        except NoContractError as exc:
            (outcome.errors if self.strict else outcome.warnings).append(exc)
            return
        except InputError as exc:  # several contracts, or a body too broken to tell its kind
            outcome.errors.append(exc)
            return
        outcome.counts[contract.name] = outcome.counts.get(contract.name, 0) + 1
        if contract.name in self.unusable:  # reported once, not for every interaction
            outcome.cacheable = False
            return
        try:
            outcome.violations += validate_interaction(
                interaction, self.contract_map, self.registry, contract
            )
        except InputError as exc:
            outcome.errors.append(exc)
            outcome.failed[contract.name] = outcome.failed.get(contract.name, 0) + 1


def contract_errors(
    contract_map: ContractMap, registry: SchemaRegistry
) -> tuple[list[InputError], dict[str, InputError]]:
    """Why the schemas and contracts cannot all be used, as ``check`` reports it.

    Returns the errors (each broken schema file once, then each contract naming a schema that
    does not exist) and, by contract name, the problem of each contract that cannot be used.
    """
    errors: list[InputError] = list(registry.errors)
    unusable: dict[str, InputError] = {}
    for contract in contract_map.contracts:
        for name in contract.schemas():
            problem = registry.error(name)
            if problem is None:
                continue
            unusable.setdefault(contract.name, problem)
            if name not in registry.broken:  # else its own error is reported already
                errors.append(
                    ContractMapError(
                        f"contract {contract.name!r}: {problem.message}", file=contract_map.path
                    )
                )
    return errors, unusable


def check(
    cassette_paths: Iterable[str | PathLike[str]],
    contract_map: ContractMap,
    registry: SchemaRegistry,
    cache_dir: str | PathLike[str] | None = None,
    *,
    strict: bool = True,
    jobs: int | None = None,
) -> CheckResult:
    """Check every interaction of the given cassette files against its contract.

    Input errors are collected per file (one bad file does not hide the others). With
    ``strict=False`` an interaction that matches no contract is a warning, not an error.
    ``cache_dir=None`` checks everything afresh and writes no cache. ``jobs`` is the number
    of worker processes for the files not in the cache (None: one per CPU, and only when
    there is enough to check; 1: none).
    """
    errors, unusable = contract_errors(contract_map, registry)
    for contract in contract_map.contracts:
        for name in contract.schemas():
            if registry.error(name) is None:
                registry.quick_check(name)  # built once here, inherited by the workers
    paths = [p if isinstance(p, Path) else Path(p) for p in cassette_paths]
    result_cache = None
    hits: dict[int, _FileOutcome] = {}
    if cache_dir is not None:
        result_cache = _ResultCache(Path(cache_dir), _environment_key(contract_map, registry))
        with _no_cycle_collection():  # lookups make no cycles; collections would walk the heap
            for position, path in enumerate(paths):
                hit = result_cache.get(path)
                if hit is not None:
                    hits[position] = hit
    todo = [position for position in range(len(paths)) if position not in hits]
    checker = _Checker(contract_map, registry, unusable, strict, hashing=result_cache is not None)
    fresh = dict(zip(todo, _map(checker, [paths[i] for i in todo], jobs), strict=True))
    if result_cache is not None:
        for outcome in fresh.values():
            result_cache.put(outcome)
        result_cache.save()
    counts: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    violations: list[Violation] = []
    warnings: list[InputError] = []
    interactions = 0
    for position in range(len(paths)):
        outcome = hits.get(position) or fresh[position]
        interactions += outcome.interactions
        counts.update(outcome.counts)
        failed.update(outcome.failed)
        violations += outcome.violations
        errors += outcome.errors
        warnings += outcome.warnings
    return CheckResult(
        rows=_rows(contract_map, counts, failed, violations, unusable),
        violations=violations,
        errors=errors,
        warnings=warnings,
        files=len(paths),
        interactions=interactions,
        cached_files=len(hits),
    )


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """No cyclic garbage collection inside: for loops that allocate many objects but no cycles
    (each collection of the oldest generation walks every object, schemas included)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# Below this many bytes of cassettes, starting worker processes costs more than it saves.
_PARALLEL_MIN_BYTES = 2_000_000
# A YAML cassette at least this big is split between the workers by its interactions.
_SLICE_MIN_BYTES = 4_000_000
_WORKER: _Checker | None = None

_Task = Path | tuple[Path, Slice, bytes]


def _work(task: _Task) -> _FileOutcome | None:
    assert _WORKER is not None
    if isinstance(task, Path):
        return _WORKER(task)
    return _WORKER.check_slice(*task)


def _map(checker: _Checker, paths: list[Path], jobs: int | None) -> list[_FileOutcome]:
    """``checker`` over ``paths`` in order, in forked worker processes when worth it; a big
    YAML cassette is split into slices of interactions checked by several workers."""
    global _WORKER
    if jobs is None:
        jobs = _cpus()
        if jobs > 1 and sum(_size(p) for p in paths) < _PARALLEL_MIN_BYTES:
            jobs = 1
    # fork shares the loaded schemas and compiled checks for free; it is only safe while
    # this process runs a single thread, so anything else checks in-process.
    if jobs <= 1 or "fork" not in mp.get_all_start_methods() or threading.active_count() > 1:
        return [checker(path) for path in paths]
    tasks: list[_Task] = []
    plans: list[tuple[Path, list[int], str | None]] = []  # tasks of each path; sliced: its key
    for path in paths:
        sliced = _slices(path, jobs, checker.hashing) if _size(path) >= _SLICE_MIN_BYTES else None
        if sliced is None:
            plans.append((path, [len(tasks)], None))
            tasks.append(path)
        else:
            digest, pieces = sliced
            plans.append((path, list(range(len(tasks), len(tasks) + len(pieces))), digest))
            tasks += [(path, piece, chunk) for piece, chunk in pieces]
    _WORKER = checker
    try:
        with mp.get_context("fork").Pool(min(jobs, len(tasks))) as pool:
            done = pool.map(_work, tasks, chunksize=max(1, len(tasks) // (jobs * 8)))
    finally:
        _WORKER = None
    del tasks  # the slices' bytes
    outcomes = []
    for path, positions, sliced_key in plans:
        parts = [done[position] for position in positions]
        if sliced_key is None:
            assert parts[0] is not None
            outcomes.append(parts[0])
        else:
            outcomes.append(_sliced_outcome(checker, path, sliced_key, parts))
    return outcomes


def _sliced_outcome(
    checker: _Checker, path: Path, key: str, parts: list[_FileOutcome | None]
) -> _FileOutcome:
    """The outcome of a file from those of its slices, in order; when a slice did not read on
    its own (None), from checking the file whole."""
    if any(part is None for part in parts):
        return checker(path)
    return _joined(parts, key)


def _slices(path: Path, jobs: int, hashing: bool) -> tuple[str, list[tuple[Slice, bytes]]] | None:
    """The cache key of ``path`` ('' when not hashing) and its interactions in ``jobs`` slices,
    with their bytes; None to check it whole (not a YAML cassette laid out as vcrpy writes
    it, or not sound outside its interactions)."""
    if path.suffix.lower() not in (".yaml", ".yml"):
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    split = split_interactions(data, jobs)
    if split is None:
        return None
    rest, pieces = split
    try:
        parse_cassette(rest, path)  # version, metadata, the keys around `interactions`
    except CassetteError:
        return None  # reported, with its line, by checking the file whole
    key = hashlib.sha256(data).hexdigest() if hashing else ""
    return key, [(piece, data[piece.start : piece.end]) for piece in pieces]


def _joined(parts: list[_FileOutcome | None], key: str) -> _FileOutcome:
    """The outcome of a file from those of its slices, in order."""
    outcome = _FileOutcome(key=key)
    for part in parts:
        assert part is not None
        outcome.interactions += part.interactions
        for name, count in part.counts.items():
            outcome.counts[name] = outcome.counts.get(name, 0) + count
        for name, count in part.failed.items():
            outcome.failed[name] = outcome.failed.get(name, 0) + count
        outcome.violations += part.violations
        outcome.errors += part.errors
        outcome.warnings += part.warnings
        outcome.cacheable = outcome.cacheable and part.cacheable
    outcome.cacheable = outcome.cacheable and not outcome.errors and not outcome.warnings
    return outcome


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _rows(
    contract_map: ContractMap,
    counts: Mapping[str, int],
    failed: Mapping[str, int],
    violations: list[Violation],
    unusable: Mapping[str, InputError],
) -> list[EndpointRow]:
    broken = Counter(violation.contract for violation in violations)
    rows = []
    for contract in contract_map.contracts:
        name = contract.name
        if name in unusable:
            result = "error"
        elif broken[name]:
            result = "broken"
        elif failed.get(name):
            result = "error"
        else:
            result = "ok" if counts.get(name) else "unused"
        rows.append(
            EndpointRow(
                contract=name,
                request=contract.request,
                interactions=counts.get(name, 0),
                schema=contract.schema or f"({contract.body} body)",
                result=result,
                violations=broken[name],
                errors=failed.get(name, 0),
            )
        )
    return rows


@cache
def _harness_version() -> str:
    """Changes whenever this package's checking code or jsonschema changes."""
    from importlib.metadata import version

    digest = hashlib.sha256(f"{_CACHE_FORMAT}\0{version('jsonschema')}".encode())
    here = Path(__file__).parent
    for name in (
        "errors.py",
        "_bodies.py",
        "_formats.py",
        "_cassette.py",
        "_contracts.py",
        "_schemas.py",
        "_check.py",
    ):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


def _environment_key(contract_map: ContractMap, registry: SchemaRegistry) -> str:
    parts = (registry.fingerprint, contract_map.fingerprint, _harness_version())
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


class _ResultCache:
    """One JSON file: per-cassette outcomes, valid for one schemas + contracts + harness.

    ``entries`` maps the sha256 of a cassette's bytes to what checking it found. ``files``
    remembers, per cassette path, the stat (size, mtime, inode, ctime) under which it had a
    given sha256, so an unchanged file is not read again, the way git's index works. A stat
    is only trusted when the file's mtime was over a second older than the moment it was
    read: a later write, even within the same clock tick as the one before, changes it.
    """

    def __init__(self, directory: Path, environment: str) -> None:
        self.file = directory / CACHE_FILE
        self.environment = environment
        self.entries: dict[str, Any] = {}
        self.files: dict[str, list[Any]] = {}
        self.changed = False
        try:
            stored = json.loads(self.file.read_bytes())
            if stored["format"] == _CACHE_FORMAT and isinstance(stored["files"], dict):
                self.files = stored["files"]  # bytes -> sha256 does not depend on the schemas
            if stored["environment"] == environment and isinstance(stored["entries"], dict):
                self.entries = stored["entries"]
        except (OSError, ValueError, KeyError, TypeError):
            pass  # missing, corrupt, or for other schemas: start afresh

    def _key(self, path: Path) -> str | None:
        """sha256 of the bytes of ``path``, from its unchanged stat or by reading it."""
        name = os.path.abspath(path)
        try:
            before = os.stat(name)
            stat = [before.st_size, before.st_mtime_ns, before.st_ino, before.st_ctime_ns]
            known = self.files.get(name)
            if isinstance(known, list) and len(known) == 5 and known[:4] == stat:
                return str(known[4])
            read_at = time.time_ns()
            key = hashlib.sha256(Path(name).read_bytes()).hexdigest()
        except OSError:
            return None  # reported when the file is checked
        if before.st_mtime_ns < read_at - 1_000_000_000:
            self.files[name] = [*stat, key]
            self.changed = True
        return key

    def get(self, path: Path) -> _FileOutcome | None:
        """The stored outcome for the current bytes of ``path``, or None."""
        key = self._key(path)
        entry = self.entries.get(key) if key is not None else None
        if key is None or entry is None:
            return None
        try:
            stored = entry["violations"]
            cassette = display_path(path) if stored else ""
            return _FileOutcome(
                key=key,
                counts={str(k): int(v) for k, v in entry["counts"].items()},
                violations=[Violation(cassette=cassette, **v) for v in stored],
                interactions=int(entry["interactions"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            del self.entries[key]  # a damaged entry: check the file again
            return None

    def put(self, outcome: _FileOutcome) -> None:
        """Remember ``outcome``; one with an input error or warning is never stored."""
        if not outcome.cacheable or outcome.errors or outcome.warnings or not outcome.key:
            return
        violations = []
        for violation in outcome.violations:
            stored = violation.to_dict()
            del stored["cassette"]  # the same bytes may live at several paths
            violations.append(stored)
        self.entries[outcome.key] = {
            "counts": outcome.counts,
            "violations": violations,
            "interactions": outcome.interactions,
        }
        self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        document = {
            "format": _CACHE_FORMAT,
            "environment": self.environment,
            "entries": self.entries,
            "files": self.files,
        }
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            ignore = self.file.parent / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Created by cassette-contracts: a cache, safe to delete.\n*\n")
            handle, temporary = tempfile.mkstemp(dir=self.file.parent, suffix=".tmp")
        except OSError:
            return  # a cache that cannot be written only costs time next run
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(document, stream, separators=(",", ":"))
            os.replace(temporary, self.file)
        except OSError:
            Path(temporary).unlink(missing_ok=True)
