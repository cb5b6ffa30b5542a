"""The fake weather API the end-to-end walk records from, served on 127.0.0.1.

This is the test's own invented API, not a recording of any real service: its paths and
payloads are shaped like a typical weather service's (current conditions, a forecast, alerts,
stations, a live stream of observations), and every value below is made up here. What matters
is that it answers the way real APIs do, in each of the forms a contract must handle:

- ``GET /v1/current/{city}``: JSON, gzip-compressed;
- ``GET /v1/forecast/{city}?days=N``: JSON, gzip-compressed;
- ``GET /v1/stations/{id}``: JSON, gzip-compressed;
- ``DELETE /v1/alerts/{id}``: ``204 No Content``;
- ``GET /v1/radar/{region}``: ``503`` with a ``text/plain`` message and ``Retry-After``;
- ``GET /v1/observations/{city}/stream``: ``text/event-stream``, one JSON object per event.

Between runs a test can rename a field of the current conditions (:meth:`WeatherApi.rename`),
as an upstream does when it ships a breaking change.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

CITIES = {
    "oslo": {"name": "Oslo", "temperature_c": 4.5, "humidity": 81, "conditions": "drizzle"},
    "lisbon": {"name": "Lisbon", "temperature_c": 17.0, "humidity": 64, "conditions": "clear"},
}
STATIONS = {
    "OSL-12": {"name": "Oslo Blindern", "elevation_m": 94, "lat": 59.94, "lon": 10.72},
}


@dataclass
class WeatherApi:
    """What the server answers; :attr:`renamed`: fields of current conditions, renamed."""

    renamed: dict[str, str] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def rename(self, old: str, new: str) -> None:
        """From now on, current conditions carry ``old`` under the name ``new``."""
        self.renamed[old] = new

    # -- the endpoints: (status, headers, body) -------------------------------------------------

    def current(self, city: str) -> tuple[int, dict[str, str], bytes]:
        known = CITIES[city]
        payload: dict[str, Any] = {
            "city": known["name"],
            "temperature_c": known["temperature_c"],
            "humidity": known["humidity"],
            "conditions": known["conditions"],
            "observed_at": "2026-11-30T12:00:00Z",
        }
        payload = {self.renamed.get(key, key): value for key, value in payload.items()}
        return _gzip_json(payload)

    def forecast(self, city: str, days: int) -> tuple[int, dict[str, str], bytes]:
        base = CITIES[city]["temperature_c"]
        return _gzip_json(
            {
                "city": CITIES[city]["name"],
                "days": [
                    {
                        "date": f"2026-12-0{n + 1}",
                        "high_c": base + n,
                        "low_c": base - 3 + n,
                        "summary": "showers" if n % 2 else "cloudy",
                    }
                    for n in range(days)
                ],
            }
        )

    def station(self, station_id: str) -> tuple[int, dict[str, str], bytes]:
        known = STATIONS[station_id]
        return _gzip_json(
            {
                "id": station_id,
                "name": known["name"],
                "elevation_m": known["elevation_m"],
                "location": {"lat": known["lat"], "lon": known["lon"]},
            }
        )

    def observations(self, city: str) -> tuple[int, dict[str, str], bytes]:
        base = CITIES[city]["temperature_c"]
        events = [
            f"id: {n}\nevent: observation\n"
            + "data: "
            + json.dumps({"seq": n, "temperature_c": base + n / 10, "at": f"12:0{n}:00"})
            + "\n\n"
            for n in range(3)
        ]
        headers = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        return 200, headers, "".join(events).encode()

    def answer(self, method: str, target: str) -> tuple[int, dict[str, str], bytes]:
        """The response to ``method target``; 404 for anything else."""
        self.requests.append(f"{method} {target}")
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        routes = [
            ("GET", r"/v1/current/(\w+)", lambda m: self.current(m[1])),
            (
                "GET",
                r"/v1/forecast/(\w+)",
                lambda m: self.forecast(m[1], int(query.get("days", ["3"])[0])),
            ),
            ("GET", r"/v1/stations/([\w-]+)", lambda m: self.station(m[1])),
            ("GET", r"/v1/observations/(\w+)/stream", lambda m: self.observations(m[1])),
            ("DELETE", r"/v1/alerts/(\d+)", lambda m: (204, {}, b"")),
            (
                "GET",
                r"/v1/radar/(\w+)",
                lambda m: (
                    503,
                    {"Content-Type": "text/plain; charset=utf-8", "Retry-After": "120"},
                    b"radar imagery is down for maintenance\n",
                ),
            ),
        ]
        for verb, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if verb == method and match is not None:
                return handler(match)
        return 404, {"Content-Type": "text/plain"}, b"no such endpoint\n"


def _gzip_json(payload: Any) -> tuple[int, dict[str, str], bytes]:
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    return 200, headers, gzip.compress(json.dumps(payload).encode(), mtime=0)


def _handler(api: WeatherApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            status, headers, body = api.answer(self.command, self.path)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if status != 204:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        do_GET = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    return Handler


@contextlib.contextmanager
def serving(api: WeatherApi) -> Iterator[str]:
    """Serve ``api`` on 127.0.0.1 (a free port) while the block runs; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    server.daemon_threads = True
    # Polled often, so that shutdown() returns at once rather than after up to 0.5 s.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
