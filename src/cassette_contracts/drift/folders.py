"""Drift across folders: pair a baseline and a fresh set of cassettes by endpoint and diff each
pair (``compare_folders``), and the ``drift`` command that records the fresh set first.
"""

from __future__ import annotations

import fnmatch
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import NoContractError, RecordingFailed, UsageError
from ..recording.promote import (
    STAGING,
    cassettes_lock,
    lock_file,
    recover,
)
from ..recording.provenance import new_staging_dir

if TYPE_CHECKING:
    from ..cassettes.interaction import Interaction
    from ..contracts.mapping import ContractMap
    from ..contracts.registry import SchemaRegistry
    from ..settings import Settings
    from .changes import Change, DriftReport
from ..recording.pytest_run import os_error_text, record, test_paths

__all__ = ["DriftOutcome", "compare_folders", "drift"]


@dataclass
class DriftOutcome:
    """The drift report, and where the fresh recording is (None when compared offline)."""

    report: DriftReport
    fmt: str
    staging: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.report.breaking else 0

    def render(self) -> str:
        from ..rendering import render

        return render(self.report, self.fmt)


# --------------------------------------------------------------------------------------------
# Drift between two sets of cassettes
# --------------------------------------------------------------------------------------------


def _load_interactions(paths: Iterable[Path]) -> list[Interaction]:
    from ..cassettes.load import load_cassette

    found: list[Interaction] = []
    for path in paths:
        found += load_cassette(path).interactions
    return found


def _pins(registry: SchemaRegistry, schema: str | None) -> dict[str, Any]:
    from ..contracts.pins import schema_pins

    if schema is None or registry.error(schema) is not None:
        return {}
    return dict(schema_pins(registry, schema))


def compare(
    baseline: Sequence[Interaction],
    fresh: Sequence[Interaction],
    contract_map: ContractMap,
    registry: SchemaRegistry,
    *,
    strict: bool = True,
) -> tuple[DriftReport, list[str]]:
    """Drift from ``baseline`` to ``fresh``: interactions grouped per endpoint (method + URL
    template) and paired by contract. Status codes are compared per request
    (:func:`~.diff.diff_statuses`): only a request both sides recorded can change status; a
    status or endpoint one side alone recorded is informational (``new`` / ``not
    re-recorded``). Bodies are compared per contract both sides recorded. An interaction no
    contract covers raises NoContractError when ``strict``; otherwise it is left out and a
    note counts it (as ``check`` warns about it)."""
    from .changes import DriftReport
    from .diff import diff_endpoint, diff_statuses

    uncovered: list[int] = []

    def group(interactions: Sequence[Interaction]) -> dict[str, dict[str, list[Interaction]]]:
        uncovered.append(0)
        out: dict[str, dict[str, list[Interaction]]] = {}
        for interaction in interactions:
            try:
                contract = contract_map.match(interaction)
            except NoContractError:
                if strict:
                    raise
                uncovered[-1] += 1
                continue
            out.setdefault(contract.request, {}).setdefault(contract.name, []).append(interaction)
        return out

    by_name = {c.name: c for c in contract_map.contracts}
    base_groups, fresh_groups = group(baseline), group(fresh)
    changes: list[Change] = []
    compared: list[str] = []
    notes: list[str] = []
    if any(uncovered):
        notes.append(
            "interaction(s) under no contract left out of the comparison (strict = false): "
            f"{uncovered[0]} baseline, {uncovered[1]} fresh"
        )
    for endpoint in sorted(base_groups.keys() | fresh_groups.keys()):
        base, new = base_groups.get(endpoint, {}), fresh_groups.get(endpoint, {})
        statuses = diff_statuses(base, new)
        compared += sorted(base.keys() & new.keys()) + [c.contract for c in statuses]
        for name in sorted(base.keys() & new.keys()):
            changes += diff_endpoint(
                name,
                _pins(registry, by_name[name].json_body_schema),
                base[name],
                new[name],
                statuses=False,
            )
        changes += statuses
    return DriftReport.from_changes(changes, dict.fromkeys(compared)), notes


def _select(folder: Path, only: str | None) -> dict[Path, Path]:
    """Relative path -> file of the cassettes under ``folder`` matching ``only``."""
    from ..cassettes.discover import iter_cassette_paths

    found = {}
    for path in iter_cassette_paths([folder]):
        rel = path.relative_to(folder)
        text = rel.as_posix()
        if only and not (only in text or fnmatch.fnmatch(text, only)):
            continue
        found[rel] = path
    return found


def compare_folders(
    settings: Settings,
    baseline: Path,
    fresh: Path,
    *,
    only: str | None = None,
    relative: Iterable[Path] | None = None,
) -> tuple[DriftReport, list[str]]:
    """Drift between two cassette folders (every cassette of each, or only ``relative``)."""
    from ..contracts.mapping import ContractMap
    from ..contracts.registry import SchemaRegistry

    for role, folder in (("baseline", baseline), ("fresh", fresh)):
        if role == "baseline" and relative is not None:
            continue  # a first recording: no committed cassettes yet, everything is new
        if not folder.is_dir():
            raise UsageError(f"--{role} {folder}: no such folder of cassettes")
    if relative is None:
        base_files = list(_select(baseline, only).values())
        fresh_files = list(_select(fresh, only).values())
    else:
        rels = list(relative)
        base_files = [baseline / r for r in rels if (baseline / r).is_file()]
        fresh_files = [fresh / r for r in rels]
    if not fresh_files:
        raise UsageError(
            f"no cassettes to compare under {fresh}" + (f" matching {only!r}" if only else "")
        )
    contract_map = ContractMap.load(settings.contracts)
    registry = SchemaRegistry.load(settings.schemas, settings.cache_dir)
    return compare(
        _load_interactions(base_files),
        _load_interactions(fresh_files),
        contract_map,
        registry,
        strict=settings.strict,
    )


def drift(
    settings: Settings,
    *,
    baseline: Path | None = None,
    fresh: Path | None = None,
    fmt: str = "text",
    only: str | None = None,
    staging_root: Path | None = None,
    pytest_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    tests: Sequence[Path] | None = None,
) -> DriftOutcome:
    """What changed upstream: ``baseline`` vs ``fresh`` folders offline, or, without them, a
    fresh recording (into ``.staging/drift-...``, never promoted) vs the committed cassettes.

    RecordingFailed (exit 3) when the fresh recording cannot be made, or another run holds
    the lock. The staging folder is removed unless the drift breaks (then a note names it).
    """
    from ..rendering import FORMATS

    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    if (baseline is None) != (fresh is None):
        raise UsageError("give both --baseline DIR and --fresh DIR, or neither (record fresh)")
    if baseline is not None and fresh is not None:
        report, notes = compare_folders(settings, baseline, fresh, only=only)
        return DriftOutcome(report, fmt, notes=notes)
    test_paths(settings, tests)
    with cassettes_lock(lock_file(settings), "drift"):
        recovered = recover(settings.cassettes)
        try:
            staging = new_staging_dir(staging_root or settings.root / STAGING, "drift")
            recording = record(
                settings,
                staging,
                only=only,
                pytest_args=pytest_args,
                env=env,
                tests=tests,
            )
        except OSError as exc:
            raise RecordingFailed(f"could not record: {os_error_text(exc)}") from None
        if recording.reason is not None:
            raise RecordingFailed(f"{recording.reason} (staging folder kept: {recording.staging})")
        report, notes = compare_folders(
            settings, settings.cassettes, recording.fresh, relative=recording.recorded
        )
    notes = ([recovered] if recovered else []) + recording.notes + notes
    if report.breaking:
        notes.append(f"the fresh recording is kept for inspection in {staging}")
    else:
        shutil.rmtree(staging, ignore_errors=True)
    return DriftOutcome(report, fmt, staging=staging if report.breaking else None, notes=notes)
