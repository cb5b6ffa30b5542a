"""contracts.toml: matching interactions to exactly one contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from cassette_contracts import ContractMap, Interaction, NoContractError

from .conftest import CORPUS

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
