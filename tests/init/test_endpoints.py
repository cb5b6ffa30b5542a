"""URL templates, endpoint grouping and body kinds (the first step of ``init``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cassette_contracts._cassette import Interaction
from cassette_contracts._endpoints import (
    body_kind,
    group_endpoints,
    host_label,
    is_identifier,
    templates,
)

API = "https://api.example.com"


def interaction(
    uri: str,
    status: int = 200,
    body: bytes = b"{}",
    content_type: str | None = "application/json",
    method: str = "GET",
) -> Interaction:
    return Interaction(
        cassette=Path("c.yaml"),
        index=0,
        line=None,
        method=method,
        uri=uri,
        request_headers={},
        request_body=None,
        status=status,
        response_headers={"Content-Type": [content_type]} if content_type else {},
        response_body=body,
    )


@pytest.mark.parametrize(
    "segment",
    [
        "42",
        "0",
        "123e4567-e89b-12d3-a456-426614174000",
        "9fceb02",
        "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3",
        "2024-01-31",
        "2024-01-31T10:00:00Z",
    ],
)
def test_identifier_like_segments(segment: str) -> None:
    """Numbers, UUIDs, hex digests and dates look like identifiers."""
    assert is_identifier(segment)


@pytest.mark.parametrize("segment", ["users", "octocat", "repos", "deadbeef", "v1", "cafe-2"])
def test_words_are_not_identifiers(segment: str) -> None:
    """Words, and hex-looking words without a digit, are not identifiers."""
    assert not is_identifier(segment)


@pytest.mark.parametrize(
    ("uris", "expected"),
    [
        (
            ["/users/octocat", "/users/torvalds"],
            ["/users/{user}", "/users/{user}"],
        ),
        (
            ["/repos/a/b", "/repos/c/d"],
            ["/repos/{repo_1}/{repo_2}", "/repos/{repo_1}/{repo_2}"],
        ),
        (["/orders/42"], ["/orders/{order}"]),
        (["/categories/7/items"], ["/categories/{category}/items"]),
        (["/users/octocat"], ["/users/octocat"]),
        (
            ["/users/a", "/users/b", "/users/c/repos"],
            ["/users/{user}"] * 2 + ["/users/{user}/repos"],
        ),
        (["/users/a", "/repos/a"], ["/users/a", "/repos/a"]),
        (["/", "/status"], ["/", "/status"]),
        (["/42"], ["/{param}"]),
    ],
)
def test_templates(uris: list[str], expected: list[str]) -> None:
    """Varying or identifier-like segments become parameters named after the segment before."""
    found = templates([API + u for u in uris])
    assert [found[API + u] for u in uris] == [API + e for e in expected]


@pytest.mark.parametrize(
    ("uris", "expected"),
    [
        (
            ["/v1/current/oslo", "/v1/forecast/lisbon", "/v1/stations/OSL-12"],
            ["/v1/current/oslo", "/v1/forecast/lisbon", "/v1/stations/OSL-12"],
        ),
        (
            ["/v1/users/a", "/v1/users/b", "/v1/repos/c"],
            ["/v1/users/{user}", "/v1/users/{user}", "/v1/repos/c"],
        ),
        (
            ["/api/v2/orders/1", "/api/v2/items/2"],
            ["/api/v2/orders/{order}", "/api/v2/items/{item}"],
        ),
        (["/v1beta/models", "/v1beta/files"], ["/v1beta/models", "/v1beta/files"]),
    ],
)
def test_version_prefix_does_not_name_the_resource(uris: list[str], expected: list[str]) -> None:
    """After an `api` / `v1` prefix the next segment names the resource: a literal."""
    found = templates([API + u for u in uris])
    assert [found[API + u] for u in uris] == [API + e for e in expected]


def test_templates_ignore_the_query_and_lower_the_host() -> None:
    """The query string is not part of a template; scheme and host are lower-cased."""
    uri = "HTTPS://API.Example.com/users/1?page=2"
    assert templates([uri]) == {uri: "https://api.example.com/users/{user}"}


def test_group_by_method_template_and_status() -> None:
    """One endpoint per method, URL template and status, with the query parameters seen."""
    endpoints = group_endpoints(
        [
            interaction(f"{API}/users/1?page=2&per_page=5"),
            interaction(f"{API}/users/2"),
            interaction(f"{API}/users/3", status=404),
            interaction(f"{API}/users/3", method="DELETE", status=204, body=b""),
        ]
    )
    assert [(e.method, e.template, e.status, e.query, len(e.interactions)) for e in endpoints] == [
        ("DELETE", f"{API}/users/{{user}}", 204, (), 1),
        ("GET", f"{API}/users/{{user}}", 200, ("page", "per_page"), 2),
        ("GET", f"{API}/users/{{user}}", 404, (), 1),
    ]


@pytest.mark.parametrize(
    ("body", "content_type", "kind"),
    [
        (b'{"a": 1}', "application/json", "json"),
        (b"[1, 2]", None, "json"),
        (b"", "application/json", "empty"),
        (b"data: {}\n\n", "text/event-stream", "event-stream"),
        (b"<html></html>", "text/html", "text"),
        (b"42", "text/plain", "text"),
        (b"\x1f\x8b\x08\x00rest", "application/json", "binary"),
        (b"\x89PNG\r\n\x1a\n\xff", "image/png", "binary"),
    ],
)
def test_body_kind(body: bytes, content_type: str | None, kind: str) -> None:
    """Bodies are JSON, empty, event streams, text or binary."""
    assert body_kind(interaction(f"{API}/x", body=body, content_type=content_type))[0] == kind


@pytest.mark.parametrize(
    ("url", "label"),
    [
        ("https://api.github.com/users", "github"),
        ("https://jsonplaceholder.typicode.com/todos", "jsonplaceholder"),
        ("https://ntfy.sh/", "ntfy"),
        ("http://127.0.0.1:8000/x", "127-0-0-1"),
        ("http://localhost:8000/x", "localhost"),
    ],
)
def test_host_label(url: str, label: str) -> None:
    """Contract names and schema folders start with a short host label."""
    assert host_label(url) == label
