"""Broken contracts: exit code 1, with the exact JSON path and a message that explains itself."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import yaml

from cassette_contracts import (
    ContractMap,
    Interaction,
    SchemaRegistry,
    load_cassette,
    validate_interaction,
)

from ..conftest import CORPUS, Run, read_yaml


def _edit(path: Path, index: int, change: Callable[[dict], None]) -> None:
    """Rewrite interaction ``index`` of the cassette at ``path`` through ``change``."""
    document = read_yaml(path.read_text())
    change(document["interactions"][index])
    path.write_text(yaml.dump(document))


def _set_body(record: dict, payload: object) -> None:
    record["response"]["body"]["string"] = json.dumps(payload)


def test_pinned_field_changing_type(project: Path, cli: Callable[..., Run]) -> None:
    """A pinned field that changes type exits 1 and names the exact JSON path."""
    shutil.copy(CORPUS / "bad_cassettes" / "type_changed.yaml", project / "cassettes")
    run = cli("check", "--no-cache")
    assert run.code == 1
    assert run.err == ""
    assert (
        "cassettes/type_changed.yaml:2: interaction 0: GET https://api.github.com/users/jacquev6: "
        "contract github.user broken at $.public_repos (response body): '38' is not of type "
        "'integer'"
    ) in run.out.splitlines()
    assert (
        "github.user                       2  github/user.schema.json                broken (1)"
        in run.out
    )


def test_violation_format_explains_itself() -> None:
    """Violation.format() says where, what the schema wanted, what the payload had, the fix."""
    project = CORPUS / "project" / "schemas"
    interaction = load_cassette(CORPUS / "bad_cassettes" / "type_changed.yaml").interactions[0]
    [violation] = validate_interaction(
        interaction, ContractMap.load(project / "contracts.toml"), SchemaRegistry.load(project)
    )
    text = violation.format()
    assert text.splitlines() == [
        f"{violation.cassette}:2: interaction 0: GET https://api.github.com/users/jacquev6",
        "  contract 'github.user' is broken at $.public_repos in the response body",
        '  the contract wants: type "integer"  (schema github/common.schema.json, at '
        "#/$defs/count/type)",
        '  the recording has:  "38"',
        "  '38' is not of type 'integer'",
        "  how to fix: if the API really sends this, relax github/common.schema.json (and the "
        "code that relies on it); if the recording is wrong, re-record the cassette",
    ]
    assert violation.json_path == "$.public_repos"
    assert (violation.validator, violation.expected, violation.found) == (
        "type",
        '"integer"',
        '"38"',
    )


def test_list_items_broken_alike_are_one_violation(project: Path, cli: Callable[..., Run]) -> None:
    """The same break in every item of a list is one violation with a count, at the first item."""

    def change(record: dict) -> None:
        repos = json.loads(record["response"]["body"]["string"])
        for repo in repos:
            repo["stargazers_count"] = None
        _set_body(record, repos)

    _edit(project / "cassettes" / "github" / "repos.yaml", 0, change)
    run = cli("check", "--no-cache", "--format", "json")
    assert run.code == 1
    [violation] = json.loads(run.out)["violations"]
    assert violation["json_path"] == "$[0].stargazers_count"
    assert violation["similar"] == 1
    assert violation["found"] == "null"


def test_required_field_missing(project: Path, cli: Callable[..., Run]) -> None:
    """A pinned field that disappears is named, with the keys the object has instead."""

    def change(record: dict) -> None:
        payload = json.loads(record["response"]["body"]["string"])
        del payload["bio"]
        _set_body(record, payload)

    _edit(project / "cassettes" / "github" / "user.yaml", 0, change)
    run = cli("check", "--no-cache", "--format", "json")
    [violation] = json.loads(run.out)["violations"]
    assert (violation["json_path"], violation["validator"]) == ("$", "required")
    assert violation["message"] == "'bio' is a required property"
    assert violation["found"].startswith('an object with keys ["avatar_url", ')


def test_query_parameters(project: Path, cli: Callable[..., Run]) -> None:
    """A query parameter the contract does not list, and a missing required one, are violations."""
    _edit(
        project / "cassettes" / "jsonplaceholder" / "todos.yaml",
        0,
        lambda r: r["request"].update(uri="https://jsonplaceholder.typicode.com/todos?_limit=3"),
    )
    run = cli("check", "--no-cache", "--format", "json")
    assert run.code == 1
    found = {(v["json_path"], v["validator"], v["part"]) for v in json.loads(run.out)["violations"]}
    assert found == {
        ("?_limit", "query", "request query"),
        ("?userId", "required_query", "request query"),
    }


def test_request_body_schema(project: Path, cli: Callable[..., Run]) -> None:
    """The JSON request body is held to request_schema."""
    _edit(
        project / "cassettes" / "ntfy" / "publish.yaml",
        0,
        lambda r: r["request"].update(body='{"topic": "t", "message": "m", "priority": "high"}'),
    )
    run = cli("check", "--no-cache", "--format", "json")
    [violation] = json.loads(run.out)["violations"]
    assert (violation["part"], violation["json_path"], violation["schema_file"]) == (
        "request body",
        "$.priority",
        "ntfy/publish-request.schema.json",
    )


def test_auth_header_rules_never_print_the_value(project: Path, cli: Callable[..., Run]) -> None:
    """auth = required / absent are checked on presence only; the header's value never shows."""
    _edit(
        project / "cassettes" / "ntfy" / "publish.yaml",
        0,
        lambda r: r["request"]["headers"].pop("Authorization"),
    )
    _edit(
        project / "cassettes" / "jsonplaceholder" / "todos.yaml",
        0,
        lambda r: r["request"]["headers"].update(Authorization=["Bearer s3cr3t-t0ken"]),
    )
    for fmt in ("text", "json", "junit", "markdown", "github"):
        run = cli("check", "--no-cache", "--format", fmt)
        assert run.code == 1
        assert "s3cr3t" not in run.out
    violations = json.loads(cli("check", "--no-cache", "--format", "json").out)["violations"]
    assert {(v["contract"], v["found"]) for v in violations} == {
        ("jsonplaceholder.todos", "present (value not shown)"),
        ("ntfy.publish", "absent"),
    }


def test_validate_interaction_in_memory() -> None:
    """An Interaction built from vcrpy's Request and response is checked like a recorded one."""
    from vcr.request import Request

    schemas = CORPUS / "project" / "schemas"
    request = Request("GET", "https://api.github.com/users/octocat", None, {"Accept": "*/*"})
    payload = {"login": "octocat", "id": 1, "bio": 7, "public_repos": 8, "created_at": "x"}
    response = {
        "status": {"code": 200, "message": "OK"},
        "headers": {"Content-Type": ["application/json"]},
        "body": {"string": json.dumps(payload).encode()},
    }
    interaction = Interaction.from_vcr(request, response, "cassettes/octocat.yaml", 3)
    violations = validate_interaction(
        interaction, ContractMap.load(schemas / "contracts.toml"), SchemaRegistry.load(schemas)
    )
    assert [(v.json_path, v.validator) for v in violations] == [
        ("$.bio", "type"),
        ("$.created_at", "format"),
    ]
    assert violations[0].where() == "cassettes/octocat.yaml: interaction 3"
