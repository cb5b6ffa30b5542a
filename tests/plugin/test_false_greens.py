"""No false green: a broken contract set, a failing test or an extra cassette never hides a
violation, and the summary counts only the interactions that held."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cassette_contracts.cli import main

from .conftest import CASSETTE, MakeProject

TWO_REPLAYS = """
@pytest.mark.vcr
@pytest.mark.default_cassette("user")
def test_first():
    assert requests.get("https://api.github.com/users/octo").json()["login"] == "octo"


@pytest.mark.vcr
@pytest.mark.default_cassette("user")
def test_second():
    assert requests.get("https://api.github.com/users/octo").json()["login"] == "octo"
"""

GOOD = {"login": "octo", "public_repos": 8}


def _cli_lines(*args: str) -> list[str]:
    """The lines `cassette-contracts ARGS` prints (stdout and stderr), in pytester's folder."""
    out, err = io.StringIO(), io.StringIO()
    assert main(list(args), out, err) == 2
    return (out.getvalue() + err.getvalue()).splitlines()


def test_broken_contract_map_fails_every_replaying_test(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """A contracts.toml that does not load fails each replaying test with the CLI's line."""
    root = make_project(GOOD, TWO_REPLAYS)
    (root / "schemas" / "contracts.toml").write_text("[[contract]\nname = 'user'\n")
    (cli_line,) = _cli_lines("check")
    result = pytester.runpytest()
    result.assert_outcomes(failed=2)
    assert result.stdout.lines.count(cli_line) == 2
    assert "Traceback" not in result.stdout.str()


def test_schema_that_is_not_json_fails_every_replaying_test_without_traceback(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """A schema file that is not JSON fails each replaying test in one line, no traceback."""
    root = make_project(GOOD, TWO_REPLAYS)
    (root / "schemas" / "user.schema.json").write_text("{not json")
    cli_line = _cli_lines("check")[0]
    assert "user.schema.json" in cli_line
    result = pytester.runpytest()
    result.assert_outcomes(failed=2)
    output = result.stdout.str() + result.stderr.str()
    assert result.stdout.lines.count(cli_line) >= 2
    assert "Traceback" not in output
    assert "INTERNALERROR" not in output


RETYPED_AND_ASSERTED = """
@pytest.mark.vcr
@pytest.mark.default_cassette("user")
def test_fetch_user():
    data = requests.get("https://api.github.com/users/octo").json()
    assert data["public_repos"] + 1 == 9
"""


def test_failing_test_reports_the_violation_that_explains_it(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """A test that fails by itself also shows the contract violation of what it replayed."""
    make_project({"login": "octo", "public_repos": "8"}, RETYPED_AND_ASSERTED)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*TypeError*",
            "*cassettes/user.yaml:2: interaction 0: GET https://api.github.com/users/octo*",
            "*contract 'user' is broken at $.public_repos in the response body*",
        ]
    )


def test_summary_counts_only_interactions_that_held(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """An interaction that broke its contract is not counted as held."""
    make_project({"login": "octo", "public_repos": "8"}, RETYPED_AND_ASSERTED)
    result = pytester.runpytest()
    assert "held to their contracts" not in result.stdout.str()
    result.stdout.fnmatch_lines(["*cassette-contracts: 1 replayed interaction(s) broke*"])


EXTRA_CASSETTE_TEST = """
@pytest.mark.vcr("extra.yaml")
@pytest.mark.default_cassette("user")
def test_fetch_both():
    requests.get("https://api.github.com/users/octo").json()
    requests.get("https://api.github.com/users/other").json()
"""


def _extra_cassette(root: Path) -> None:
    """extra.yaml: one interaction that fits, then the one for 'other' that breaks the contract."""
    fits = CASSETTE.format(body='{"login": "octo", "public_repos": 8}').replace("octo", "first")
    breaks = CASSETTE.format(body='{"login": "other", "public_repos": "many"}').replace(
        "octo", "other"
    )
    (root / "cassettes" / "extra.yaml").write_text(
        fits.replace("version: 1\n", "") + breaks.replace("interactions:\n", "")
    )


def test_violation_in_extra_cassette_names_that_file_line_and_index(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """A violation in an extra cassette names the extra file, its line and its own index."""
    root = make_project(GOOD, EXTRA_CASSETTE_TEST)
    _extra_cassette(root)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*cassettes/extra.yaml:13: interaction 1: GET https://api.github.com/users/other*"]
    )
    assert "user.yaml" not in result.stdout.str().split("FAILURES")[1].split("short test")[0]
