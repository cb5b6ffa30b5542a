"""Every kind of bad input is one line naming file, line and interaction, and exit code 2."""

from __future__ import annotations

import hashlib
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from ..conftest import CORPUS, Run
from .hostile import CASES, Case


def _check_copy(project: Path, cli: Callable[..., Run], name: str) -> Run:
    target = project / "cassettes" / "bad" / name
    target.parent.mkdir()
    shutil.copy(CORPUS / "bad_cassettes" / name, target)
    return cli("check", "--no-cache", f"cassettes/bad/{name}")


def _assert_input_error(run: Run, *lines: str) -> None:
    assert run.code == 2
    assert run.err == ""
    assert "Traceback" not in run.out
    printed = run.out.splitlines()
    for line in lines:
        assert any(each.startswith(line) for each in printed), (line, run.out)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "malformed.yaml",
            ":15: malformed YAML: found unexpected end of stream (scanning a quoted scalar that "
            "starts at line 9)",
        ),
        ("no_interactions.yaml", ": not a vcrpy cassette: no 'interactions' list"),
        (
            "not_mapping.yaml",
            ":1: pre-1.0 vcrpy cassette format (a list of interactions, no 'version'), which "
            "vcrpy no longer loads: convert it with `python -m vcr.migration PATH`",
        ),
        (
            "corrupt_gzip.yaml",
            ":2: interaction 0: response body has Content-Encoding gzip but is neither gzip data "
            "(EOFError: Compressed file ended before the end-of-stream marker was reached) nor "
            "plain text",
        ),
        (
            "invalid_utf8.yaml",
            ":9: not valid UTF-8 text: byte 170 (invalid trailing UTF-8 octet)",
        ),
        (
            "invalid_utf8_body.yaml",
            ":2: interaction 0: response body is not valid UTF-8 (byte 14: b'\\xe9'; "
            "Content-Type: application/json; charset=iso-8859-1)",
        ),
    ],
)
def test_bad_cassette(project: Path, cli: Callable[..., Run], name: str, message: str) -> None:
    """A broken cassette is reported on one line with its file, line and interaction."""
    run = _check_copy(project, cli, name)
    _assert_input_error(run, f"cassettes/bad/{name}{message}")
    assert run.out.count(f"cassettes/bad/{name}") == 1


def test_interaction_without_contract(project: Path, cli: Callable[..., Run]) -> None:
    """No matching contract: the interaction is named with the closest contracts."""
    run = _check_copy(project, cli, "no_contract.yaml")
    _assert_input_error(
        run,
        "cassettes/bad/no_contract.yaml:21: interaction 1: no contract in schemas/contracts.toml "
        "for GET https://api.github.com/users/octocat/repos -> 404; closest: github.user-repos "
        "(GET https://api.github.com/users/{username}/repos, status 200): the status differs "
        "(404). Add a [[contract]] for it",
        "cassettes/bad/no_contract.yaml:37: interaction 2: no contract in schemas/contracts.toml "
        "for GET https://api.github.com/orgs/python -> 200; closest: github.user (",
    )


def test_interaction_without_contract_is_a_warning_when_not_strict(
    project: Path, cli: Callable[..., Run]
) -> None:
    """With --no-strict an interaction without contract is a warning and the rest is checked."""
    shutil.copy(CORPUS / "bad_cassettes" / "no_contract.yaml", project / "cassettes")
    run = cli("check", "--no-cache", "--no-strict")
    assert run.code == 0, run.out
    assert run.out.count("warning: cassettes/no_contract.yaml:") == 2


def test_interaction_with_two_contracts(project: Path, cli: Callable[..., Run]) -> None:
    """Two matching contracts: the interaction is named with both candidates."""
    with (project / "schemas" / "contracts.toml").open("a") as toml:
        toml.write(
            '\n[[contract]]\nname = "github.ghost"\n'
            'request = "GET https://api.github.com/users/ghost"\n'
            'status = 200\nschema = "github/user.schema.json"\n'
        )
    run = _check_copy(project, cli, "two_contracts.yaml")
    _assert_input_error(
        run,
        "cassettes/bad/two_contracts.yaml:2: interaction 0: GET https://api.github.com/users/ghost"
        " -> 200 matches 2 contracts in schemas/contracts.toml: github.user (GET "
        "https://api.github.com/users/{username}, status 200); github.ghost (GET "
        "https://api.github.com/users/ghost, status 200). Make their URL templates, statuses or "
        "bodies disjoint",
    )


def test_one_bad_file_does_not_hide_the_others(project: Path, cli: Callable[..., Run]) -> None:
    """Every bad cassette of a folder is reported, and the good ones are still checked."""
    shutil.copytree(CORPUS / "bad_cassettes", project / "cassettes" / "bad")
    run = cli("check", "--no-cache")
    assert run.code == 2
    for name in ("malformed", "corrupt_gzip", "not_mapping", "binary_body", "no_contract"):
        assert f"cassettes/bad/{name}.yaml:" in run.out
    assert "broken at $.public_repos" in run.out  # type_changed.yaml, checked too
    assert "ntfy.publish                      1" in run.out


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "not_json.schema.json",
            ":5: schema is not JSON: Expecting ',' delimiter (line 5, column 3)",
        ),
        (
            "not_2020_12.schema.json",
            ": not a valid JSON Schema 2020-12 at #/properties/login/type: 'strin' is not valid "
            "under any of the given schemas",
        ),
        (
            "dangling_ref.schema.json",
            ": $ref 'common.schema.json#/$defs/date' at #/properties/created_at does not "
            "resolve: 'github/common.schema.json' has no '/$defs/date'",
        ),
        (
            "missing_file_ref.schema.json",
            ": $ref 'owner.schema.json' at #/properties/owner does not resolve: no schema file "
            "'github/owner.schema.json'",
        ),
    ],
)
def test_bad_schema(project: Path, cli: Callable[..., Run], name: str, message: str) -> None:
    """A broken schema is reported once, on one line; its contract's row says error."""
    shutil.copy(CORPUS / "bad_schemas" / name, project / "schemas" / "github" / "user.schema.json")
    run = cli("check", "--no-cache")
    _assert_input_error(run, f"schemas/github/user.schema.json{message}")
    assert run.out.count("schemas/github/user.schema.json") == 1
    assert any(
        line.startswith("github.user ") and line.endswith(" error") for line in run.out.splitlines()
    )
    assert "github.user-repos                 1" in run.out  # the others are still checked


def test_contract_naming_a_missing_schema(project: Path, cli: Callable[..., Run]) -> None:
    """A contract whose schema file does not exist is an input error naming contracts.toml."""
    (project / "schemas" / "github" / "error.schema.json").unlink()
    run = cli("check", "--no-cache")
    _assert_input_error(
        run,
        "schemas/contracts.toml: contract 'github.user.error': no schema file "
        "'github/error.schema.json' under ",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[contract]]\nname = \n", "schemas/contracts.toml:2: not valid TOML: "),
        (
            '[[contract]]\nname = "a"\nrequest = "GET https://x.test/a"\nstatus = 200\n'
            'schema = "s.json"\nmethod = "GET"\n',
            "schemas/contracts.toml: [[contract]] #1 (a): unknown key(s) method; allowed: name, "
            "request, status, schema, body, media_type, headers, query, required_query, "
            "request_schema, auth",
        ),
        (
            '[[contract]]\nname = "a"\nrequest = "https://x.test/a"\nstatus = 200\n'
            'schema = "s.json"\n',
            "schemas/contracts.toml: [[contract]] #1 (a): request 'https://x.test/a' must be "
            "'METHOD URL'",
        ),
        (
            '[[contract]]\nname = "a"\nrequest = "GET https://x.test/a?page=1"\nstatus = 200\n'
            'schema = "s.json"\n',
            "schemas/contracts.toml: [[contract]] #1 (a): request 'GET https://x.test/a?page=1': "
            "the URL template takes no query string",
        ),
        (
            '[[contract]]\nname = "a"\nrequest = "GET https://x.test/a"\nstatus = "200"\n'
            'schema = "s.json"\n',
            "schemas/contracts.toml: [[contract]] #1 (a): 'status' must be an HTTP status or a "
            "list of them, got '200'",
        ),
        (
            '[[contract]]\nname = "a"\nrequest = "GET https://x.test/a"\nstatus = 200\n'
            'schema = "s.json"\nauth = "yes"\n',
            "schemas/contracts.toml: [[contract]] #1 (a): 'auth' must be one of 'required', "
            "'optional', 'absent', got 'yes'",
        ),
        (
            '[[contract]]\nname = "a"\nrequest = "GET https://x.test/a"\nstatus = 200\n'
            'schema = "s.json"\n[[contract]]\nname = "a"\nrequest = "GET https://x.test/b"\n'
            'status = 200\nschema = "s.json"\n',
            "schemas/contracts.toml: [[contract]] #2: name 'a' is used twice",
        ),
        (
            '[[contract]]\nname = "a"\nrequest = "GET https://x.test/a"\n',
            "schemas/contracts.toml: [[contract]] #1 (a): missing key(s) status, schema",
        ),
    ],
)
def test_bad_contracts_toml(
    project: Path, cli: Callable[..., Run], text: str, message: str
) -> None:
    """A malformed contracts.toml stops the check with one line on stderr naming the entry."""
    (project / "schemas" / "contracts.toml").write_text(text)
    run = cli("check", "--no-cache")
    assert run.code == 2
    assert run.out == ""
    assert run.err.startswith(f"cassette-contracts: error: {message}"), run.err
    assert len(run.err.splitlines()) == 1


def _tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file of the project, cache folder aside, by relative path."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".cassette-contracts" not in path.relative_to(root).parts
    }


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_malformed_input(project: Path, cli: Callable[..., Run], case: Case) -> None:
    """A malformed input is one error line naming file and place, exit 2, nothing changed."""
    target = project / case.path
    target.write_bytes(case.content)
    before = _tree_digest(project)
    run = cli("check")
    assert run.code == 2, run.out + run.err
    assert "Traceback" not in run.out + run.err
    if run.out:  # the report: the table, the one error line, the summary
        assert run.err == ""
        assert "1 input error(s)" in run.out, run.out
    else:  # stopped before checking: one line on stderr
        assert len(run.err.splitlines()) == 1, run.err
    naming = [line for line in (run.out + run.err).splitlines() if case.path in line]
    assert len(naming) == 1, naming
    assert case.where in naming[0], naming[0]
    assert _tree_digest(project) == before


def test_the_corpus_of_malformed_inputs_is_large() -> None:
    """At least 60 malformed inputs, across cassettes, schemas, contracts.toml and pyproject."""
    kinds = Counter(case.path for case in CASES)
    assert len(CASES) >= 60
    assert set(kinds) == {
        "cassettes/hostile.yaml",
        "schemas/github/user.schema.json",
        "schemas/contracts.toml",
        "pyproject.toml",
    }
    assert min(kinds.values()) >= 10
