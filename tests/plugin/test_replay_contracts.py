"""The plugin holds every replayed response to its contract."""

from __future__ import annotations

import pytest

from .conftest import MakeProject

REPLAY_TEST = """
@pytest.mark.vcr
@pytest.mark.default_cassette("user")
def test_fetch_user():
    data = requests.get("https://api.github.com/users/octo").json()
    assert data["login"] == "octo"
    assert data["public_repos"] is not None
"""


def test_payload_that_fits_its_schema_passes(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """A replayed payload that fits its contract leaves the test green."""
    make_project({"login": "octo", "public_repos": 8}, REPLAY_TEST)
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*1 replayed interaction(s) held to their contracts*"])


def test_payload_that_breaks_its_schema_fails_with_where_and_what(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """A replayed payload that breaks its contract fails the test, saying where and what."""
    make_project({"login": "octo", "public_repos": "eight"}, REPLAY_TEST)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*cassettes/user.yaml:2: interaction 0: GET https://api.github.com/users/octo*",
            "*contract 'user' is broken at $.public_repos in the response body*",
            "*the contract wants: type*integer*user.schema.json*",
            '*the recording has:  "eight"*',
        ]
    )


def test_no_contracts_option_skips_validation(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """--no-contracts turns replay validation off."""
    make_project({"login": "octo", "public_repos": "eight"}, REPLAY_TEST)
    pytester.runpytest("--no-contracts", "--no-contract-coverage").assert_outcomes(passed=1)


def test_request_missing_from_cassette_names_it_and_how_to_record(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """A request that is not in the cassette fails naming the cassette and how to record it."""
    make_project(
        {"login": "octo", "public_repos": 8},
        """
        @pytest.mark.vcr
        @pytest.mark.default_cassette("user")
        def test_other_user():
            requests.get("https://api.github.com/users/someone-else")
        """,
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*Cassette: *cassettes/user.yaml*", "*run `cassette-contracts rerecord --only <pattern>`*"]
    )


def test_cassette_metadata_does_not_break_pytest_recording(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """A cassette with vcrpy 9.4 metadata (provenance) replays under pytest-recording."""
    root = make_project({"login": "octo", "public_repos": 8}, REPLAY_TEST)
    cassette = root / "cassettes" / "user.yaml"
    cassette.write_text(cassette.read_text() + "metadata:\n  provenance: {source: test}\n")
    pytester.runpytest().assert_outcomes(passed=1)
