#!/usr/bin/env python3
"""Build the committed cassettes in ``cassettes/`` from the real recordings in the repository.

Maintainer tool; tests never run it. For every cassette it serves the real response(s) from a
local server on 127.0.0.1, runs the REAL client code of ``src/api_clients/`` against that server
inside ``vcr.use_cassette(record_mode="all", decode_compressed_response=True)`` with the
upstream-override hooks of ``cassette_contracts.recording.rehost`` (so the cassette names the
real host),
and stores a ``provenance`` mapping in the cassette's ``metadata``.

Sources (all inside the repository; nothing outside it is read):

- GitHub: ``tests/data/realdata/github/`` (bodies + ``.meta.json`` of real api.github.com
  responses recorded by PyGithub, github3.py and hub4j/github-api), served by pytest-httpserver
  with their recorded status and headers;
- JSONPlaceholder: a local json-server 0.17 over ``tests/data/realdata/jsonplaceholder/data.json``
  (the file the live service serves). Install it first, outside the repository::

      (cd "$(mktemp -d)" && npm install json-server@0.17 && pwd)

  and pass ``--json-server <that dir>/node_modules/.bin/json-server`` (or set ``JSON_SERVER``);
- ntfy: no recording exists; the response is ntfy's documented message JSON, echoing the
  request's topic/message/priority, and the provenance says so.

Usage::

    .venv/bin/python tools/build_cassettes.py --json-server /tmp/x/node_modules/.bin/json-server
    .venv/bin/python tools/build_cassettes.py --only github/user_jacquev6  # one cassette

Re-running gives byte-identical cassettes (no build timestamp is stored).
"""

from __future__ import annotations

import argparse
import contextlib
import email.utils
import functools
import hashlib
import json
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import vcr  # noqa: E402
import yaml  # noqa: E402
from pytest_httpserver import HTTPServer  # noqa: E402
from vcr.serializers import yamlserializer  # noqa: E402
from werkzeug import Request, Response  # noqa: E402

from api_clients import errors as api_errors  # noqa: E402
from api_clients import github, jsonplaceholder, notifications  # noqa: E402
from cassette_contracts.recording.rehost import Rehost  # noqa: E402

REALDATA = REPO / "tests" / "data" / "realdata"
CASSETTES = REPO / "cassettes"
TOOL = "tools/build_cassettes.py"

GITHUB_API = "https://api.github.com"
JSONPLACEHOLDER = "https://jsonplaceholder.typicode.com"
NTFY = "https://ntfy.sh"

#: Served bodies are decoded, so the recorded transfer/encoding headers no longer apply.
DROPPED_HEADERS = ("Content-Encoding", "Transfer-Encoding", "Content-Length")
#: Headers of a local json-server answer that change on every run (kept out of cassettes).
VOLATILE_HEADERS = ("Date", "Connection", "Keep-Alive")

NTFY_DOCS = {
    "page": "https://docs.ntfy.sh/subscribe/api/#json-message-format",
    "source_project": "binwiederhier/ntfy",
    "source_file": "docs/subscribe/api.md",
    "publish_page": "https://docs.ntfy.sh/publish/#publish-as-json",
}
# The two "Notification message" examples of NTFY_DOCS["page"]: id, time, expires.
NTFY_EXAMPLES = {
    "publish": ("Notification message (minimal)", "wze9zgqK41", 1638542110, 1638543112),
    "publish_urgent": ("Notification message", "sPs71M8A2T", 1643935928, 1643936928),
}
NTFY_TOPIC = "cassette-contracts-alerts"
NTFY_EMAIL = "alice@example.com"
NTFY_MESSAGES = {
    "publish": ("Your weekly report is ready", False),
    "publish_urgent": ("Disk usage on db-1 is above 95%", True),
}


class BuildError(Exception):
    """The build cannot go on; the message says which cassette and why."""


# --------------------------------------------------------------------------------------------
# Readable YAML: bodies as block text.


class _ReadableDumper(yamlserializer._CassetteDumper):  # type: ignore[misc]
    """vcrpy's safe dumper, writing multi-line strings (bodies) as ``|`` block text."""


def _represent_str(dumper: yaml.BaseDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_ReadableDumper.add_representer(str, _represent_str)


class ReadableYamlSerializer:
    """vcrpy serializer: plain vcrpy YAML, with bodies as block text and keys in vcrpy's order."""

    @staticmethod
    def serialize(cassette_dict: dict[str, Any]) -> str:
        text: str = yaml.dump(
            cassette_dict, Dumper=_ReadableDumper, allow_unicode=True, sort_keys=False, width=120
        )
        return text

    @staticmethod
    def deserialize(cassette_string: str) -> Any:
        return yamlserializer.deserialize(cassette_string)


# --------------------------------------------------------------------------------------------
# Real recordings and what the local server serves.


@dataclass
class Recording:
    """One real response: ``tests/data/realdata/<rel>.json`` and its ``.meta.json``."""

    rel: str
    body: bytes
    meta: dict[str, Any]

    @classmethod
    def load(cls, rel: str) -> Recording:
        body_path = REALDATA / f"{rel}.json"
        meta_path = REALDATA / f"{rel}.meta.json"
        try:
            body = body_path.read_bytes()
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BuildError(f"cannot read the recording {rel}: {exc}") from exc
        return cls(rel, body, meta)

    @property
    def recorded_at(self) -> datetime:
        return datetime.strptime(self.meta["recorded_at"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=timezone.utc
        )

    def source(self) -> dict[str, Any]:
        """The provenance of this recording, from its ``.meta.json``."""
        meta = self.meta
        return {
            "source_project": meta["source_repo"],
            "source_file": meta["file_path"],
            "source_commit": meta["commit"],
            "source_commit_date": meta["commit_date"],
            "source_interaction_index": meta["interaction_index"],
            "recorder": meta["recorder"],
            "recorded_at": meta["recorded_at"],
            "recorded_at_from": meta["date_source"],
            "original_request": f"{meta['method']} {meta['url']}",
            "original_status": meta["status"],
            "original_body_sha256": hashlib.sha256(self.body).hexdigest(),
            "copy_in_repository": f"tests/data/realdata/{self.rel}.json",
        }


@dataclass
class Served:
    """A response the local server gives, and the edits made to the recording to get it."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    edits: list[str] = field(default_factory=list)


def pretty_json(body: bytes) -> bytes:
    """The JSON re-indented by 2 spaces; values and key order unchanged."""
    return json.dumps(json.loads(body), indent=2, ensure_ascii=False).encode("utf-8")


_WIREMOCK_NOW = re.compile(r"\{\{\s*now\b(?P<args>[^}]*)\}\}")
_WIREMOCK_ARG = re.compile(r"(\w+)='([^']*)'")
_OFFSET = re.compile(r"^\s*([+-]?\d+)\s+(second|minute|hour|day)s?\s*$")


def render_wiremock_now(value: str, at: datetime) -> str:
    """A WireMock ``{{now offset=... format=...}}`` template rendered at ``at`` + offset."""

    def render(match: re.Match[str]) -> str:
        args = dict(_WIREMOCK_ARG.findall(match.group("args")))
        moment = at
        if "offset" in args:
            offset = _OFFSET.match(args["offset"])
            if offset is None:
                raise BuildError(f"unsupported WireMock offset {args['offset']!r} in {value!r}")
            moment += timedelta(**{f"{offset.group(2)}s": int(offset.group(1))})
        if args.get("timezone", "GMT").upper() not in {"GMT", "UTC"}:
            raise BuildError(f"unsupported WireMock timezone in {value!r}")
        fmt = args.get("format")
        if fmt == "unix":
            return str(int(moment.timestamp()))
        if fmt == "EEE, dd MMM yyyy HH:mm:ss z":
            return email.utils.format_datetime(moment, usegmt=True)
        if fmt is None:
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        raise BuildError(f"unsupported WireMock format {fmt!r} in {value!r}")

    return _WIREMOCK_NOW.sub(render, value)


def serve_recording(recording: Recording, *, body: bytes | None = None) -> Served:
    """The recording as served: its status and headers, body decoded and re-indented."""
    edits: list[str] = []
    dropped = [
        f"{name}: {value}"
        for name, value in recording.meta["response_headers"]
        if name.lower() in {h.lower() for h in DROPPED_HEADERS}
    ]
    if dropped:
        edits.append(f"dropped {', '.join(dropped)}: the body is stored decoded")
    headers: list[tuple[str, str]] = []
    for name, value in recording.meta["response_headers"]:
        if name.lower() in {h.lower() for h in DROPPED_HEADERS}:
            continue
        if "{{" in value:
            rendered = render_wiremock_now(value, recording.recorded_at)
            edits.append(
                f"header {name}: the WireMock template {value!r} that"
                f" {recording.meta['source_repo']} put in the recording (GitHub sends a concrete"
                f" value) replaced by {rendered!r},"
                f" the template rendered at recorded_at {recording.meta['recorded_at']} (from"
                f" {recording.meta['date_source']}) plus its offset"
            )
            value = rendered
        headers.append((name, value))
    if body is None:
        body = pretty_json(recording.body)
        edits.append(
            "body re-indented (JSON, 2 spaces) so the cassette reads as block text; values and"
            " key order unchanged (original_body_sha256 is the body as recorded)"
        )
    return Served(recording.meta["status"], headers, body, edits)


# --------------------------------------------------------------------------------------------
# Keeping server artefacts out of the cassette.


class ServedHeadersOnly:
    """vcrpy hooks: the cassette keeps the headers the tool served, not the local server's own.

    pytest-httpserver (werkzeug) adds ``Server``, ``Date``, ``Content-Length`` or ``Connection``
    when the served response has none; those describe the local server, not the upstream. For a
    request the tool set up, only the served ``(name, value)`` pairs are kept (and a served
    header that did not arrive is an error); for any other (json-server's answers), the
    per-run headers ``VOLATILE_HEADERS`` are dropped.
    """

    def __init__(self) -> None:
        self.expected: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self._current: tuple[str, str] | None = None

    @staticmethod
    def key(method: str, url: str) -> tuple[str, str]:
        parts = urlsplit(url)
        return method.upper(), parts.path + (f"?{parts.query}" if parts.query else "")

    def expect(self, method: str, path_and_query: str, served: Served) -> None:
        self.expected[self.key(method, path_and_query)] = served.headers

    def before_record_request(self, request: Any) -> Any:
        self._current = self.key(request.method, request.uri)
        return request

    def before_record_response(self, response: dict[str, Any]) -> dict[str, Any]:
        headers: dict[str, list[str]] = response["headers"]
        served = self.expected.get(self._current) if self._current else None
        if served is None:
            volatile = {name.lower() for name in VOLATILE_HEADERS}
            # vcrpy collects header names through a set: sort them so rebuilds are identical.
            return {
                **response,
                "headers": {
                    k: headers[k]
                    for k in sorted(headers, key=str.lower)
                    if k.lower() not in volatile
                },
            }
        received: dict[str, list[str]] = {}
        for name, values in headers.items():
            received.setdefault(name.lower(), []).extend(values)
        kept: dict[str, list[str]] = {}
        missing: list[tuple[str, str]] = []
        for name, value in served:  # the served (= recorded) order, so rebuilds are identical
            if value in received.get(name.lower(), []):
                received[name.lower()].remove(value)
                kept.setdefault(name, []).append(value)
            else:
                missing.append((name, value))
        if missing:
            raise BuildError(f"{self._current}: served headers did not arrive: {missing}")
        return {**response, "headers": kept}


# --------------------------------------------------------------------------------------------
# Recording one cassette.


def conversion(
    *, client_calls: list[str], local_server: str, real_base: str, edits: list[str]
) -> dict[str, Any]:
    return {
        "tool": TOOL,
        "vcrpy": version("vcrpy"),
        "client": client_calls,
        "local_server": local_server,
        "host_rewrite": (
            f"http://127.0.0.1:<ephemeral port> -> {real_base}"
            " (cassette_contracts.recording.rehost.Rehost: request URI, Host, Link, Location)"
        ),
        "record_mode": "all",
        "decode_compressed_response": True,
        "edits": edits,
    }


def record(
    name: str,
    *,
    local_base: str,
    real_base: str,
    provenance: dict[str, Any],
    call: Callable[[], object],
    headers_hook: ServedHeadersOnly,
    expect_error: type[Exception] | None = None,
) -> Path:
    """Record ``call()`` into ``cassettes/<name>.yaml`` with the provenance metadata."""
    path = CASSETTES / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    rehost = Rehost(local_base, real_base)
    recorder = vcr.VCR(serializer="readable-yaml", decode_compressed_response=True)
    recorder.register_serializer("readable-yaml", ReadableYamlSerializer)
    with recorder.use_cassette(
        str(path),
        record_mode="all",
        before_record_request=[rehost.before_record_request, headers_hook.before_record_request],
        # Server artefacts out first (on the served values), then the host rewrite.
        before_record_response=[headers_hook.before_record_response, rehost.before_record_response],
    ) as cassette:
        cassette.get_metadata("provenance", provenance)
        try:
            call()
        except api_errors.ApiError as exc:
            if expect_error is None or not isinstance(exc, expect_error):
                raise BuildError(f"{name}: the client raised {exc!r}") from exc
        else:
            if expect_error is not None:
                raise BuildError(f"{name}: expected the client to raise {expect_error.__name__}")
        if len(cassette) == 0:
            raise BuildError(f"{name}: nothing was recorded")
    return path


logging.getLogger("werkzeug").setLevel(logging.ERROR)


@contextlib.contextmanager
def local_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        yield server
    finally:
        server.clear()
        server.stop()


def respond(server: HTTPServer, method: str, path: str, query: str, served: Served) -> None:
    server.expect_oneshot_request(path, method=method, query_string=query).respond_with_response(
        Response(served.body, status=status_line(served.status), headers=served.headers)
    )


def status_line(code: int) -> str:
    """``"429 Too Many Requests"``: the standard reason phrase (werkzeug's own is upper case)."""
    return f"{code} {HTTPStatus(code).phrase}"


def check_served_all(server: HTTPServer, name: str) -> None:
    server.check_assertions()
    server.check_handler_errors()
    if server.oneshot_handlers:
        raise BuildError(f"{name}: the client did not make every expected request")


HTTPSERVER = f"pytest-httpserver {version('pytest-httpserver')} (werkzeug {version('werkzeug')})"


# --------------------------------------------------------------------------------------------
# GitHub.


@dataclass(frozen=True)
class GitHubSingle:
    name: str
    recording: str
    call: str  # "user:<login>" or "repo:<owner>/<repo>"
    expect_error: type[Exception] | None = None


GITHUB_SINGLES = [
    GitHubSingle("github/user_jacquev6", "github/users_get/pygithub_20250103_1", "user:jacquev6"),
    GitHubSingle("github/user_yurinnick", "github/users_get/pygithub_20230515_1", "user:yurinnick"),
    GitHubSingle(
        "github/user_not_found",
        "github/_non2xx/users_get/pygithub_20201012_1",
        "user:brix4dayz",
        api_errors.NotFoundError,
    ),
    GitHubSingle(
        "github/repo_pygithub", "github/repos_get/pygithub_20260424_2", "repo:PyGithub/PyGithub"
    ),
    GitHubSingle(
        "github/repo_qiskit_qec",
        "github/repos_get/github3py_20250909_1",
        "repo:qiskit-community/qiskit-qec",
    ),
    GitHubSingle(
        "github/repo_not_found",
        "github/_non2xx/repos_get/hub4j_20241220_1",
        "repo:Alaurant/test-message",
        api_errors.NotFoundError,
    ),
    GitHubSingle(
        "github/repo_rate_limited",
        "github/_non2xx/repos_get/hub4j_20241009_1",
        "repo:hub4j-test-org/"
        "temp-testHandler_Wait_Secondary_Limits_Too_Many_Requests_Date_Retry_After_Missing_Date_Header",
        api_errors.RateLimitedError,
    ),
    GitHubSingle(
        "github/repo_rate_limit_exhausted",
        "github/_non2xx/repos_get/hub4j_20241010_1",
        "repo:hub4j-test-org/temp-testHandler_Wait_Missing_Date_Header",
        api_errors.RateLimitedError,
    ),
]


def github_client(base: str) -> github.GitHubClient:
    # No token (nothing secret may reach a cassette) and no rate-limit wait: the 403/429 are
    # recorded once, as the client meets them.
    return github.GitHubClient(base_url=base, token=None, max_rate_limit_wait=0)


def build_github_single(spec: GitHubSingle) -> Path:
    recording = Recording.load(spec.recording)
    served = serve_recording(recording)
    url = urlsplit(recording.meta["url"])
    kind, _, arg = spec.call.partition(":")
    hook = ServedHeadersOnly()
    with local_server() as server:
        base = server.url_for("").rstrip("/")
        respond(server, "GET", url.path, url.query, served)
        hook.expect("GET", url.path + (f"?{url.query}" if url.query else ""), served)
        client = github_client(base)
        if kind == "user":
            call_text = f"GitHubClient(base_url=<local server>).get_user({arg!r})"

            def call() -> object:
                return client.get_user(arg)

        else:
            owner, _, repo = arg.partition("/")
            call_text = f"GitHubClient(base_url=<local server>).get_repo({owner!r}, {repo!r})"

            def call() -> object:
                return client.get_repo(owner, repo)

        provenance = {
            "kind": "real recording, replayed through the client",
            **recording.source(),
            "conversion": conversion(
                client_calls=[call_text],
                local_server=HTTPSERVER + ", serving the recorded status, headers and body",
                real_base=GITHUB_API,
                edits=served.edits,
            ),
        }
        path = record(
            spec.name,
            local_base=base,
            real_base=GITHUB_API,
            provenance=provenance,
            call=call,
            headers_hook=hook,
            expect_error=spec.expect_error,
        )
        check_served_all(server, spec.name)
    return path


KOHSUKE = "github/users_repos/hub4j_20191007_2"
KOHSUKE_PER_PAGE = 20
KOHSUKE_USER_ID = 50003  # the user id in the recorded Link header (/user/50003/repos)


def page_link(base: str, page: int, last: int) -> str:
    """GitHub's ``Link`` header for ``page`` of ``last`` (rels in GitHub's order)."""

    def target(n: int) -> str:
        return f"<{base}/user/{KOHSUKE_USER_ID}/repos?per_page={KOHSUKE_PER_PAGE}&page={n}>"

    rels = []
    if page > 1:
        rels.append(f'{target(page - 1)}; rel="prev"')
    if page < last:
        rels.append(f'{target(page + 1)}; rel="next"')
        rels.append(f'{target(last)}; rel="last"')
    if page > 1:
        rels.append(f'{target(1)}; rel="first"')
    return ", ".join(rels)


def build_kohsuke() -> Path:
    name = "github/user_repos_kohsuke"
    recording = Recording.load(KOHSUKE)
    items = json.loads(recording.body)
    pages = [items[i : i + KOHSUKE_PER_PAGE] for i in range(0, len(items), KOHSUKE_PER_PAGE)]
    if len(pages) < 3:
        raise BuildError(f"{name}: {len(items)} items make only {len(pages)} pages")
    recorded_link = {k: v for k, v in recording.meta["response_headers"] if k.lower() == "link"}
    hook = ServedHeadersOnly()
    interactions = []
    with local_server() as server:
        base = server.url_for("").rstrip("/")
        for number, page in enumerate(pages, start=1):
            served = serve_recording(recording, body=pretty_json(json.dumps(page).encode()))
            served.headers = [
                (k, page_link(base, number, len(pages)) if k.lower() == "link" else v)
                for k, v in served.headers
                if k.lower() != "etag"
            ]
            if number == 1:
                path, query = "/users/kohsuke/repos", f"per_page={KOHSUKE_PER_PAGE}"
            else:
                path = f"/user/{KOHSUKE_USER_ID}/repos"
                query = f"per_page={KOHSUKE_PER_PAGE}&page={number}"
            respond(server, "GET", path, query, served)
            hook.expect("GET", f"{path}?{query}", served)
            first = (number - 1) * KOHSUKE_PER_PAGE
            interactions.append(
                {
                    "index": number - 1,
                    "request": f"GET {GITHUB_API}{path}?{query}",
                    "items": (
                        f"items {first}..{first + len(page) - 1} of the {len(items)} recorded,"
                        " unchanged and in the recorded order"
                    ),
                    "derived": [
                        f"Link: page {number} of {len(pages)} in GitHub's form (recorded:"
                        f" {recorded_link.get('Link', '')!r}, pages of 62)",
                        "ETag dropped: it described the recorded 62-item body",
                    ],
                    "source": "the cassette's source_* fields: one recorded response",
                }
            )
        client = github_client(base)
        repos: list[Any] = []
        provenance = {
            "kind": (
                "real items, derived paging: the 62 repositories of one real page, served as"
                f" {len(pages)} pages of {KOHSUKE_PER_PAGE}"
            ),
            **recording.source(),
            "conversion": conversion(
                client_calls=[
                    "GitHubClient(base_url=<local server>).list_user_repos('kohsuke',"
                    f" per_page={KOHSUKE_PER_PAGE})"
                ],
                local_server=HTTPSERVER + ", serving the recorded status and headers",
                real_base=GITHUB_API,
                edits=[
                    f"the recorded page of {len(items)} items (per_page=62) split into pages of"
                    f" {KOHSUKE_PER_PAGE}; the items are real and unchanged, the paging is"
                    " derived (see interactions)",
                    "each page's body: its items as JSON indented by 2 spaces (the recorded body"
                    " was pretty-printed the same way by WireMock)",
                    *serve_recording(recording, body=b"").edits,
                ],
            ),
            "interactions": interactions,
        }
        path_out = record(
            name,
            local_base=base,
            real_base=GITHUB_API,
            provenance=provenance,
            call=lambda: repos.extend(client.list_user_repos("kohsuke", per_page=KOHSUKE_PER_PAGE)),
            headers_hook=hook,
        )
        check_served_all(server, name)
    if repos != items:
        raise BuildError(f"{name}: the client did not read back the {len(items)} recorded items")
    return path_out


# --------------------------------------------------------------------------------------------
# JSONPlaceholder through a local json-server.


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def json_server_version(executable: Path) -> str:
    package = Path(os.path.realpath(executable)).parents[2] / "package.json"
    try:
        found: str = json.loads(package.read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError) as exc:
        raise BuildError(f"cannot read json-server's version from {package}: {exc}") from exc
    if not found.startswith("0.17."):
        raise BuildError(f"json-server {found} at {executable}; this tool expects 0.17")
    return found


@contextlib.contextmanager
def json_server(executable: Path) -> Iterator[str]:
    """A json-server on 127.0.0.1 over a temporary copy of data.json; yields its base URL."""
    with tempfile.TemporaryDirectory(prefix="jsonplaceholder-") as tmp:
        db = Path(tmp) / "data.json"
        shutil.copyfile(REALDATA / "jsonplaceholder" / "data.json", db)
        port = free_port()
        process = subprocess.Popen(
            [
                *(str(executable), "--host", "127.0.0.1", "--port", str(port)),
                *("--read-only", "--quiet", str(db)),
            ],
            cwd=tmp,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/users/1", timeout=1):
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        err = process.stderr.read().decode() if process.stderr else ""
                        raise BuildError(f"json-server did not start on {base}: {err}") from None
                    time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=10)


JSONPLACEHOLDER_CASSETTES = [
    ("jsonplaceholder/user_1", "get_user(1)", None),
    ("jsonplaceholder/todos_user_1", "fetch_todos(1)", None),
    ("jsonplaceholder/user_not_found", "get_user(999)", api_errors.NotFoundError),
]


def build_jsonplaceholder(executable: Path, only: set[str] | None) -> list[Path]:
    provenance_file = json.loads(
        (REALDATA / "jsonplaceholder" / "provenance.json").read_text(encoding="utf-8")
    )
    data_sha = hashlib.sha256((REALDATA / "jsonplaceholder" / "data.json").read_bytes()).hexdigest()
    if data_sha != provenance_file["data_json_sha256"]:
        raise BuildError("realdata/jsonplaceholder/data.json: sha256 differs from its provenance")
    server_version = json_server_version(executable)
    built = []
    with json_server(executable) as base:
        for name, call_text, expected in JSONPLACEHOLDER_CASSETTES:
            if only is not None and name not in only:
                continue
            client = jsonplaceholder.JSONPlaceholderClient(base_url=base)
            method, _, arg = call_text.partition("(")
            call = getattr(client, method)
            user_id = int(arg.rstrip(")"))
            provenance = {
                "kind": "recorded from json-server over the data file the live service serves",
                "source_project": provenance_file["source_repo"],
                "source_file": provenance_file["file_path"],
                "source_commit": provenance_file["commit"],
                "source_commit_date": provenance_file["commit_date"],
                "source_data_sha256": data_sha,
                "recorder": f"vcrpy {version('vcrpy')} via {TOOL}",
                "recorded_at": None,
                "recorded_at_note": (
                    "recorded by the build tool; the time is not stored so that rebuilding gives"
                    " the same bytes. The data dates from source_commit_date (users and todos"
                    " unchanged since 2014, see tests/data/realdata/jsonplaceholder/"
                    "provenance.json)"
                ),
                "served_by": (
                    f"json-server {server_version} (npm), as the live service:"
                    f" {provenance_file['served_by']}"
                ),
                "copy_in_repository": "tests/data/realdata/jsonplaceholder/data.json",
                "conversion": conversion(
                    client_calls=[f"JSONPlaceholderClient(base_url=<local server>).{call_text}"],
                    local_server=(
                        f"json-server {server_version} --host 127.0.0.1 --read-only over a copy"
                        " of data.json"
                    ),
                    real_base=JSONPLACEHOLDER,
                    edits=[
                        f"response headers {', '.join(VOLATILE_HEADERS)} of the local server"
                        " left out (they change on every run); everything else as json-server"
                        " answered (gzip decoded by vcrpy)"
                    ],
                ),
            }
            built.append(
                record(
                    name,
                    local_base=base,
                    real_base=JSONPLACEHOLDER,
                    provenance=provenance,
                    call=functools.partial(call, user_id),
                    headers_hook=ServedHeadersOnly(),
                    expect_error=expected,
                )
            )
    return built


# --------------------------------------------------------------------------------------------
# ntfy, from its documentation.


def build_ntfy(name: str) -> Path:
    example, message_id, at, expires = NTFY_EXAMPLES[name]
    message, urgent = NTFY_MESSAGES[name]
    served_headers = [("Content-Type", "application/json")]
    hook = ServedHeadersOnly()

    def answer(request: Request) -> Response:
        sent = request.get_json()
        body = {
            "id": message_id,
            "time": at,
            "expires": expires,
            "event": "message",
            "topic": sent["topic"],
            "message": sent["message"],
            "priority": sent["priority"],
        }
        return Response(
            pretty_json(json.dumps(body).encode()), status=status_line(200), headers=served_headers
        )

    with local_server() as server:
        base = server.url_for("").rstrip("/")
        server.expect_oneshot_request("/", method="POST").respond_with_handler(answer)
        hook.expected[("POST", "/")] = served_headers
        client = notifications.NtfyClient(base_url=base, topic=NTFY_TOPIC, token=None)
        provenance = {
            "kind": "built from ntfy's documentation, not a live recording",
            "source_project": NTFY_DOCS["source_project"],
            "source_file": NTFY_DOCS["source_file"],
            "source_commit": None,
            "source_page": NTFY_DOCS["page"],
            "source_example": (
                f"{example!r}: id {message_id!r}, time {at}, expires {expires}; the request form"
                f" is {NTFY_DOCS['publish_page']}"
            ),
            "recorder": f"vcrpy {version('vcrpy')} via {TOOL}",
            "recorded_at": None,
            "recorded_at_note": "no live recording exists; the times are the documented example's",
            "conversion": conversion(
                client_calls=[
                    f"NtfyClient(base_url=<local server>, topic={NTFY_TOPIC!r})"
                    f".send_notification({NTFY_EMAIL!r}, {message!r}, urgent={urgent})"
                ],
                local_server=(HTTPSERVER + ", answering the POST with the documented message JSON"),
                real_base=NTFY,
                edits=[
                    "topic, message and priority echoed from the request, as ntfy does; id, time"
                    " and expires taken from the documentation example",
                    "response headers: only Content-Type (no live headers are documented)",
                ],
            ),
        }
        path = record(
            f"notifications/{name}",
            local_base=base,
            real_base=NTFY,
            provenance=provenance,
            call=lambda: client.send_notification(NTFY_EMAIL, message, urgent=urgent),
            headers_hook=hook,
        )
        check_served_all(server, name)
    return path


# --------------------------------------------------------------------------------------------


def all_names() -> list[str]:
    return [
        *(spec.name for spec in GITHUB_SINGLES),
        "github/user_repos_kohsuke",
        *(name for name, _, _ in JSONPLACEHOLDER_CASSETTES),
        "notifications/publish",
        "notifications/publish_urgent",
    ]


def find_json_server(given: str | None) -> Path:
    candidate = given or os.environ.get("JSON_SERVER") or shutil.which("json-server")
    if not candidate or not Path(candidate).exists():
        raise BuildError(
            "json-server 0.17 not found: install it outside the repository with"
            ' `(cd "$(mktemp -d)" && npm install json-server@0.17)` and pass'
            " --json-server <dir>/node_modules/.bin/json-server (or set JSON_SERVER)"
        )
    return Path(candidate)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json-server", help="path of json-server 0.17 (default: $JSON_SERVER)")
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help=f"build only these ({', '.join(all_names())})",
    )
    args = parser.parse_args(argv)
    only = set(args.only) if args.only else None
    if only is not None and (unknown := only - set(all_names())):
        parser.error(f"unknown cassette(s) {sorted(unknown)}; known: {', '.join(all_names())}")
    # Nothing secret may reach a cassette, and no recording may wait on a rate limit.
    for variable in ("GITHUB_TOKEN", "NTFY_TOKEN", "API_CLIENTS_MAX_RATE_LIMIT_WAIT"):
        os.environ.pop(variable, None)
    built: list[Path] = []
    try:
        for spec in GITHUB_SINGLES:
            if only is None or spec.name in only:
                built.append(build_github_single(spec))
        if only is None or "github/user_repos_kohsuke" in only:
            built.append(build_kohsuke())
        wanted_jp = {name for name, _, _ in JSONPLACEHOLDER_CASSETTES}
        if only is None or only & wanted_jp:
            built.extend(build_jsonplaceholder(find_json_server(args.json_server), only))
        for name in ("publish", "publish_urgent"):
            if only is None or f"notifications/{name}" in only:
                built.append(build_ntfy(name))
    except BuildError as exc:
        print(f"build_cassettes: {exc}", file=sys.stderr)
        return 2
    for path in built:
        print(path.relative_to(REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
