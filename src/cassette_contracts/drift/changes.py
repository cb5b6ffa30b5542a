"""Drift as data: each :class:`Change` (kind, JSON path, before/after, breaking or
informational, why) and the :class:`DriftReport` of a run, per endpoint. Rendered by
``rendering.drift``; produced by ``drift.diff``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["BREAKING", "INFORMATIONAL", "Change", "ChangeKind", "DriftReport"]

BREAKING = "breaking"
INFORMATIONAL = "informational"


class ChangeKind(StrEnum):
    """What changed between the baseline and the fresh recording."""

    FIELD_ADDED = "field added"
    FIELD_REMOVED = "field removed"
    FIELD_BECAME_OPTIONAL = "field became optional"
    TYPE_CHANGED = "type changed"
    BECAME_NULLABLE = "became nullable"
    BECAME_NON_NULLABLE = "became non-nullable"
    STATUS_CHANGED = "status code changed"
    NEW = "new"
    NOT_RERECORDED = "not re-recorded"
    CONTENT_TYPE_CHANGED = "content type changed"
    DEPRECATION_HEADER = "deprecation header"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Change:  # field list alike in shape to init/plan.py's dataclasses, different data
    """One difference, its severity (``breaking``/``informational``) and why."""

    contract: str
    kind: ChangeKind
    path: str
    severity: str
    reason: str
    before: str
    after: str
    pinned: bool = False

    @property
    def breaking(self) -> bool:
        return self.severity == BREAKING

    def to_dict(self) -> dict[str, Any]:
        return {
            "contract": self.contract,
            "kind": self.kind.value,
            "path": self.path,
            "severity": self.severity,
            "pinned": self.pinned,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
        }

    def one_line(self) -> str:
        return f"{self.path}: {self.kind} ({self.before} -> {self.after})"


# --------------------------------------------------------------------------------------------
# Report and renderers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DriftReport:
    """The changes of every compared endpoint (contract name -> changes, in order)."""

    endpoints: Mapping[str, Sequence[Change]]

    @classmethod
    def from_changes(cls, changes: Iterable[Change], contracts: Iterable[str] = ()) -> DriftReport:
        """Group ``changes`` by contract; ``contracts`` lists endpoints compared without drift."""
        endpoints: dict[str, list[Change]] = {name: [] for name in contracts}
        for change in changes:
            endpoints.setdefault(change.contract, []).append(change)
        return cls({name: tuple(found) for name, found in endpoints.items()})

    @property
    def changes(self) -> list[Change]:
        return [c for found in self.endpoints.values() for c in found]

    @property
    def breaking_changes(self) -> list[Change]:
        return [c for c in self.changes if c.breaking]

    @property
    def informational_changes(self) -> list[Change]:
        return [c for c in self.changes if not c.breaking]

    @property
    def breaking(self) -> bool:
        """Whether any change breaks a contract (the CLI exits 1)."""
        return any(c.breaking for c in self.changes)

    def summary(self) -> str:
        return (
            f"{len(self.breaking_changes)} breaking, "
            f"{len(self.informational_changes)} informational change(s) "
            f"in {len(self.endpoints)} endpoint(s)"
        )
