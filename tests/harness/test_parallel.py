"""Checking in worker processes gives the same result as in-process."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cassette_contracts import ContractMap, SchemaRegistry, _check, check, iter_cassette_paths
from cassette_contracts._cassette import split_interactions

from .conftest import CORPUS


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
def test_a_big_cassette_split_between_workers_gives_the_same_result(
    project: Path, monkeypatch: pytest.MonkeyPatch, edit: str
) -> None:
    """Slices of one file checked by two workers: the same rows, violations, lines and errors."""
    big = _big(project, edit)
    contracts = ContractMap.load(project / "schemas" / "contracts.toml")
    registry = SchemaRegistry.load(project / "schemas")
    serial = check([big], contracts, registry, jobs=1)
    monkeypatch.setattr(_check, "_SLICE_MIN_BYTES", 0)
    split = []
    monkeypatch.setattr(
        _check, "split_interactions", lambda *a: split.append(1) or split_interactions(*a)
    )
    parallel = check([big], contracts, registry, jobs=2)
    assert split
    assert parallel.interactions == serial.interactions
    assert parallel.rows == serial.rows
    assert parallel.violations == serial.violations
    assert [str(e) for e in parallel.errors] == [str(e) for e in serial.errors]
