"""The upstream override: cassettes recorded against a local server name the real host."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
import vcr
from pytest_httpserver import HTTPServer
from vcr.request import Request
from werkzeug import Response

from cassette_contracts.errors import UsageError
from cassette_contracts.recording.rehost import Rehost

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1", "localhost"])

LOCAL = "http://127.0.0.1:8123"
REAL = "https://api.github.com"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8123", "https://api.github.com"),
        ("http://127.0.0.1:8123/users/octocat", "https://api.github.com/users/octocat"),
        (
            "http://127.0.0.1:8123/user/1/repos?per_page=20&page=2",
            "https://api.github.com/user/1/repos?per_page=20&page=2",
        ),
        ("HTTP://127.0.0.1:8123/x#frag", "https://api.github.com/x#frag"),
        ("http://127.0.0.1:9999/users/octocat", "http://127.0.0.1:9999/users/octocat"),
        ("http://localhost:8123/users/octocat", "http://localhost:8123/users/octocat"),
        ("https://127.0.0.1:8123/users/octocat", "https://127.0.0.1:8123/users/octocat"),
        ("http://127.0.0.1:81234/users", "http://127.0.0.1:81234/users"),
        ("https://api.github.com/users/octocat", "https://api.github.com/users/octocat"),
    ],
)
def test_url_moves_only_urls_under_the_local_base(url: str, expected: str) -> None:
    """A URL under the local base gets the real base; any other URL is left unchanged."""
    assert Rehost(LOCAL, REAL).url(url) == expected


@pytest.mark.parametrize(
    ("local", "real", "url", "expected"),
    [
        ("http://staging:80/api/", "https://example.com/v1", "http://staging/api/x", "https://example.com/v1/x"),
        ("http://staging/api", "https://example.com/v1", "http://staging:80/api?q=1", "https://example.com/v1?q=1"),
        ("http://staging/api", "https://example.com", "http://staging/apiv2/x", "http://staging/apiv2/x"),
        ("http://Staging.Example:8080", "https://example.com:443", "http://staging.example:8080/a", "https://example.com/a"),
        ("http://[::1]:8080", "https://example.com:8443", "http://[::1]:8080/a", "https://example.com:8443/a"),
    ],
)  # fmt: skip
def test_url_handles_paths_default_ports_and_host_case(
    local: str, real: str, url: str, expected: str
) -> None:
    """Path prefixes match whole segments; default ports and host case do not matter."""
    assert Rehost(local, real).url(url) == expected


def test_text_rewrites_every_link_target() -> None:
    """Every target of a multi-valued ``Link`` header is moved; the rel parts stay."""
    link = (
        '<http://127.0.0.1:8123/user/1/repos?page=1>; rel="prev", '
        '<http://127.0.0.1:8123/user/1/repos?page=3>; rel="next"'
    )
    assert Rehost(LOCAL, REAL).text(link) == (
        '<https://api.github.com/user/1/repos?page=1>; rel="prev", '
        '<https://api.github.com/user/1/repos?page=3>; rel="next"'
    )


@pytest.mark.parametrize(
    ("local", "real", "what"),
    [
        ("127.0.0.1:8123", REAL, "local_base"),
        ("ftp://127.0.0.1", REAL, "local_base"),
        (LOCAL, "https://", "real_base"),
        (LOCAL, "https://api.github.com/?x=1", "real_base"),
        ("http://127.0.0.1:notaport", REAL, "local_base"),
    ],
)
def test_bad_base_urls_are_refused_by_name(local: str, real: str, what: str) -> None:
    """A base that is not an http(s) URL is refused with a message naming which one."""
    with pytest.raises(UsageError, match=what):
        Rehost(local, real)


def test_request_hook_rewrites_uri_and_host_header_on_a_copy() -> None:
    """The request hook moves the URI and a local ``Host`` header, leaving the original alone."""
    original = Request("GET", f"{LOCAL}/users/octocat", None, {"Host": "127.0.0.1:8123"})
    rehosted = Rehost(LOCAL, REAL).before_record_request(original)
    assert (rehosted.uri, rehosted.host, rehosted.headers["Host"]) == (
        "https://api.github.com/users/octocat",
        "api.github.com",
        "api.github.com",
    )
    assert original.uri == f"{LOCAL}/users/octocat"


def test_response_hook_rewrites_url_headers_on_a_copy() -> None:
    """``Link`` and ``Location`` are moved in a copy; other headers and the body are not."""
    response: dict[str, Any] = {
        "status": {"code": 301, "message": "Moved Permanently"},
        "headers": {
            "location": [f"{LOCAL}/repositories/1"],
            "Link": [f'<{LOCAL}/x?page=2>; rel="next"'],
            "X-Echo": [f"{LOCAL}/kept"],
        },
        "body": {"string": f"{LOCAL}/kept-in-body".encode()},
    }
    rehosted = Rehost(LOCAL, REAL).before_record_response(response)
    assert rehosted["headers"] == {
        "location": ["https://api.github.com/repositories/1"],
        "Link": ['<https://api.github.com/x?page=2>; rel="next"'],
        "X-Echo": [f"{LOCAL}/kept"],
    }
    assert rehosted["body"] == response["body"]
    assert response["headers"]["location"] == [f"{LOCAL}/repositories/1"]


def _record_two_pages(httpserver: HTTPServer, cassette: Path) -> tuple[list[Any], Rehost]:
    """Record a client following a ``Link`` from page 1 to page 2 of the local server."""
    base = httpserver.url_for("").rstrip("/")
    httpserver.expect_request("/items", query_string="page=1").respond_with_response(
        Response('["a"]', headers={"Link": f'<{base}/items?page=2>; rel="next"'})
    )
    httpserver.expect_request("/items", query_string="page=2").respond_with_response(
        Response('["b"]', headers={"Location": f"{base}/items/b"})
    )
    rehost = Rehost(base, REAL)
    items: list[Any] = []
    with vcr.use_cassette(
        str(cassette),
        record_mode="all",
        before_record_request=rehost.before_record_request,
        before_record_response=rehost.before_record_response,
    ):
        url: str | None = f"{base}/items?page=1"
        while url:
            response = requests.get(url, timeout=5)
            items.extend(response.json())
            url = response.links.get("next", {}).get("url")
    return items, rehost


def test_recording_against_a_local_server_names_the_real_host(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    """The recorded URIs and ``Link``/``Location`` headers name the real host, not 127.0.0.1."""
    cassette = tmp_path / "pages.yaml"
    _record_two_pages(httpserver, cassette)
    loaded = vcr.cassette.Cassette.load(path=str(cassette), record_mode="none")
    assert [request.uri for request in loaded.requests] == [
        "https://api.github.com/items?page=1",
        "https://api.github.com/items?page=2",
    ]
    first, second = loaded.responses
    assert first["headers"]["Link"] == ['<https://api.github.com/items?page=2>; rel="next"']
    assert second["headers"]["Location"] == ["https://api.github.com/items/b"]
    assert "127.0.0.1" not in cassette.read_text()


def test_the_client_follows_local_links_while_recording(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    """Rewriting the recorded copy leaves the live response alone: page 2 comes from 127.0.0.1."""
    items, _ = _record_two_pages(httpserver, tmp_path / "pages.yaml")
    assert items == ["a", "b"]
    assert [entry[0].query_string for entry in httpserver.log] == [b"page=1", b"page=2"]


def test_the_rehosted_cassette_replays_for_the_real_url(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    """A client talking to the real host replays the cassette, following the rewritten link."""
    cassette = tmp_path / "pages.yaml"
    _record_two_pages(httpserver, cassette)
    httpserver.clear()
    items: list[Any] = []
    with vcr.use_cassette(str(cassette), record_mode="none"):
        url: str | None = f"{REAL}/items?page=1"
        while url:
            response = requests.get(url, timeout=5)
            items.extend(response.json())
            url = response.links.get("next", {}).get("url")
    assert items == ["a", "b"]
    assert httpserver.log == []


def test_the_rehosted_cassette_replays_for_the_local_url_with_the_hook(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    """With the request hook on, a client still pointed at the local base replays too."""
    cassette = tmp_path / "pages.yaml"
    _, rehost = _record_two_pages(httpserver, cassette)
    local = rehost.local_base
    httpserver.clear()
    with vcr.use_cassette(
        str(cassette), record_mode="none", before_record_request=rehost.before_record_request
    ):
        response = requests.get(f"{local}/items?page=1", timeout=5)
    assert response.json() == ["a"]
    assert httpserver.log == []
