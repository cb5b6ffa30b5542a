"""Every report format renders the same findings."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import pytest

from cassette_contracts import CheckResult, render
from cassette_contracts.errors import UsageError

from ..conftest import CORPUS, Run


@pytest.fixture
def mixed(project: Path) -> Path:
    """The project plus one broken contract, one bad cassette and one unmatched interaction."""
    for name in ("type_changed.yaml", "corrupt_gzip.yaml"):
        shutil.copy(CORPUS / "bad_cassettes" / name, project / "cassettes")
    return project


def test_text(mixed: Path, cli: Callable[..., Run]) -> None:
    """text: one line per problem, then the table per contract, then the totals."""
    run = cli("check", "--no-cache")
    lines = run.out.splitlines()
    assert run.code == 2
    assert lines[0].startswith("cassettes/type_changed.yaml:2: interaction 0: GET ")
    assert lines[1].startswith(
        "cassettes/corrupt_gzip.yaml:2: interaction 0: response body has Content-Encoding gzip"
    )
    assert lines[3].split() == ["contract", "interactions", "schema", "result"]
    assert lines[4].split() == ["github.user", "3", "github/user.schema.json", "broken", "(1)"]
    assert lines[-1] == (
        "6 cassette(s), 7 interaction(s): 1 violation(s), 1 input error(s) - input errors"
    )


def test_json(mixed: Path, cli: Callable[..., Run]) -> None:
    """json: summary rows, violations and input errors as data."""
    document = json.loads(cli("check", "--no-cache", "--format", "json").out)
    assert (document["ok"], document["exit_code"], document["interactions"]) == (False, 2, 7)
    assert [row["result"] for row in document["summary"]] == ["broken", "ok", "ok", "ok", "ok"]
    assert document["violations"][0]["json_path"] == "$.public_repos"
    [error] = document["errors"]
    assert (error["kind"], error["file"], error["line"], error["interaction"]) == (
        "CassetteError",
        "cassettes/corrupt_gzip.yaml",
        2,
        0,
    )


def test_junit(mixed: Path, cli: Callable[..., Run]) -> None:
    """junit: a test case per contract (failure when broken) and per bad input file (error)."""
    root = ElementTree.fromstring(cli("check", "--no-cache", "--format", "junit").out)
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("6", "1", "1")
    failure = suite.find("testcase[@name='github.user']/failure")
    assert failure is not None
    assert "broken at $.public_repos" in (failure.text or "")
    error = suite.find("testcase[@name='cassettes/corrupt_gzip.yaml']/error")
    assert error is not None


def test_markdown(mixed: Path, cli: Callable[..., Run]) -> None:
    """markdown: a table per contract and lists of violations and input errors."""
    out = cli("check", "--no-cache", "--format", "markdown").out
    assert "| `github.user` | `GET https://api.github.com/users/{username}` | 3 |" in out
    assert "#### Violations" in out
    assert "#### Input errors" in out


def test_github(mixed: Path, cli: Callable[..., Run]) -> None:
    """github: ::error workflow commands pointing at the cassette file and line."""
    lines = cli("check", "--no-cache", "--format", "github").out.splitlines()
    assert lines[0].startswith(
        "::error file=cassettes/type_changed.yaml,line=2,title=contract github.user broken::"
    )
    assert "%0A  the contract wants: type " in lines[0]  # the multi-line message, escaped
    assert lines[1].startswith(
        "::error file=cassettes/corrupt_gzip.yaml,line=2,title=cassette-contracts input error::"
    )


def test_every_format_renders_a_clean_result(project: Path, cli: Callable[..., Run]) -> None:
    """All formats render a run where every contract holds."""
    for fmt in ("text", "json", "junit", "markdown", "github"):
        run = cli("check", "--no-cache", "--format", fmt)
        assert run.code == 0, (fmt, run.out)
        assert run.out.endswith("\n")


def test_unknown_format() -> None:
    """render() names the formats it knows (a usage error, as for every command)."""
    with pytest.raises(UsageError, match="unknown format 'xml'; choose from text, json, junit"):
        render(CheckResult(rows=[], violations=[], errors=[]), "xml")
