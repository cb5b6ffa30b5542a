"""contracts.toml: matching interactions to exactly one contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from cassette_contracts import ContractMap, ContractMapError, Interaction, NoContractError

from ..conftest import CORPUS

CONTRACTS = ContractMap.load(CORPUS / "project" / "schemas" / "contracts.toml")


def _interaction(method: str, uri: str, status: int) -> Interaction:
    return Interaction(
        cassette=Path("c.yaml"),
        index=0,
        line=None,
        method=method,
        uri=uri,
        request_headers={},
        request_body=None,
        status=status,
        response_headers={},
        response_body=b"{}",
    )


@pytest.mark.parametrize(
    ("method", "uri", "status", "name"),
    [
        ("GET", "https://api.github.com/users/octocat", 200, "github.user"),
        ("GET", "https://api.github.com/users/octocat", 404, "github.user.error"),
        ("GET", "https://API.github.com/users/octocat?x=1", 200, "github.user"),
        ("GET", "https://api.github.com/users/octocat/repos?page=2", 200, "github.user-repos"),
        (
            "GET",
            "https://jsonplaceholder.typicode.com/todos?userId=1",
            200,
            "jsonplaceholder.todos",
        ),
        ("POST", "https://ntfy.sh/", 200, "ntfy.publish"),
    ],
)
def test_match(method: str, uri: str, status: int, name: str) -> None:
    """Method, URL template ({name}: one segment; no query) and status select one contract."""
    assert CONTRACTS.match(_interaction(method, uri, status)).name == name
    assert CONTRACTS.find(method, uri, status) is not None


@pytest.mark.parametrize(
    ("method", "uri", "status"),
    [
        ("GET", "https://api.github.com/users/octo/cat", 200),  # {username} is one segment
        ("GET", "https://api.github.com/users/", 200),
        ("DELETE", "https://api.github.com/users/octocat", 200),
        ("GET", "https://api.github.com/users/octocat", 500),
        ("GET", "http://api.github.com/users/octocat", 200),
    ],
)
def test_no_match(method: str, uri: str, status: int) -> None:
    """Anything else matches nothing: NoContractError for match(), None for find()."""
    with pytest.raises(NoContractError, match="no contract in "):
        CONTRACTS.match(_interaction(method, uri, status))
    assert CONTRACTS.find(method, uri, status) is None


def test_contract_fields() -> None:
    """A parsed contract keeps the request side rules."""
    todos = next(c for c in CONTRACTS.contracts if c.name == "jsonplaceholder.todos")
    assert (todos.method, todos.url, todos.statuses) == (
        "GET",
        "https://jsonplaceholder.typicode.com/todos",
        (200,),
    )
    assert (todos.query, todos.required_query, todos.auth) == (("userId",), ("userId",), "absent")
    assert todos.describe() == (
        "jsonplaceholder.todos (GET https://jsonplaceholder.typicode.com/todos, status 200)"
    )


def _load(tmp_path: Path, request: str) -> ContractMap:
    path = tmp_path / "contracts.toml"
    path.write_text(
        f'[[contract]]\nname = "a"\nrequest = "{request}"\nstatus = 200\nschema = "s.json"\n'
    )
    return ContractMap.load(path)


@pytest.mark.parametrize(
    ("request_line", "message"),
    [
        (
            "GET http://[::1/a",
            "request 'GET http://[::1/a': the URL is not valid: Invalid IPv6 URL",
        ),
        ("GET https://x.test:99999/a", "the URL is not valid: Port out of range 0-65535"),
        ("GET https://x.test/{id", "a '{' or '}' that is not part of a {name} placeholder"),
        ("GET https://x.test/{1d}", "a '{' or '}' that is not part of a {name} placeholder"),
    ],
)
def test_invalid_url_templates(tmp_path: Path, request_line: str, message: str) -> None:
    """A URL template that is no URL, or has a stray brace, is a ContractMapError on one line."""
    with pytest.raises(ContractMapError) as caught:
        _load(tmp_path, request_line)
    assert str(caught.value).startswith(f"{tmp_path / 'contracts.toml'}: [[contract]] #1 (a): ")
    assert message in str(caught.value)


def test_recorded_url_that_is_no_url() -> None:
    """An interaction whose URI cannot be split is a ContractMapError naming it, not a crash."""
    with pytest.raises(ContractMapError, match=r"request URL 'http://\[::1/x' is not a valid URL"):
        CONTRACTS.match(_interaction("GET", "http://[::1/x", 200))
    assert CONTRACTS.find("GET", "http://[::1/x", 200) is None


def test_deeply_nested_toml(tmp_path: Path) -> None:
    """TOML nested 100,000 deep is a ContractMapError, not a RecursionError."""
    path = tmp_path / "contracts.toml"
    path.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(ContractMapError, match="not valid TOML: nested too deeply"):
        ContractMap.load(path)


@pytest.mark.parametrize(
    ("entry", "json_path"),
    [
        ('status = "ok"\nschema = "s.json"\n', "$.contract[1].status"),
        ('status = 200\nschema = "s.json"\nauth = "maybe"\n', "$.contract[1].auth"),
        (
            'status = 200\nschema = "s.json"\nheaders = { X-A = "date" }\n',
            "$.contract[1].headers['X-A']",
        ),
        ('status = 200\nschema = "s.json"\nquery = ["a", 1]\n', "$.contract[1].query[1]"),
    ],
)
def test_contracts_toml_mistake_carries_its_json_path(
    tmp_path: Path, entry: str, json_path: str
) -> None:
    """contracts.toml is checked by its JSON Schema: the error names the key's JSON path."""
    path = tmp_path / "contracts.toml"
    good = '[[contract]]\nname = "a"\nrequest = "GET https://x.test/a"\nstatus = 200\n'
    path.write_text(
        f'{good}schema = "s.json"\n[[contract]]\nname = "b"\nrequest = "GET https://x.test/b"\n{entry}'
    )
    with pytest.raises(ContractMapError) as info:
        ContractMap.load(path)
    assert info.value.json_path == json_path
    assert str(info.value).startswith(f"{path}: [[contract]] #2 (b): ")
