"""JSONPlaceholder client: users and their todos.

Base URL from the argument, ``$JSONPLACEHOLDER_URL``, or the real service.
"""

from __future__ import annotations

from typing import Any

from ._http import HttpClient, env_or, timeout_or_env

__all__ = ["DEFAULT_BASE_URL", "JSONPlaceholderClient", "fetch_todos", "get_user"]

DEFAULT_BASE_URL = "https://jsonplaceholder.typicode.com"
TIMEOUT = 10.0


class JSONPlaceholderClient:
    """A client for one JSONPlaceholder base URL."""

    def __init__(self, base_url: str | None = None, *, timeout: float | None = None) -> None:
        self.http = HttpClient(
            env_or(base_url, "JSONPLACEHOLDER_URL", DEFAULT_BASE_URL),
            timeout=timeout_or_env(timeout, TIMEOUT),
        )

    def get_user(self, user_id: int) -> dict[str, Any]:
        """``GET /users/{id}``."""
        user: dict[str, Any] = self.http.get_json(f"/users/{user_id}")
        return user

    def fetch_todos(self, user_id: int) -> list[dict[str, Any]]:
        """The user's incomplete todos: ``GET /todos?userId=N``, keeping ``completed == false``."""
        todos: list[dict[str, Any]] = self.http.get_json("/todos", params={"userId": user_id})
        return [todo for todo in todos if todo["completed"] is False]


def get_user(user_id: int, *, client: JSONPlaceholderClient | None = None) -> dict[str, Any]:
    """The user dict of ``GET /users/{id}``."""
    return (client or JSONPlaceholderClient()).get_user(user_id)


def fetch_todos(
    user_id: int, *, client: JSONPlaceholderClient | None = None
) -> list[dict[str, Any]]:
    """That user's incomplete todos."""
    return (client or JSONPlaceholderClient()).fetch_todos(user_id)
