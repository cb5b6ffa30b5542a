"""``--contract-cassettes DIR`` moves pytest-recording's default cassette folders with it.

``rerecord`` and ``drift`` record into a staging folder by passing ``--contract-cassettes``; a
project that keeps pytest-recording's defaults (``tests/cassettes/<module>/``, no fixture of its
own) must then record and replay there, not over its committed cassettes.

The payloads are synthetic test inputs (see conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import CASSETTE, CONTRACTS, USER_SCHEMA

TESTS = """
import pytest
import requests


@pytest.mark.vcr
def test_fetch_user():
    assert requests.get("https://api.github.com/users/octo").json()["login"] == "{login}"
"""

PYPROJECT = """\
[tool.cassette_contracts]
cassettes = "tests/cassettes"

[tool.pytest.ini_options]
addopts = ["--record-mode=none", "--block-network", "-p", "no:cacheprovider"]
"""


def _project(root: Path, login: str) -> None:
    """pytest-recording's default layout, one committed cassette answering ``login``."""
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "schemas").mkdir()
    (root / "schemas" / "user.schema.json").write_text(json.dumps(USER_SCHEMA))
    (root / "schemas" / "contracts.toml").write_text(CONTRACTS)
    (root / "tests" / "cassettes" / "test_client").mkdir(parents=True)
    (root / "tests" / "test_client.py").write_text(TESTS.format(login=login))
    committed = {"login": "committed", "public_repos": 1}
    (root / "tests" / "cassettes" / "test_client" / "test_fetch_user.yaml").write_text(
        CASSETTE.format(body=json.dumps(committed))
    )


def test_default_cassette_folder_follows_contract_cassettes(pytester: pytest.Pytester) -> None:
    """A test with pytest-recording's default folder replays from the --contract-cassettes one."""
    _project(pytester.path, login="staged")
    staged = pytester.path / "staging" / "test_client"
    staged.mkdir(parents=True)
    payload = {"login": "staged", "public_repos": 2}
    (staged / "test_fetch_user.yaml").write_text(CASSETTE.format(body=json.dumps(payload)))
    result = pytester.runpytest("--contract-cassettes", "staging")
    result.assert_outcomes(passed=1)


def test_without_the_option_the_committed_folder_is_used(pytester: pytest.Pytester) -> None:
    """Without --contract-cassettes the cassettes beside the tests are replayed, as before."""
    _project(pytester.path, login="committed")
    pytester.runpytest().assert_outcomes(passed=1)


def test_a_fixture_of_the_project_is_left_alone(pytester: pytest.Pytester) -> None:
    """A vcr_cassette_dir outside the configured cassettes folder is not moved."""
    _project(pytester.path, login="elsewhere")
    own = pytester.path / "own"
    own.mkdir()
    payload = {"login": "elsewhere", "public_repos": 3}
    (own / "test_fetch_user.yaml").write_text(CASSETTE.format(body=json.dumps(payload)))
    (pytester.path / "tests" / "conftest.py").write_text(
        "import pytest\n\n\n"
        '@pytest.fixture(scope="module")\n'
        "def vcr_cassette_dir():\n"
        f"    return {str(own)!r}\n"
    )
    pytester.runpytest("--contract-cassettes", "staging").assert_outcomes(passed=1)
