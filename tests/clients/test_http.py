"""What every client shares: base URL overrides, faults, and rate limits, without any network."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from api_clients import ApiConnectionError, ApiTimeoutError, RateLimitedError, UpstreamError
from api_clients._http import HttpClient
from api_clients.github import GitHubClient
from api_clients.jsonplaceholder import JSONPlaceholderClient, get_user
from api_clients.notifications import NtfyClient

from .conftest import loopback

CLIENT = "github"

pytestmark = loopback


def test_timeout_names_the_request(stalling_server: str) -> None:
    """A stalled upstream raises ApiTimeoutError naming method, URL and timeout."""
    client = GitHubClient(stalling_server, timeout=0.2)
    with pytest.raises(
        ApiTimeoutError, match=r"GET http://127\.0\.0\.1:\d+/repos/o/r timed out after 0\.2 s"
    ):
        client.get_repo("o", "r")


def test_connection_refused_is_a_connection_error(closed_port: str) -> None:
    """Nothing listening raises ApiConnectionError naming the request."""
    with pytest.raises(
        ApiConnectionError, match=r"GET http://127\.0\.0\.1:\d+/users/1 failed to connect"
    ):
        JSONPlaceholderClient(closed_port).get_user(1)


def test_connection_reset_is_a_connection_error(resetting_server: str) -> None:
    """A connection reset mid-request raises ApiConnectionError."""
    with pytest.raises(ApiConnectionError, match=r"GET http://127\.0\.0\.1:\d+/users/1"):
        JSONPlaceholderClient(resetting_server).get_user(1)


def test_base_url_from_environment(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """JSONPLACEHOLDER_URL points the client at another server."""
    monkeypatch.setenv("JSONPLACEHOLDER_URL", httpserver.url_for("/"))
    httpserver.expect_request("/users/1").respond_with_json({"id": 1})
    assert get_user(1) == {"id": 1}


def test_base_url_argument_beats_environment(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, closed_port: str
) -> None:
    """An explicit base_url wins over the environment variable."""
    monkeypatch.setenv("GITHUB_API_URL", closed_port)
    httpserver.expect_request("/repos/o/r").respond_with_json({"stargazers_count": 1})
    assert GitHubClient(httpserver.url_for("")).get_repo("o", "r")["stargazers_count"] == 1


def test_unexpected_status_is_upstream_error_with_status_and_body(httpserver: HTTPServer) -> None:
    """A 502 raises UpstreamError carrying status and body."""
    httpserver.expect_request("/x").respond_with_data("bad gateway", status=502)
    with pytest.raises(UpstreamError, match="returned 502: bad gateway") as info:
        HttpClient(httpserver.url_for(""), timeout=5).get("/x")
    assert info.value.status == 502


def test_rate_limit_waits_once_within_the_bound_then_succeeds(httpserver: HTTPServer) -> None:
    """A 429 with Retry-After: 1 is retried once after sleeping, when the bound allows it."""
    httpserver.expect_ordered_request("/x").respond_with_json(
        {"message": "slow down"}, status=429, headers={"Retry-After": "1"}
    )
    httpserver.expect_ordered_request("/x").respond_with_json({"ok": True})
    slept: list[float] = []
    client = HttpClient(
        httpserver.url_for(""), timeout=5, max_rate_limit_wait=5, sleep=slept.append
    )
    assert client.get_json("/x") == {"ok": True}
    assert len(slept) == 1
    assert 0 < slept[0] <= 1


def test_rate_limit_past_the_bound_raises_without_waiting(httpserver: HTTPServer) -> None:
    """A reset further away than the bound raises RateLimitedError at once, no retry."""
    httpserver.expect_request("/x").respond_with_json(
        {"message": "API rate limit exceeded"},
        status=403,
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "4102444800"},
    )
    slept: list[float] = []
    client = HttpClient(
        httpserver.url_for(""), timeout=5, max_rate_limit_wait=5, sleep=slept.append
    )
    with pytest.raises(RateLimitedError, match="retry after 2100-01-01T00:00:00"):
        client.get("/x")
    assert slept == []
    assert len(httpserver.log) == 1


def test_rate_limit_waits_at_most_once(httpserver: HTTPServer) -> None:
    """A second 429 after the one wait raises: the upstream is never hammered."""
    httpserver.expect_request("/x").respond_with_json(
        {"message": "slow down"}, status=429, headers={"Retry-After": "0"}
    )
    client = HttpClient(
        httpserver.url_for(""), timeout=5, max_rate_limit_wait=5, sleep=lambda _s: None
    )
    with pytest.raises(RateLimitedError):
        client.get("/x")
    assert len(httpserver.log) == 2


def test_rate_limit_wait_bound_from_environment(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """API_CLIENTS_MAX_RATE_LIMIT_WAIT sets the bound when no argument is given."""
    monkeypatch.setenv("API_CLIENTS_MAX_RATE_LIMIT_WAIT", "7.5")
    assert HttpClient(httpserver.url_for(""), timeout=5).max_rate_limit_wait == 7.5


@pytest.mark.parametrize(
    ("env", "passed", "expected"),
    [
        pytest.param(None, None, 10.0, id="default"),
        pytest.param("0.5", None, 0.5, id="from-environment"),
        pytest.param("0.5", 3.0, 3.0, id="argument-wins"),
        pytest.param("soon", None, 10.0, id="not-a-number"),
        pytest.param("0", None, 10.0, id="not-positive"),
    ],
)
def test_timeout_from_environment(
    monkeypatch: pytest.MonkeyPatch, env: str | None, passed: float | None, expected: float
) -> None:
    """API_CLIENTS_TIMEOUT sets a client's timeout when none is passed; junk is ignored."""
    if env is None:
        monkeypatch.delenv("API_CLIENTS_TIMEOUT", raising=False)
    else:
        monkeypatch.setenv("API_CLIENTS_TIMEOUT", env)
    assert GitHubClient("http://127.0.0.1:9", timeout=passed).http.timeout == expected
    assert JSONPlaceholderClient("http://127.0.0.1:9", timeout=passed).http.timeout == expected


def test_ntfy_timeout_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ntfy client takes API_CLIENTS_TIMEOUT too, in place of its own 5 s."""
    monkeypatch.setenv("API_CLIENTS_TIMEOUT", "0.5")
    assert NtfyClient("http://127.0.0.1:9").http.timeout == 0.5
