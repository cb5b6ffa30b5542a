"""``init --from-coverage``: a project with cassettes and tests but no contracts runs pytest,
then ``init --from-coverage``, and gets schemas that pin exactly the fields its code read.

The cassettes hold real GitHub user recordings (``tests/data/realdata/github/users_get``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# Imported here, in the outer process, so pytester's in-process runs reuse them: a run drops the
# modules it imported, and a second run's fresh requests fails on the first run's cookie jars.
import requests  # noqa: F401
import vcr.serializers.yamlserializer  # noqa: F401

from cassette_contracts.contracts.mapping import ContractMap

from ..plugin.conftest import PYPROJECT, TEST_HEADER

TESTS = (
    TEST_HEADER
    + """\
@pytest.mark.vcr("users.yaml")
def test_profiles():
    for name in {names!r}:
        user = requests.get("https://api.github.com/users/" + name).json()
        assert user["login"]
        assert user["public_repos"] >= 0
        user.get("bio")
        user.get("pronouns")  # in no recording: reported, never invented
"""
)


@pytest.fixture
def project(
    pytester: pytest.Pytester, github_samples: Any, write_cassette: Callable[..., Path]
) -> Path:
    """Three real user recordings, a test that reads four fields of them, no contracts."""
    samples = github_samples("users_get")[:3]
    assert not any("pronouns" in s.body for s in samples)
    root = pytester.path
    (root / "pyproject.toml").write_text(PYPROJECT)
    write_cassette(
        root / "cassettes" / "users.yaml",
        [("GET", s.meta["url"], 200, s.body) for s in samples],
    )
    names = [s.meta["url"].rsplit("/", 1)[1] for s in samples]
    (root / "test_profiles.py").write_text(TESTS.format(names=names))
    return root


def test_pytest_then_init_from_coverage_pins_exactly_the_reads(
    project: Path, pytester: pytest.Pytester, cli: Any
) -> None:
    """The replay run without contracts records the reads; init pins those and only those."""
    pytester.runpytest().assert_outcomes(passed=1)
    run = cli("init", "--from-coverage")
    assert run.code == 0, run.out + run.err
    (contract,) = ContractMap.load(project / "schemas" / "contracts.toml").contracts
    assert contract.url == "https://api.github.com/users/{user}"
    schema = json.loads((project / "schemas" / str(contract.schema)).read_text())
    assert sorted(schema["properties"]) == ["bio", "login", "public_repos"]
    assert "read but in no sample (not pinned): $.pronouns" in run.out


def test_the_bootstrapped_contracts_hold_and_cover_every_read(
    project: Path, pytester: pytest.Pytester, cli: Any
) -> None:
    """The next run holds the replays to them; coverage finds every read pinned except the one
    no recording holds, which it names (the team decides: pin it by hand or stop reading it)."""
    pytester.runpytest().assert_outcomes(passed=1)
    assert cli("init", "--from-coverage").code == 0
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "cassette-contracts: 3 replayed interaction(s) held to their contracts",
            "FAIL github.user: 4 field(s) read, 3 pinned",
            "*read but not pinned: $.pronouns (optional read at test_profiles.py:*",
        ]
    )
    coverage = cli("coverage", "--format", "json")
    (item,) = json.loads(coverage.out)["contracts"]
    assert [read["path"] for read in item["read"]] == [
        "$.bio",
        "$.login",
        "$.pronouns",
        "$.public_repos",
    ]
    assert item["pinned"] == ["$.bio", "$.login", "$.public_repos"]
    assert [read["path"] for read in item["unpinned_reads"]] == ["$.pronouns"]


def test_from_coverage_without_a_run_is_a_usage_error(project: Path, cli: Any) -> None:
    """No reads recorded yet: one line saying to run the tests first, exit 2, nothing written."""
    run = cli("init", "--from-coverage")
    assert run.code == 2
    assert "--from-coverage: no reads recorded in .cassette-contracts/coverage/requests" in run.err
    assert not (project / "schemas").exists()
