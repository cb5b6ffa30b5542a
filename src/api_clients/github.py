"""GitHub REST API client: repositories, user profiles, a user's repositories.

The behaviour of the classic "mocking API calls" tutorial (``get_repo_stars``, ``is_popular``,
``GitHubProfile``), made production grade: configurable base URL (``GITHUB_API_URL``), optional
token (``GITHUB_TOKEN``), ``Link``-header pagination, an opt-in TTL cache, and errors that name
the request.
"""

from __future__ import annotations

import os
import re
import time
from typing import Any

from ._http import Clock, HttpClient, env_or, timeout_or_env
from .errors import ApiError, ApiTimeoutError, NotFoundError

__all__ = [
    "DEFAULT_BASE_URL",
    "GitHubClient",
    "GitHubProfile",
    "GitHubProfileError",
    "get_repo_stars",
    "is_popular",
    "list_user_repos",
]

DEFAULT_BASE_URL = "https://api.github.com"
TIMEOUT = 10.0
_NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class GitHubClient:
    """A client for one GitHub API base URL.

    ``base_url`` defaults to ``$GITHUB_API_URL`` or the real API; ``token`` to ``$GITHUB_TOKEN``
    (sent as ``Authorization: Bearer``; never required). ``cache_ttl`` (seconds) turns on a TTL
    cache of GET responses, with ``clock`` as its time source. ``timeout`` (seconds) defaults to
    ``$API_CLIENTS_TIMEOUT`` or 10, as in every client.
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        token: str | None = None,
        per_page: int = 30,
        cache_ttl: float | None = None,
        clock: Clock = time.monotonic,
        timeout: float | None = None,
        max_rate_limit_wait: float | None = None,
    ) -> None:
        self.per_page = per_page
        self.http = HttpClient(
            env_or(base_url, "GITHUB_API_URL", DEFAULT_BASE_URL),
            timeout=timeout_or_env(timeout, TIMEOUT),
            headers={"Accept": "application/vnd.github+json"},
            token=token or os.environ.get("GITHUB_TOKEN") or None,
            cache_ttl=cache_ttl,
            clock=clock,
            max_rate_limit_wait=max_rate_limit_wait,
        )

    def get_repo(self, owner: str, repo: str) -> dict[str, Any]:
        """``GET /repos/{owner}/{repo}``."""
        data: dict[str, Any] = self.http.get_json(f"/repos/{owner}/{repo}")
        return data

    def get_user(self, username: str) -> dict[str, Any]:
        """``GET /users/{username}``."""
        data: dict[str, Any] = self.http.get_json(f"/users/{username}")
        return data

    def list_user_repos(self, username: str, per_page: int | None = None) -> list[dict[str, Any]]:
        """Every public repository of ``username``, following ``Link: rel="next"`` pages."""
        repos: list[dict[str, Any]] = []
        url: str | None = self.http.url(f"/users/{username}/repos")
        params: dict[str, Any] | None = {"per_page": per_page or self.per_page}
        while url is not None:
            response = self.http.get(url, params=params)
            repos.extend(response.json())
            url = next_page_url(response.headers.get("Link", ""))
            params = None  # the next link carries the query
        return repos


def next_page_url(link_header: str) -> str | None:
    """The ``rel="next"`` target of a ``Link`` header, if any."""
    match = _NEXT_LINK.search(link_header)
    return match.group(1) if match else None


def get_repo_stars(owner: str, repo: str, *, client: GitHubClient | None = None) -> int:
    """The repository's ``stargazers_count``."""
    stars: int = (client or GitHubClient()).get_repo(owner, repo)["stargazers_count"]
    return stars


def is_popular(
    owner: str, repo: str, threshold: int = 1000, *, client: GitHubClient | None = None
) -> bool:
    """Whether the repository has at least ``threshold`` stars."""
    return get_repo_stars(owner, repo, client=client) >= threshold


def list_user_repos(
    username: str, per_page: int = 30, *, client: GitHubClient | None = None
) -> list[dict[str, Any]]:
    """Every public repository of ``username`` across all pages."""
    return (client or GitHubClient()).list_user_repos(username, per_page=per_page)


class GitHubProfileError(Exception):
    """A profile could not be fetched or summarised; ``__cause__`` holds the API error."""


class GitHubProfile:
    """A GitHub user's public profile, fetched on demand."""

    def __init__(self, username: str, *, client: GitHubClient | None = None) -> None:
        self.username = username
        self._client = client
        self.data: dict[str, Any] | None = None

    def fetch(self) -> GitHubProfile:
        """``GET /users/{username}``; returns self so calls chain."""
        client = self._client or GitHubClient()
        try:
            self.data = client.get_user(self.username)
        except ApiTimeoutError as exc:
            raise GitHubProfileError(f"Timeout fetching profile for {self.username}") from exc
        except NotFoundError as exc:
            raise GitHubProfileError(f"User '{self.username}' not found") from exc
        except ApiError as exc:
            raise GitHubProfileError(f"API error: {exc}") from exc
        return self

    def summary(self) -> str:
        """``"{name} | {public_repos} repos | {followers} followers | {bio}"``.

        Real payloads carry ``"bio": null`` and sometimes ``"name": null``: the bio then reads
        ``No bio available`` and the name falls back to the login.
        """
        if self.data is None:
            raise GitHubProfileError("Profile not fetched yet. Call fetch() first.")
        data = self.data
        name = data.get("name") or data.get("login") or self.username
        bio = data.get("bio") or "No bio available"
        return f"{name} | {data['public_repos']} repos | {data['followers']} followers | {bio}"

    @property
    def is_prolific(self) -> bool:
        """More than 50 public repositories; False before :meth:`fetch`."""
        return self.data is not None and self.data["public_repos"] > 50
