"""Contract coverage: the fields the code reads, against the fields the contracts pin."""

from __future__ import annotations

import io
import json

import pytest

from cassette_contracts.cli import main

from .conftest import MakeProject

READS_UNPINNED = """
@pytest.mark.vcr
@pytest.mark.default_cassette("user")
def test_fetch_user():
    data = requests.get("https://api.github.com/users/octo").json()
    assert data["public_repos"] == 8
    assert data.get("email") is None
"""

READS_PINNED = """
@pytest.mark.vcr
@pytest.mark.default_cassette("user")
def test_fetch_user():
    data = requests.get("https://api.github.com/users/octo").json()
    assert data["public_repos"] == 8
"""

PAYLOAD = {"login": "octo", "public_repos": 8, "email": None}


def test_reading_an_unpinned_field_fails_the_run_naming_field_and_line(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """A field read but pinned by no contract fails the run with the file:line that read it."""
    make_project(PAYLOAD, READS_UNPINNED)
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*$.email*test_client.py:16*"])


def test_pinned_field_never_read_is_a_candidate_to_unpin(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """A pinned field no code reads is reported, and the run still passes."""
    make_project(PAYLOAD, READS_PINNED)
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*candidates to unpin*", "*$.login*"])


def test_coverage_off_does_not_fail_the_run(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """--no-contract-coverage turns tracking off."""
    make_project(PAYLOAD, READS_UNPINNED)
    assert pytester.runpytest("--no-contract-coverage").ret == pytest.ExitCode.OK


def _coverage_json() -> object:
    """`cassette-contracts coverage --format json` on the last run (pytester's folder is cwd)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(["coverage", "--format", "json"], stdout=out, stderr=err)
    assert code == 1, err.getvalue()
    return json.loads(out.getvalue())


def test_xdist_and_serial_runs_give_the_same_report(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """The coverage gathered from two xdist workers equals the serial run's, field for field."""
    make_project(PAYLOAD, READS_UNPINNED + READS_PINNED.replace("test_fetch_user", "test_again"))
    serial = pytester.runpytest()  # in-process, as the other runs here; xdist below is not
    assert serial.ret == pytest.ExitCode.TESTS_FAILED
    serial_report = _coverage_json()
    parallel = pytester.runpytest_subprocess("-n", "2")
    assert parallel.ret == pytest.ExitCode.TESTS_FAILED
    parallel.stdout.fnmatch_lines(["*2 workers*"])
    assert _coverage_json() == serial_report
