"""The coverage report (data only): :func:`coverage_report` compares the reads with the paths
each contract's schema pins (a plain ``set[str]`` per contract, as produced by ``contracts.pins``):

- *unpinned reads*: the code relies on a field no contract protects. They make the run fail.
- *unread pins*: the contract pins a field no code reads; candidates to unpin, unless the
  contract is *not tracked*: some of its replayed responses reached the code without a tracked
  payload (the code parsed the body itself, ``json.loads(r.text)``, ``r.content``), so the code
  may read those fields where nobody sees it. Unpinning them could remove real protection.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..jsonpath import ancestors
from .reads import FieldRead, ReadRecorder

__all__ = ["ContractCoverage", "CoverageReport", "coverage_report"]


# --------------------------------------------------------------------------------------------
# Report


@dataclass(frozen=True)
class ContractCoverage:
    """Reads against pins for one contract."""

    contract: str
    reads: tuple[FieldRead, ...]
    pinned: tuple[str, ...]
    unpinned_reads: tuple[FieldRead, ...]
    unread_pins: tuple[str, ...]
    #: Some replayed response of this contract reached the code untracked (parsed by the code
    #: itself): its unread pins may be read there, so they are no candidates to unpin.
    untracked: bool = False

    @property
    def ok(self) -> bool:
        """No field is read that the contract does not pin."""
        return not self.unpinned_reads

    @property
    def unpin_candidates(self) -> tuple[str, ...]:
        """Pins no code is seen reading, when every replay was tracked (else none)."""
        return () if self.untracked else self.unread_pins

    @property
    def fields_read(self) -> tuple[FieldRead, ...]:
        """The reads that are not a container on the way to another read (reading
        ``$.owner.login`` reads ``$.owner`` first: one field)."""
        passed_through = {parent for read in self.reads for parent in ancestors(read.path)}
        return tuple(read for read in self.reads if read.path not in passed_through)

    @property
    def exercised(self) -> bool:
        """Some code read this contract's payloads during the run."""
        return bool(self.reads)


@dataclass(frozen=True)
class CoverageReport:
    """Per-contract coverage of a run; ``ok`` when every field read is pinned."""

    contracts: tuple[ContractCoverage, ...]

    @property
    def ok(self) -> bool:
        return all(item.ok for item in self.contracts)

    @property
    def unpinned_reads(self) -> list[FieldRead]:
        return [read for item in self.contracts for read in item.unpinned_reads]

    def render(self, fmt: str = "text") -> str:
        """The report as ``text``, ``json``, ``markdown``, ``junit`` or ``github`` output."""
        from ..rendering import render

        return render(self, fmt)


def coverage_report(
    reads: ReadRecorder,
    pinned: Mapping[str, Iterable[str]],
    *,
    root: str | os.PathLike[str] | None = None,
) -> CoverageReport:
    """Compare the reads of a run with the paths each contract pins.

    A read is covered when its path is pinned, or when it is a container with a pinned
    descendant (pinning ``$.owner.login`` pins ``$.owner`` as an object). A pin counts as read
    when it or any of its descendants is read. Sites under ``root`` are shown relative to it.
    Paths are in the ``_jsonpath`` notation (ValueError for a pin that is not such a path).
    """
    by_contract: dict[str, list[FieldRead]] = {}
    shown = _Shown(root)
    for read in reads.reads().values():
        by_contract.setdefault(read.contract, []).append(shown.read(read))
    result = []
    for contract in sorted(set(by_contract) | set(pinned) | reads.untracked):
        contract_reads = by_contract.get(contract, [])
        pins = set(pinned.get(contract, ()))
        covered = set(pins)
        for pin in pins:
            covered.update(ancestors(pin))
        read_paths = {read.path for read in contract_reads}
        # containers read on the way to another read: pinning that read covers them
        passed_through = {parent for path in read_paths for parent in ancestors(path)}
        touched = read_paths | passed_through
        excused = covered | passed_through
        result.append(
            ContractCoverage(
                contract=contract,
                reads=tuple(contract_reads),
                pinned=tuple(sorted(pins)),
                unpinned_reads=tuple(r for r in contract_reads if r.path not in excused),
                unread_pins=tuple(sorted(pin for pin in pins if pin not in touched)),
                untracked=contract in reads.untracked,
            )
        )
    return CoverageReport(tuple(result))


class _Shown:
    """Sites under ``root`` shown relative to it; each file resolved once per report (a run
    reads through a few source files, many times)."""

    def __init__(self, root: str | os.PathLike[str] | None) -> None:
        self.base = None if root is None else Path(root).resolve()
        self.files: dict[str, str] = {}

    def file(self, filename: str, base: Path) -> str:
        if filename not in self.files:
            try:
                shown = Path(filename).resolve().relative_to(base).as_posix()
            except ValueError:
                shown = filename
            self.files[filename] = shown
        return self.files[filename]

    def read(self, read: FieldRead) -> FieldRead:
        base = self.base
        if base is None:
            return read
        sites = sorted({(self.file(filename, base), line) for filename, line in read.sites})
        return FieldRead(read.contract, read.path, tuple(sites), read.optional)
