"""Checking in worker processes gives the same result as in-process."""

from __future__ import annotations

import shutil
from pathlib import Path

from cassette_contracts import ContractMap, SchemaRegistry, check, iter_cassette_paths

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
