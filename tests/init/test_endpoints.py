"""URL templates, endpoint grouping and body kinds (the first step of ``init``)."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest

from cassette_contracts.cassettes.interaction import Interaction
from cassette_contracts.init.endpoints import (
    group_endpoints,
    host_label,
    is_identifier,
    read_body,
    templates,
)

API = "https://api.example.com"


def interaction(
    uri: str,
    status: int = 200,
    body: bytes = b"{}",
    content_type: str | None = "application/json",
    method: str = "GET",
    encoding: str | None = None,
) -> Interaction:
    headers = {"Content-Type": [content_type]} if content_type else {}
    if encoding:
        headers["Content-Encoding"] = [encoding]
    return Interaction(
        cassette=Path("c.yaml"),
        index=0,
        line=None,
        method=method,
        uri=uri,
        request_headers={},
        request_body=None,
        status=status,
        response_headers=headers,
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
        "1149868003661684736.json",
        "750362064426721281-1072250532645998596",
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
        (
            ["/2/tweets/1", "/2/users/2", "/2/users/me"],
            ["/2/tweets/{tweet}", "/2/users/{user}", "/2/users/{user}"],
        ),
        (
            ["/v1/chat/completions", "/v1/embeddings/x"],
            ["/v1/chat/completions", "/v1/embeddings/x"],
        ),
        (["/api/users/a", "/api/repos/b"], ["/api/users/a", "/api/repos/b"]),
        (
            ["/1.1/statuses/show.json", "/1.1/statuses/home_timeline.json"],
            ["/1.1/statuses/show.json", "/1.1/statuses/home_timeline.json"],
        ),
        (["/1.1/geo/id/1ffd3558f2e98349.json"], ["/1.1/geo/id/{id}"]),
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
    ("body", "content_type", "encoding", "kind", "payloads"),
    [
        (b'{"a": 1}', "application/json", None, "json", ({"a": 1},)),
        (b"[1, 2]", None, None, "json", ([1, 2],)),
        (gzip.compress(b'{"a": 1}', mtime=0), "application/json", "gzip", "json", ({"a": 1},)),
        (b'{"a": 1}', "application/json; charset=utf-8", "gzip", "json", ({"a": 1},)),
        (b"", "application/json", None, "empty", ()),
        (
            b'data: {"a": 1}\n\ndata: [DONE]\n\n',
            "text/event-stream",
            None,
            "event-stream",
            ({"a": 1},),
        ),
        (b'{"a": 1}\n{"a": 2}\n', "application/x-ndjson", None, "ndjson", ({"a": 1}, {"a": 2})),
        (b"<html></html>", "text/html", None, "text", ()),
        (b"42", "text/plain", None, "text", ()),
        (b"\x89PNG\r\n\x1a\n\xff", "image/png", None, "binary", ()),
    ],
)
def test_read_body(
    body: bytes, content_type: str | None, encoding: str | None, kind: str, payloads: Any
) -> None:
    """Bodies are read as a client reads them: gzip undone, kind told, every event's JSON."""
    found = read_body(
        interaction(f"{API}/x", body=body, content_type=content_type, encoding=encoding)
    )
    assert (found.kind, found.payloads) == (kind, payloads)


def test_read_body_keeps_the_media_type() -> None:
    """The recorded media type, without parameters, goes with a text or binary body."""
    found = read_body(interaction(f"{API}/x", body=b"x", content_type="Text/CSV; charset=utf-8"))
    assert (found.kind, found.media_type) == ("text", "text/csv")


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
