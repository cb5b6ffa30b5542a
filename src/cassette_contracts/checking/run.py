"""The ``check`` run: every interaction of many cassettes against its contract, in a fork
pool for large inputs (big cassettes sliced across workers), answered from the result cache
(``checking.cache``) when nothing changed, summed into a :class:`CheckResult`.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

from ..cassettes.interaction import Interaction
from ..cassettes.load import (
    Slice,
    SliceError,
    parse_cassette,
    slice_items,
    split_interactions,
    stream_cassette,
)
from ..contracts.mapping import ContractMap

# jsonschema only through contracts.formats, which imports it without the slow iri checker.
from ..contracts.registry import SchemaRegistry
from ..contracts.validate import contract_errors, validate_interaction
from ..errors import (
    CassetteError,
    InputError,
    NoContractError,
    Violation,
)
from .cache import FileOutcome, ResultCache, environment_key, read_settled, remember_run
from .result import CheckResult, EndpointRow

__all__ = ["CheckResult", "EndpointRow", "check"]


@dataclass(frozen=True)
class _Checker:
    """Everything needed to check one cassette file; inherited by forked workers."""

    contract_map: ContractMap
    registry: SchemaRegistry
    unusable: Mapping[str, InputError]
    strict: bool
    hashing: bool

    def __call__(self, path: Path) -> FileOutcome:
        try:
            data, stat = read_settled(path)
        except OSError as exc:
            error = CassetteError(f"cannot read cassette: {exc.strerror}", file=path)
            return FileOutcome(errors=[error], cacheable=False)
        outcome = self.check_bytes(path, data)
        if self.hashing:
            outcome.key = hashlib.sha256(data).hexdigest()
            outcome.stat = stat
        return outcome

    def check_bytes(self, path: Path, data: bytes) -> FileOutcome:
        outcome = FileOutcome()
        try:  # each interaction checked as it is read, then dropped
            for interaction in stream_cassette(data, path):
                self.check_one(interaction, outcome)
        except CassetteError as exc:  # an input error, never a result to cache
            return FileOutcome(errors=[exc], cacheable=False)
        outcome.cacheable = outcome.cacheable and not outcome.errors and not outcome.warnings
        return outcome

    def check_slice(self, path: Path, piece: Slice, chunk: bytes) -> FileOutcome | None:
        """What checking the interactions of one slice of a file found; None when the slice
        does not read on its own (the whole file is then checked instead)."""
        outcome = FileOutcome()
        try:
            for interaction in slice_items(chunk, path, piece):
                self.check_one(interaction, outcome)
        except SliceError:
            return None
        return outcome

    def check_one(self, interaction: Interaction, outcome: FileOutcome) -> None:
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
    paths = [p if isinstance(p, Path) else Path(p) for p in cassette_paths]
    result_cache = None
    hits: dict[int, FileOutcome] = {}
    if cache_dir is not None:
        result_cache = ResultCache(Path(cache_dir), environment_key(contract_map, registry))
        with _no_cycle_collection():  # lookups make no cycles; collections would walk the heap
            for position, path in enumerate(paths):
                hit = result_cache.get(path)
                if hit is not None:
                    hits[position] = hit
    todo = [position for position in range(len(paths)) if position not in hits]
    checker = _Checker(contract_map, registry, unusable, strict, hashing=result_cache is not None)
    fresh = dict(zip(todo, _map(checker, [paths[i] for i in todo], jobs), strict=True))
    if result_cache is not None:
        for position, outcome in fresh.items():
            result_cache.put(paths[position], outcome)
        result_cache.save()
    outcomes = [hits.get(position) or fresh[position] for position in range(len(paths))]
    counts: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    violations: list[Violation] = []
    warnings: list[InputError] = []
    interactions = 0
    for outcome in outcomes:
        interactions += outcome.interactions
        counts.update(outcome.counts)
        failed.update(outcome.failed)
        violations += outcome.violations
        errors += outcome.errors
        warnings += outcome.warnings
    result = CheckResult(
        rows=_rows(contract_map, counts, failed, violations, unusable),
        violations=violations,
        errors=errors,
        warnings=warnings,
        files=len(paths),
        interactions=interactions,
        cached_files=len(hits),
    )
    if result_cache is not None:  # the answer of the next run when nothing changed
        remember_run(
            result_cache.file.parent, paths, outcomes, result, result_cache, contract_map, registry
        )
    return result


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


def _work(task: _Task) -> FileOutcome | None:
    assert _WORKER is not None
    if isinstance(task, Path):
        return _WORKER(task)
    return _WORKER.check_slice(*task)


def _map(checker: _Checker, paths: list[Path], jobs: int | None) -> list[FileOutcome]:
    """``checker`` over ``paths`` in order, in forked worker processes when worth it; a big
    YAML cassette is split into slices of interactions checked by several workers."""
    global _WORKER
    if jobs is None:
        jobs = _cpus()
        if jobs > 1 and sum(_size(p) for p in paths) < _PARALLEL_MIN_BYTES:
            jobs = 1
    # fork shares the loaded schemas and compiled checks for free; it is only safe while
    # this process runs a single thread, so anything else checks in-process.
    if jobs <= 1 or threading.active_count() > 1:
        return [checker(path) for path in paths]
    import multiprocessing as mp  # a few milliseconds of every start, only where it forks

    if "fork" not in mp.get_all_start_methods():
        return [checker(path) for path in paths]
    for contract in checker.contract_map.contracts:  # built once here, inherited by the workers
        for name in contract.schemas():
            if checker.registry.error(name) is None:
                checker.registry.quick_check(name)
    tasks: list[_Task] = []
    plans: list[tuple[Path, list[int], FileOutcome | None]] = []  # sliced: key and stat
    for path in paths:
        sliced = _slices(path, jobs, checker.hashing) if _size(path) >= _SLICE_MIN_BYTES else None
        if sliced is None:
            plans.append((path, [len(tasks)], None))
            tasks.append(path)
        else:
            whole, pieces = sliced
            plans.append((path, list(range(len(tasks), len(tasks) + len(pieces))), whole))
            tasks += [(path, piece, chunk) for piece, chunk in pieces]
    _WORKER = checker
    try:
        with mp.get_context("fork").Pool(min(jobs, len(tasks))) as pool:
            done = pool.map(_work, tasks, chunksize=max(1, len(tasks) // (jobs * 8)))
    finally:
        _WORKER = None
    del tasks  # the slices' bytes
    outcomes = []
    for path, positions, sliced_read in plans:
        parts = [done[position] for position in positions]
        if sliced_read is None:
            assert parts[0] is not None
            outcomes.append(parts[0])
        else:
            outcomes.append(_sliced_outcome(checker, path, sliced_read, parts))
    return outcomes


def _sliced_outcome(
    checker: _Checker, path: Path, read: FileOutcome, parts: list[FileOutcome | None]
) -> FileOutcome:
    """The outcome of a file from those of its slices, in order, with the key and stat of
    ``read``; when a slice did not read on its own (None), from checking the file whole."""
    if any(part is None for part in parts):
        return checker(path)
    return _joined(parts, read)


def _slices(
    path: Path, jobs: int, hashing: bool
) -> tuple[FileOutcome, list[tuple[Slice, bytes]]] | None:
    """An outcome holding only the cache key and stat of ``path`` (none when not hashing),
    and its interactions in ``jobs`` slices, with their bytes; None to check it whole (not a
    YAML cassette laid out as vcrpy writes it, or not sound outside its interactions)."""
    if path.suffix.lower() not in (".yaml", ".yml"):
        return None
    try:
        data, stat = read_settled(path)
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
    read = (
        FileOutcome(key=hashlib.sha256(data).hexdigest(), stat=stat) if hashing else FileOutcome()
    )
    return read, [(piece, data[piece.start : piece.end]) for piece in pieces]


def _joined(parts: list[FileOutcome | None], read: FileOutcome) -> FileOutcome:
    """The outcome of a file from those of its slices, in order."""
    outcome = FileOutcome(key=read.key, stat=read.stat)
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
