"""``cassette-contracts audit``: how the committed cassettes are kept, from the last replay run.

For each cassette file under the cassettes folder it reports

- *unused interactions*: recorded, but no test of the last replay run played them (file and
  line of each), leftovers of requests the code no longer makes;
- *orphan cassettes*: files no test of the last run loaded;
- *age*: when the cassette was recorded (``metadata.provenance.recorded_at``, else the oldest
  response ``Date`` header) against ``max_age`` in ``[tool.cassette_contracts]``. With
  ``max_age_policy = "fail"`` a cassette older than that fails the audit (exit 1); with
  ``"warn"`` (the default) it is reported only. A cassette loaded by a test marked
  ``frozen_cassette`` (an event that cannot be re-recorded on demand) is shown with its age
  but never counts as too old. The audit never re-records anything.

Unused interactions and orphans are reported, never failures: deleting a recording is a
decision for a person (a test may be deselected on purpose).

The play counts come from ``lifecycle.plays`` (saved by the pytest plugin). Without a replay run the
audit is a usage error (exit 2) that says to run pytest first.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

from ..cassettes.discover import iter_cassette_paths
from ..cassettes.interaction import Cassette, header
from ..cassettes.load import load_cassette
from ..errors import InputError, UsageError
from ..settings import Settings
from .plays import PlayRecorder, plays_dir

__all__ = ["AuditReport", "CassetteAudit", "UnusedInteraction", "audit", "load_plays"]

FROM_PROVENANCE = "metadata.provenance.recorded_at"
FROM_DATE_HEADER = "response Date header"


@dataclass(frozen=True)
class UnusedInteraction:
    """A recorded interaction no test played."""

    index: int
    line: int | None
    method: str
    uri: str


@dataclass(frozen=True)
class CassetteAudit:
    """One cassette file: what the last run played of it, and how old it is.

    ``plays_known`` is False when the run loaded the file but its plays cannot be told apart
    (see ``lifecycle.plays``), or the file changed since the run: then nothing is reported as
    unused.
    """

    path: str
    interactions: int
    loaded: bool
    plays_known: bool
    unused: tuple[UnusedInteraction, ...]
    recorded_at: datetime | None
    recorded_from: str | None
    age: timedelta | None
    too_old: bool
    note: str | None = None
    frozen: bool = False

    @property
    def orphan(self) -> bool:
        return not self.loaded


@dataclass(frozen=True)
class AuditReport:
    cassettes: tuple[CassetteAudit, ...]
    errors: tuple[InputError, ...]
    max_age: timedelta | None
    policy: str
    now: datetime

    @property
    def unused(self) -> list[tuple[CassetteAudit, UnusedInteraction]]:
        return [(c, u) for c in self.cassettes for u in c.unused]

    @property
    def orphans(self) -> list[CassetteAudit]:
        return [c for c in self.cassettes if c.orphan]

    @property
    def too_old(self) -> list[CassetteAudit]:
        return [c for c in self.cassettes if c.too_old]

    @property
    def undated(self) -> list[CassetteAudit]:
        return [c for c in self.cassettes if c.recorded_at is None]

    @property
    def exit_code(self) -> int:
        """2 when a cassette cannot be read, 1 when the age policy fails, else 0."""
        if self.errors:
            return 2
        return 1 if self.policy == "fail" and self.too_old else 0

    def headline(self) -> str:
        interactions = sum(c.interactions for c in self.cassettes)
        parts = [
            f"{len(self.unused)} unused interaction(s)",
            f"{len(self.orphans)} orphan cassette(s)",
        ]
        if self.max_age is not None:
            parts.append(
                f"{len(self.too_old)} older than max_age {_duration(self.max_age)} "
                f"(policy {self.policy})"
            )
        else:
            parts.append("no max_age set")
        if self.errors:
            parts.append(f"{len(self.errors)} input error(s)")
        verdict = {0: "ok", 1: "age policy FAILED", 2: "input errors"}[self.exit_code]
        return (
            f"{len(self.cassettes)} cassette(s), {interactions} interaction(s): "
            f"{', '.join(parts)} - {verdict}"
        )

    def render(self, fmt: str = "text") -> str:
        """The report in ``fmt`` (see ``rendering.FORMATS``)."""
        from ..rendering import render

        return render(self, fmt)


# --------------------------------------------------------------------------------------------
# Building the report


def load_plays(settings: Settings) -> PlayRecorder:
    """The play counts of the last replay run of ``settings.cassettes``; UsageError if none."""
    plays = PlayRecorder.load_all(plays_dir(settings))
    if plays is None:
        raise UsageError(
            f"no replay run recorded in {plays_dir(settings)}: run pytest first, then audit"
        )
    wanted = str(settings.cassettes.resolve())
    if plays.cassettes and wanted not in plays.cassettes:
        raise UsageError(
            f"the last replay run replayed {', '.join(sorted(plays.cassettes))}, not {wanted}: "
            "run pytest on this cassettes folder first"
        )
    return plays


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def recorded_at(cassette: Cassette) -> tuple[datetime | None, str | None]:
    """When ``cassette`` was recorded, and where that came from (None, None when unknown)."""
    provenance = cassette.metadata.get("provenance")
    stamp = provenance.get("recorded_at") if isinstance(provenance, dict) else None
    if isinstance(stamp, datetime):
        return _as_utc(stamp), FROM_PROVENANCE
    if isinstance(stamp, str):
        try:
            return _as_utc(datetime.fromisoformat(stamp.replace("Z", "+00:00"))), FROM_PROVENANCE
        except ValueError:
            pass
    dates = []
    for interaction in cassette.interactions:
        for value in header(interaction.response_headers, "Date") or []:
            try:
                dates.append(_as_utc(parsedate_to_datetime(value)))
            except (TypeError, ValueError):
                continue
    return (min(dates), FROM_DATE_HEADER) if dates else (None, None)


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def audit(
    settings: Settings,
    plays: PlayRecorder,
    *,
    now: datetime | None = None,
    paths: Sequence[Path] | None = None,
) -> AuditReport:
    """Audit the cassette files ``paths`` (default: the cassettes folder) against ``plays``."""
    now = _as_utc(now) if now is not None else datetime.now(timezone.utc)
    files = list(paths) if paths is not None else iter_cassette_paths([settings.cassettes])
    audits, errors = [], []
    for path in files:
        try:
            cassette = load_cassette(path)
        except InputError as exc:
            errors.append(exc)
            continue
        audits.append(_audit_one(cassette, plays, settings, now))
    return AuditReport(
        cassettes=tuple(audits),
        errors=tuple(errors),
        max_age=settings.max_age,
        policy=settings.max_age_policy,
        now=now,
    )


def _audit_one(
    cassette: Cassette, plays: PlayRecorder, settings: Settings, now: datetime
) -> CassetteAudit:
    seen = plays.files.get(os.path.abspath(cassette.path))
    count = len(cassette.interactions)
    note = None
    known = seen is not None and seen.interactions is not None
    if seen is not None and seen.interactions is None:
        note = "plays unknown: loaded with extra cassettes whose interactions could not be split"
    elif seen is not None and seen.interactions != count:
        known = False
        note = (
            f"changed since the last run ({seen.interactions} interaction(s) then, {count} now): "
            "run pytest again"
        )
    unused: tuple[UnusedInteraction, ...] = ()
    if known and seen is not None:
        unused = tuple(
            UnusedInteraction(i.index, i.line, i.method, i.uri)
            for i in cassette.interactions
            if i.index not in seen.played
        )
    when, source = recorded_at(cassette)
    age = now - when if when is not None else None
    frozen = seen is not None and seen.frozen
    return CassetteAudit(
        path=_shown(cassette.path, settings.root),
        interactions=count,
        loaded=seen is not None,
        plays_known=known,
        unused=unused,
        recorded_at=when,
        recorded_from=source,
        age=age,
        too_old=(
            not frozen
            and age is not None
            and settings.max_age is not None
            and age > settings.max_age
        ),
        note=note,
        frozen=frozen,
    )


# --------------------------------------------------------------------------------------------
# Rendering


def _duration(value: timedelta) -> str:
    if value.seconds == 0 and value.microseconds == 0:
        return f"{value.days}d"
    return f"{value.total_seconds() / 3600:g}h"
