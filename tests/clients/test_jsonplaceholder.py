"""The JSONPlaceholder client, replayed from a real json-server over typicode's data."""

from __future__ import annotations

from typing import Any

import pytest

from api_clients import NotFoundError
from api_clients.jsonplaceholder import fetch_todos, get_user

from .conftest import replay

CLIENT = "jsonplaceholder"


@replay("user_1")
def test_get_user_returns_the_user_dict(cassette_payload: Any) -> None:
    """get_user(1) returns the recorded user."""
    user = get_user(1)
    assert user["id"] == 1
    assert user == cassette_payload()


@replay("todos_user_1")
def test_fetch_todos_keeps_only_incomplete(vcr: Any) -> None:
    """fetch_todos keeps exactly the todos whose completed is false, in order."""
    import json

    todos = fetch_todos(1)
    recorded = json.loads(vcr.responses[0]["body"]["string"])
    assert todos == [t for t in recorded if not t["completed"]]
    assert 0 < len(todos) < len(recorded)
    assert all(t["userId"] == 1 for t in todos)


@replay("todos_user_1")
def test_fetch_todos_sends_user_id_query(vcr: Any) -> None:
    """The request filters on the server: GET /todos?userId=1."""
    fetch_todos(1)
    assert vcr.requests[0].uri == "https://jsonplaceholder.typicode.com/todos?userId=1"


@replay("user_not_found")
def test_unknown_user_raises_not_found() -> None:
    """json-server's real 404 becomes NotFoundError naming the request."""
    with pytest.raises(
        NotFoundError, match=r"GET https://jsonplaceholder\.typicode\.com/users/999"
    ):
        get_user(999)
