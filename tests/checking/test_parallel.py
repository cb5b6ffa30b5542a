"""Checking in worker processes gives the same result as in-process."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from cassette_contracts import ContractMap, SchemaRegistry, check, iter_cassette_paths
from cassette_contracts.checking import cache, run
from cassette_contracts.contracts.validate import contract_errors

from ..conftest import CORPUS


def test_workers_give_the_same_result(project: Path) -> None:
    """jobs=2 and jobs=1 find the same rows, violations and errors, in the same order."""
    shutil.copytree(CORPUS / "bad_cassettes", project / "cassettes" / "bad")
    paths = iter_cassette_paths([project / "cassettes"])
    contracts = ContractMap.load(project / "schemas" / "contracts.toml")
    registry = SchemaRegistry.load(project / "schemas")
    serial = check(paths, contracts, registry, jobs=1)
    parallel = check(paths, contracts, registry, jobs=2)
    assert parallel.rows == serial.rows
    assert parallel.violations == serial.violations
    assert [str(e) for e in parallel.errors] == [str(e) for e in serial.errors]
    assert [type(e) for e in parallel.errors] == [type(e) for e in serial.errors]
    assert serial.exit_code == parallel.exit_code == 2


def _big(project: Path, edit: str) -> Path:
    """The corpus user cassette's interactions 40 times over, the 37th copy edited."""
    text = (project / "cassettes" / "github" / "user.yaml").read_text(encoding="utf-8")
    head, _, rest = text.partition("interactions:\n")
    items, _, tail = rest.partition("\nmetadata:")
    copies = [items.rstrip("\n") + "\n"] * 40
    copies[36] = {
        "sound": copies[36],
        "violation": copies[36].replace('"id":327146', '"id":"327146"', 1),
        "repeated key": copies[36].replace(
            "    method: GET\n", "    method: GET\n    method: GET\n", 1
        ),
        "quoted line starting '- '": copies[36].replace(
            "    method: GET\n", '    method: GET\n    note: "a\n- b"\n', 1
        ),
    }[edit]
    big = project / "cassettes" / "github" / "big.yaml"
    big.write_text(head + "interactions:\n" + "".join(copies) + "metadata:" + tail)
    return big


@pytest.mark.parametrize(
    "edit", ["sound", "violation", "repeated key", "quoted line starting '- '"]
)
def test_a_big_cassette_checked_in_slices_gives_the_same_outcome(project: Path, edit: str) -> None:
    """Slices of one file checked apart and joined: the same counts, violations, lines and
    errors as the file checked whole (which a slice that does not read on its own falls to)."""
    big = _big(project, edit)
    contracts = ContractMap.load(project / "schemas" / "contracts.toml")
    registry = SchemaRegistry.load(project / "schemas")
    _, unusable = contract_errors(contracts, registry)
    checker = run._Checker(contracts, registry, unusable, strict=True, hashing=True)
    sliced = run._slices(big, 3, hashing=True)
    assert sliced is not None
    read, pieces = sliced
    parts = [checker.check_slice(big, piece, chunk) for piece, chunk in pieces]
    whole = checker(big)
    joined = run._sliced_outcome(checker, big, read, parts)
    assert (joined.key, joined.interactions, joined.counts) == (
        whole.key,
        whole.interactions,
        whole.counts,
    )
    assert joined.violations == whole.violations
    assert [str(e) for e in joined.errors] == [str(e) for e in whole.errors]
    assert (None in parts) == (edit in ("repeated key", "quoted line starting '- '"))


def test_a_cassette_checked_in_slices_is_answered_warm_next_time(
    settled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cassette split between workers is remembered by its stat like any other, so the
    next run over the unchanged files is answered without checking anything."""
    big = _big(settled, "sound")
    monkeypatch.setattr(run, "_PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(run, "_SLICE_MIN_BYTES", big.stat().st_size)
    # check() forks only in a process running one thread; under xdist a module-scoped local
    # upstream of another test file may still be serving in this worker (idle: nothing of it
    # runs in the children, which only check).
    monkeypatch.setattr(run.threading, "active_count", lambda: 1)
    joined: list[run.FileOutcome] = []
    original = run._joined

    def spy(*args: Any) -> run.FileOutcome:
        joined.append(original(*args))
        return joined[-1]

    monkeypatch.setattr(run, "_joined", spy)
    paths = iter_cassette_paths([settled / "cassettes"])
    contracts = ContractMap.load(settled / "schemas" / "contracts.toml")
    registry = SchemaRegistry.load(settled / "schemas")
    checked = check(paths, contracts, registry, cache_dir=settled / ".cache", jobs=2)
    warm = cache.cached_run(
        [str(p) for p in paths], contracts.path, settled / "schemas", settled / ".cache"
    )
    assert len(joined) == 1  # the big cassette, from its slices
    assert warm is not None
    assert (warm.interactions, warm.rows) == (checked.interactions, checked.rows)
