"""A local upstream on 127.0.0.1 that serves real recordings, and can be changed between runs.

It answers every request the client tests make with the response recorded for it in a folder
of cassettes (the project's committed cassettes are real recordings with provenance). Each real
service sits under its own path prefix, so one server stands in for all three::

    GITHUB_API_URL      = http://127.0.0.1:PORT/github
    JSONPLACEHOLDER_URL = http://127.0.0.1:PORT/jsonplaceholder
    NTFY_URL            = http://127.0.0.1:PORT/ntfy

URLs of the real service inside ``Link`` / ``Location`` headers are served under the local
prefix, as a live server would (the client follows them here, never to the real host).

Between runs a test can change what it serves: :attr:`Upstream.edit` rewrites JSON bodies,
:attr:`Upstream.fault` makes every matching request fail (a status with headers, a stall past
the client's timeout, a connection reset), and :attr:`Upstream.extra_headers` adds headers.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ..conftest import read_yaml

#: Environment variable, path prefix on the local server, real base URL.
SERVICES = (
    ("GITHUB_API_URL", "/github", "https://api.github.com"),
    ("JSONPLACEHOLDER_URL", "/jsonplaceholder", "https://jsonplaceholder.typicode.com"),
    ("NTFY_URL", "/ntfy", "https://ntfy.sh"),
)

# Not passed on: they describe a transfer of the body that this server does not make.
_HOP_HEADERS = {"transfer-encoding", "content-encoding", "connection", "keep-alive"}

Edit = Callable[[str, Any], Any]


@dataclass
class Recorded:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class Fault:
    """How to fail a request whose real URL contains ``match`` ("" = every request).

    ``kind``: ``"status"`` (answer ``status`` with ``headers`` and ``body``), ``"stall"``
    (accept, then never answer for ``seconds``), ``"reset"`` (close with a TCP RST).
    """

    kind: str
    match: str = ""
    status: int = 500
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    seconds: float = 30.0


def load_recordings(cassettes: Path) -> dict[tuple[str, str], list[tuple[bytes | None, Recorded]]]:
    """(method, real URL) -> [(request body, response)] of every interaction in ``cassettes``."""
    table: dict[tuple[str, str], list[tuple[bytes | None, Recorded]]] = {}
    for path in sorted(cassettes.rglob("*.yaml")):
        data = read_yaml(path.read_text(encoding="utf-8"))
        for item in data.get("interactions") or []:
            request, response = item["request"], item["response"]
            body = response["body"]["string"]
            req_body = request.get("body")
            recorded = Recorded(
                status=response["status"]["code"],
                reason=response["status"].get("message") or "",
                headers=[
                    (name, str(value))
                    for name, values in (response.get("headers") or {}).items()
                    for value in (values if isinstance(values, list) else [values])
                ],
                body=body.encode("utf-8") if isinstance(body, str) else body,
            )
            key = (request["method"].upper(), request["uri"])
            raw = req_body.encode("utf-8") if isinstance(req_body, str) else req_body
            table.setdefault(key, []).append((raw, recorded))
    return table


class Upstream:
    """The server. ``requests`` lists the real URLs asked for, in order."""

    def __init__(self, cassettes: Path) -> None:
        self.recordings = load_recordings(cassettes)
        self.edit: Edit | None = None
        self.fault: Fault | None = None
        self.extra_headers: list[tuple[str, str]] = []
        self.link_query = ""  # appended to every URL of a Link header, ignored when served
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.first_request = threading.Event()
        self.on_request: Callable[[str], None] | None = None
        self._stop = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        # serve_forever notices shutdown() only between polls: at the default 0.5 s interval
        # every test would wait a quarter of a second on average for its server to stop.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def environ(self) -> dict[str, str]:
        """The base-URL variables pointing every client at this server."""
        return {variable: self.base + prefix for variable, prefix, _ in SERVICES}

    def start(self) -> Upstream:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    # -- serving -----------------------------------------------------------------------------

    def real_url(self, path: str) -> str | None:
        for _, prefix, real in SERVICES:
            if path == prefix or path.startswith((prefix + "/", prefix + "?")):
                rest = path[len(prefix) :]
                return real + (rest if rest.startswith("/") else "/" + rest)
        return None

    def localise(self, text: str, *, link: bool = False) -> str:
        for _, prefix, real in SERVICES:
            text = text.replace(real, self.base + prefix)
        if link and self.link_query:
            text = re.sub(r"<([^>]*\?[^>]*)>", rf"<\1&{self.link_query}>", text)
        return text

    def find(self, method: str, url: str, body: bytes) -> Recorded | None:
        candidates = self.recordings.get((method, url), [])
        for recorded_body, recorded in candidates:
            if recorded_body is not None and _same_body(recorded_body, body):
                return recorded
        return candidates[0][1] if candidates else None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            # HTTP/1.0: the body ends when the connection closes, so the server adds no
            # Content-Length and the recording gets exactly the recorded headers.
            protocol_version = "HTTP/1.0"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self.answer()

            def do_POST(self) -> None:
                self.answer()

            def answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                url = upstream.real_url(self.path) or self.path
                lookup = url
                if upstream.link_query:
                    lookup = url.replace("&" + upstream.link_query, "")
                upstream.requests.append((self.command, url, dict(self.headers.items())))
                upstream.first_request.set()
                if upstream.on_request is not None:
                    upstream.on_request(url)
                fault = upstream.fault
                if fault is not None and fault.match in url:
                    self.fail(fault)
                    return
                recorded = upstream.find(self.command, lookup, body)
                if recorded is None:
                    self.send_bytes(599, "No Recording", [], f"nothing recorded for {url}".encode())
                    return
                headers = [
                    (name, upstream.localise(value, link=name.lower() == "link"))
                    for name, value in recorded.headers
                    if name.lower() not in _HOP_HEADERS
                ]
                payload = recorded.body
                if upstream.edit is not None and payload:
                    edited = upstream.edit(url, json.loads(payload))
                    payload = json.dumps(edited, indent=2, ensure_ascii=False).encode("utf-8")
                    headers = [
                        (name, str(len(payload)) if name.lower() == "content-length" else value)
                        for name, value in headers
                    ]
                headers += upstream.extra_headers
                self.send_bytes(recorded.status, recorded.reason, headers, payload)

            def fail(self, fault: Fault) -> None:
                if fault.kind == "stall":
                    upstream._stop.wait(fault.seconds)
                    self.close_connection = True
                    return
                if fault.kind == "reset":
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.close_connection = True
                    return
                self.send_bytes(fault.status, "", list(fault.headers.items()), fault.body)

            def send_bytes(
                self, status: int, reason: str, headers: list[tuple[str, str]], body: bytes
            ) -> None:
                self.send_response_only(status, reason or None)
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

        return Handler


def _same_body(recorded: bytes, sent: bytes) -> bool:
    try:
        return bool(json.loads(recorded) == json.loads(sent))
    except ValueError:
        return recorded == sent


@contextlib.contextmanager
def serving(cassettes: Path) -> Iterator[Upstream]:
    upstream = Upstream(cassettes).start()
    try:
        yield upstream
    finally:
        upstream.stop()


def wait_for(predicate: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()
