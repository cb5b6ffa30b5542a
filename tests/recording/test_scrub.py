"""Scrubbing: secrets are replaced before vcrpy writes anything, the recording keeps its shape."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
import requests
import vcr
import yaml
from pytest_httpserver import HTTPServer
from vcr.request import Request
from werkzeug import Response

from cassette_contracts.recording.scan import scan
from cassette_contracts.recording.scrub import (
    PLACEHOLDER,
    Scrubber,
    is_secret_name,
    scrub_request,
    scrub_response,
)

TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"


def make_request(
    uri: str = "https://api.github.com/user",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Request:
    return Request("GET", uri, body, headers or {})


def make_response(body: bytes, headers: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {
        "status": {"code": 200, "message": "OK"},
        "headers": headers or {"Content-Type": ["application/json; charset=utf-8"]},
        "body": {"string": body},
    }


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("Authorization", f"token {TOKEN}", f"token {PLACEHOLDER}"),
        ("Authorization", "Bearer abc.def.ghi", f"Bearer {PLACEHOLDER}"),
        ("authorization", "Basic dXNlcjpwYXNz", f"Basic {PLACEHOLDER}"),
        ("Proxy-Authorization", "Basic dXNlcjpwYXNz", f"Basic {PLACEHOLDER}"),
        ("Cookie", "session=s3cr3t; theme=dark", PLACEHOLDER),
        ("X-Api-Key", "k-123456", PLACEHOLDER),
        ("X-Ntfy-Token", "tk_abcdef", PLACEHOLDER),
    ],
)
def test_sensitive_request_header_is_redacted_but_kept(
    name: str, value: str, expected: str
) -> None:
    """A credential header stays present with its auth scheme, its value is replaced."""
    request = scrub_request(make_request(headers={name: value, "Accept": "application/json"}))
    assert request.headers[name] == expected
    assert request.headers["Accept"] == "application/json"


def test_set_cookie_response_header_is_redacted() -> None:
    """Set-Cookie values in a response are replaced, the header stays."""
    response = scrub_response(
        make_response(b"{}", {"Set-Cookie": ["_gh_sess=abc123; Path=/; HttpOnly"]})
    )
    assert response["headers"]["Set-Cookie"] == [PLACEHOLDER]


@pytest.mark.parametrize(
    "param", ["access_token", "token", "api_key", "key", "client_secret", "sig"]
)
def test_token_query_parameter_is_redacted(param: str) -> None:
    """A credential query parameter keeps its name and loses its value; others are untouched."""
    request = scrub_request(
        make_request(f"https://api.example.test/items?page=2&{param}=s3cr3tvalue&per_page=5")
    )
    assert "s3cr3tvalue" not in request.uri
    assert dict(request.query)[param] == PLACEHOLDER
    assert "page=2&" in request.uri
    assert request.uri.endswith("&per_page=5")


def test_url_password_is_redacted() -> None:
    """``user:password@host`` keeps the user and loses the password."""
    request = scrub_request(make_request("https://bob:hunter22@api.example.test/x"))
    assert "hunter22" not in request.uri
    assert request.uri.startswith("https://bob:")


@pytest.mark.parametrize(
    "name",
    ["token", "access_token", "refresh_token", "client_secret", "password", "api_key", "apiKey"],
)
def test_secret_json_field_is_redacted_at_any_depth(name: str) -> None:
    """A key-like JSON member is redacted however deep it sits, in a response body."""
    payload = {"data": [{"auth": {name: "v4lue-0f-the-secret"}, "login": "octocat"}]}
    response = scrub_response(make_response(json.dumps(payload).encode()))
    scrubbed = json.loads(response["body"]["string"])
    assert scrubbed["data"][0]["auth"][name] == PLACEHOLDER
    assert scrubbed["data"][0]["login"] == "octocat"


def test_request_json_body_is_scrubbed_and_stays_json() -> None:
    """A request body with a password field is still valid JSON with the same keys."""
    body = json.dumps({"username": "bob", "password": "pa55word!", "remember": True}).encode()
    request = scrub_request(make_request(body=body, headers={"Content-Type": "application/json"}))
    assert json.loads(request.body) == {
        "username": "bob",
        "password": PLACEHOLDER,
        "remember": True,
    }


def test_non_string_secret_field_keeps_its_type() -> None:
    """Booleans and nulls under a key-like name are kept: types must not change."""
    payload = {"token": None, "secret": False}
    response = scrub_response(make_response(json.dumps(payload).encode()))
    assert json.loads(response["body"]["string"]) == payload


def test_untouched_body_keeps_its_bytes() -> None:
    """A body without secrets is returned byte for byte (no reformatting)."""
    body = b'{ "login" : "octocat",\n  "id": 1 }'
    response = scrub_response(make_response(body))
    assert response["body"]["string"] == body


def test_gzip_body_is_decoded_then_scrubbed() -> None:
    """A gzip body is decompressed (as vcrpy's decode_compressed_response) and scrubbed."""
    raw = gzip.compress(json.dumps({"token": "abcdefgh12345678"}).encode())
    response = scrub_response(
        make_response(raw, {"Content-Type": ["application/json"], "Content-Encoding": ["gzip"]})
    )
    assert json.loads(response["body"]["string"]) == {"token": PLACEHOLDER}
    assert "Content-Encoding" not in response["headers"]


def test_form_body_field_is_redacted() -> None:
    """An urlencoded form body loses its client_secret value."""
    request = scrub_request(
        make_request(
            body=b"grant_type=refresh&client_secret=abc123xyz&client_id=app",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    )
    assert b"abc123xyz" not in request.body
    assert request.body.startswith(b"grant_type=refresh&client_secret=")


def test_literal_env_secret_is_replaced_everywhere() -> None:
    """A known secret value is replaced in URL path, headers and bodies alike."""
    secret = "ntfy-tk-9f8e7d6c5b4a"
    scrubber = Scrubber([secret])
    request = scrubber.request(
        make_request(
            f"https://ntfy.example.test/{secret}/publish",
            body=f"message with {secret} inside".encode(),
            headers={"X-Trace": f"t-{secret}"},
        )
    )
    response = scrubber.response(make_response(json.dumps({"echo": f"got {secret}"}).encode()))
    everything = request.uri + str(request.body) + request.headers["X-Trace"]
    everything += response["body"]["string"].decode()
    assert secret not in everything
    assert PLACEHOLDER in request.headers["X-Trace"]


def test_from_environ_picks_secret_variables_only() -> None:
    """GITHUB_TOKEN, NTFY_TOKEN and *_TOKEN/_SECRET/_KEY/_PASSWORD are secrets; others not."""
    environ = {
        "GITHUB_TOKEN": "ghp_value_long_enough",
        "NTFY_TOKEN": "tk_value_long_enough",
        "MY_SERVICE_SECRET": "secret-value-123",
        "AWS_ACCESS_KEY": "AKIAEXAMPLEKEY123",
        "DB_PASSWORD": "db-pass-12345",
        "HOME": "/home/someone/long/path",
        "SHORT_TOKEN": "abc",
    }
    assert set(Scrubber.from_environ(environ).secrets) == {
        "ghp_value_long_enough",
        "tk_value_long_enough",
        "secret-value-123",
        "AKIAEXAMPLEKEY123",
        "db-pass-12345",
    }


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("token", True),
        ("access_token", True),
        ("clientSecret", True),
        ("api-key", True),
        ("password", True),
        ("node_id", False),
        ("gravatar_id", False),
        ("keys_url", False),
        ("token_type", False),
        ("sha", False),
        ("key", False),
    ],
)
def test_secret_name_rules(name: str, expected: bool) -> None:
    """Key-like names are recognised; GitHub's ordinary members are not."""
    assert is_secret_name(name) is expected


def scrubbing_recorder(secret: str) -> vcr.VCR:
    """vcrpy recording everything, with the scrubber (knowing ``secret``) as its hooks."""
    scrubber = Scrubber([secret])
    return vcr.VCR(
        record_mode="all",
        before_record_request=scrubber.request,
        before_record_response=scrubber.response,
    )


@pytest.mark.block_network(allowed_hosts=["127.0.0.1", "localhost"])
def test_recorded_cassette_holds_no_secret(httpserver: HTTPServer, tmp_path: Path) -> None:
    """Recording through vcrpy with the hooks writes a cassette that scan() finds clean
    (header names included)."""
    secret = "env-secret-" + "Zq8Wm3Xr7Tn2Kp5Lv9"
    httpserver.expect_request("/user").respond_with_response(
        Response(
            json.dumps({"login": "octocat", "token": TOKEN, "note": f"key {secret}"}),
            headers={"Set-Cookie": "sess=abcdef123456; Path=/", f"X-Seen-{TOKEN}": "1"},
            content_type="application/json",
        )
    )
    recorder = scrubbing_recorder(secret)
    cassette = tmp_path / "user.yaml"
    with recorder.use_cassette(str(cassette)):
        got = requests.get(
            httpserver.url_for("/user") + f"?access_token={secret}",
            headers={"Authorization": f"token {TOKEN}", f"X-{secret}": "1"},
            timeout=5,
        )
    assert got.json()["token"] == TOKEN  # the live caller still sees the real data
    text = cassette.read_text()
    assert TOKEN not in text
    assert secret not in text
    assert "Authorization" in text
    assert scan([cassette], secrets=[secret]) == []


@pytest.mark.parametrize(
    ("body", "secret"),
    [
        (f'{{"a": "{TOKEN}", "a": "x"}}', "ghp_A1b2"),
        ('{"password": "hunter2hunter2xx", "password": "x"}', "hunter2hunter2xx"),
    ],
    ids=["token", "named"],
)
def test_a_repeated_member_name_hides_no_value(body: str, secret: str) -> None:
    """JSON keeps only the last of two members with one name; the first value is redacted
    all the same (the body is then read as text)."""
    scrubbed = Scrubber().scrub_body(body.encode(), "application/json")
    assert secret not in scrubbed.decode()


def test_a_token_as_a_header_name_is_redacted_and_its_value_kept() -> None:
    """A token, or a known secret, used as a request or response header name is replaced in
    the name; the header and its value stay, and scan finds nothing in what is recorded."""
    secret = "ntfy-tk-9f8e7d6c5b4a"
    scrubber = Scrubber([secret])
    request = scrubber.request(make_request(headers={TOKEN: "1", f"X-{secret}": "2"}))
    response = scrubber.response(
        make_response(b"{}", {f"X-Seen-{TOKEN}": ["3"], "Content-Type": ["application/json"]})
    )
    assert dict(request.headers) == {PLACEHOLDER: "1", f"X-{PLACEHOLDER}": "2"}
    # a token-shaped word is replaced whole (as in a JSON member name), a known secret exactly
    assert response["headers"] == {PLACEHOLDER: ["3"], "Content-Type": ["application/json"]}


def test_two_header_names_redacted_alike_keep_both_values() -> None:
    """Two header names that read the same once redacted: no value is lost."""
    other = "ghp_" + "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa"
    request = scrub_request(make_request(headers={TOKEN: "1", other: "2"}))
    response = scrub_response(make_response(b"{}", {TOKEN: ["3"], other: ["4"]}))
    assert dict(request.headers) == {PLACEHOLDER: "1, 2"}
    assert response["headers"] == {PLACEHOLDER: ["3", "4"]}


def test_a_known_secret_in_a_header_name_is_redacted_in_any_letter_case() -> None:
    """httpx records header names in lower case: a known secret there is still redacted."""
    secret = "Env-Secret-" + "Zq8Wm3Xr7Tn2Kp5Lv9"
    request = Scrubber([secret]).request(make_request(headers={f"x-{secret.lower()}": "1"}))
    assert dict(request.headers) == {f"x-{PLACEHOLDER}": "1"}


@pytest.mark.block_network(allowed_hosts=["127.0.0.1", "localhost"])
def test_a_recording_through_httpx_holds_no_known_secret_in_any_case(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    """Recording through httpx (lower-case header names) writes no known secret, in any letter
    case, and scan finds the cassette clean."""
    import httpx

    secret = "Env-Secret-" + "Zq8Wm3Xr7Tn2Kp5Lv9"
    httpserver.expect_request("/user").respond_with_response(
        Response("{}", headers={f"X-Echo-{secret}": "1"}, content_type="application/json")
    )
    recorder = scrubbing_recorder(secret)
    cassette = tmp_path / "user.yaml"
    with recorder.use_cassette(str(cassette)), httpx.Client() as client:
        client.get(httpserver.url_for("/user"), headers={f"X-{secret}": "1"})
    text = cassette.read_text()
    assert secret.lower() not in text.lower()
    assert scan([cassette], secrets=[secret]) == []


def test_two_bytes_values_of_redacted_names_join_as_text() -> None:
    """Two request headers whose names read the same once redacted, with bytes values (which
    requests accepts): both values kept as text."""
    other = "ghp_" + "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa"
    request = scrub_request(make_request(headers={TOKEN: b"v1", other: b"v2"}))  # type: ignore[dict-item]
    assert dict(request.headers) == {PLACEHOLDER: "v1, v2"}


def test_response_headers_as_pairs_are_scrubbed() -> None:
    """vcrpy's tornado stub records response headers as (name, values) pairs: scrubbed, not
    a crash; the headers replay the same."""
    response = scrub_response(
        {
            "status": {"code": 200, "message": "OK"},
            "headers": [("Set-Cookie", ["s=abcdef123456"]), (f"X-{TOKEN}", ["1"])],
            "body": {"string": b"{}"},
        }
    )
    assert response["headers"] == {"Set-Cookie": [PLACEHOLDER], PLACEHOLDER: ["1"]}


def test_two_known_secrets_that_overlap_are_redacted_whole() -> None:
    """Two known secrets sharing a stretch of text: no part of either stays."""
    first, second = "Zq8Wm3Xr7Tn2Kp5L", "Kp5Lv9Qs4Yd6Hj2"
    scrubber = Scrubber([first, second])
    assert scrubber.scrub_header_name(f"X-{first}v9Qs4Yd6Hj2") == f"X-{PLACEHOLDER}"
    body = scrubber.scrub_body(f"id {first}v9Qs4Yd6Hj2 end".encode(), "text/plain")
    assert body == f"id {PLACEHOLDER} end".encode()


@pytest.mark.block_network(allowed_hosts=["127.0.0.1", "localhost"])
def test_bytes_header_names_and_values_are_scrubbed(httpserver: HTTPServer, tmp_path: Path) -> None:
    """requests sends bytes header values and http.client bytes names: a token or a known
    secret in either is redacted before the cassette is written, and scan finds it clean."""
    import http.client

    secret = "env-secret-" + "Zq8Wm3Xr7Tn2Kp5Lv9"
    httpserver.expect_request("/user").respond_with_data("{}", content_type="application/json")
    cassette = tmp_path / "user.yaml"
    with scrubbing_recorder(secret).use_cassette(str(cassette)):
        requests.get(
            httpserver.url_for("/user"),
            headers={"Authorization": f"token {TOKEN}".encode(), "X-Key": secret.encode()},
            timeout=5,
        )
        connection = http.client.HTTPConnection(httpserver.host, httpserver.port, timeout=5)
        connection.putrequest("GET", "/user")
        connection.putheader(f"X-{secret}".encode(), b"1")
        connection.endheaders()
        connection.getresponse().read()
        connection.close()
    recorded = []  # every request header name and value, bytes (!!binary) decoded
    for interaction in yaml.safe_load(cassette.read_text())["interactions"]:
        for name, values in interaction["request"]["headers"].items():
            recorded += [name, *values]
    texts = [v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in recorded]
    assert f"X-{PLACEHOLDER}" in texts
    assert not [t for t in texts if TOKEN in t or secret in t]
    assert scan([cassette], secrets=[secret]) == []
