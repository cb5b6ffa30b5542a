"""The recording run's failure signal: a tiny pytest plugin ``rerecord`` and ``drift`` load
into their recording pytest with ``-p cassette_contracts.recording.probe``.

For every test that fails (in setup or call) it notes, as data rather than log text:

- ``type`` and ``message`` of the exception pytest reports, and ``chain``: ``Type: message``
  of it and of the exceptions it wraps, down to the transport error when there is one;
- ``transport``: the first exception in its chain (``__cause__`` / ``__context__``, exception
  groups included) that is a connection or timeout error of a transport vcrpy records —
  ``requests``, ``urllib3``, ``httpx``, ``aiohttp`` (by ``isinstance`` on their base classes,
  checked only for the libraries the run imported) or the built-in ``ConnectionError`` /
  ``TimeoutError`` — or None;
- ``upstream_status``: the responses recorded into the test's cassette that say the upstream
  itself failed (5xx, or 429 rate limited).

Each pytest process (xdist worker or ``main``) writes ``<worker>.json`` into the folder named by
``$CASSETTE_CONTRACTS_FAILURES``; :func:`load_failures` reads them back. Without that variable
the plugin does nothing.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Generator, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import pytest

__all__ = ["FAILURES_ENV", "Failure", "load_failures"]

FAILURES_ENV = "CASSETTE_CONTRACTS_FAILURES"

#: Connection and timeout errors by transport module: (module, class names).
_TRANSPORT_ERRORS = (
    ("requests.exceptions", ("ConnectionError", "Timeout")),
    ("urllib3.exceptions", ("NewConnectionError", "ProtocolError", "TimeoutError")),
    ("httpx", ("NetworkError", "TimeoutException", "RemoteProtocolError")),
    ("aiohttp", ("ClientConnectionError", "ServerTimeoutError")),
)


@dataclass
class Failure:
    """One failed test of the recording run."""

    nodeid: str
    when: str
    type: str
    message: str
    transport: str | None = None  # "Type: message" of the connection/timeout error
    upstream_status: list[str] = field(default_factory=list)  # "500 GET https://..."
    chain: list[str] = field(default_factory=list)  # "Type: message", outermost first

    @property
    def upstream(self) -> bool:
        """Whether the upstream, not the test, failed (no connection, timeout, 5xx, 429)."""
        return self.transport is not None or bool(self.upstream_status)

    def one_line(self) -> str:
        """The upstream's failure and the test's error, with what it wraps, on one line."""
        what = " <- ".join(self.chain[:3]) or self.type
        if self.upstream_status:
            return f"the upstream answered {self.upstream_status[0]} ({self.nodeid}: {what})"
        return f"{what} ({self.nodeid})"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    line = text[0].strip() if text else ""
    return line if len(line) <= 300 else line[:297] + "..."


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            todo += list(current.exceptions)
        todo += [e for e in (current.__cause__, current.__context__) if e is not None]


def _transport_classes() -> tuple[type[BaseException], ...]:
    found: list[type[BaseException]] = [ConnectionError, TimeoutError]
    for module_name, names in _TRANSPORT_ERRORS:
        module = sys.modules.get(module_name)
        for name in names if module is not None else ():
            cls = getattr(module, name, None)
            if isinstance(cls, type) and issubclass(cls, BaseException):
                found.append(cls)
    return tuple(found)


def _line(exc: BaseException) -> str:
    message = _first_line(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def explain(exc: BaseException) -> tuple[list[str], str | None]:
    """``exc`` and what it wraps (``Type: message``, outermost first, down to the first
    connection or timeout error), and that error's line, or None when there is none."""
    classes = _transport_classes()
    chain = []
    for current in _chain(exc):
        chain.append(_line(current))
        if isinstance(current, classes):
            return chain, chain[-1]
    return chain, None


def _upstream_statuses(item: pytest.Item) -> list[str]:
    cassette = getattr(item, "funcargs", {}).get("vcr")
    found = []
    for request, response in list(getattr(cassette, "data", None) or []):
        try:
            code = int(response["status"]["code"])
        except (KeyError, TypeError, ValueError):
            continue
        if code >= 500 or code == 429:
            found.append(f"{code} {request.method} {request.uri}")
    return found


#: ``pytest.hookimpl`` itself (pytest's marker is pluggy's, project name "pytest"): the
#: ``rerecord`` and ``drift`` commands import this module for :func:`load_failures`, and
#: importing pytest would cost each a tenth of a second.
hookimpl = pluggy.HookimplMarker("pytest")


class _Probe:
    def __init__(self, folder: Path, worker: str) -> None:
        self.folder = folder
        self.worker = worker
        self.failures: list[Failure] = []

    @hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if call.when in ("setup", "call") and report.failed and call.excinfo is not None:
            exc = call.excinfo.value
            chain, transport = explain(exc)
            self.failures.append(
                Failure(
                    nodeid=item.nodeid,
                    when=call.when,
                    type=type(exc).__name__,
                    message=_first_line(exc),
                    transport=transport,
                    upstream_status=_upstream_statuses(item),
                    chain=chain,
                )
            )
        return report

    def pytest_sessionfinish(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        data = json.dumps([asdict(f) for f in self.failures], indent=1)
        (self.folder / f"{self.worker}.json").write_text(data, encoding="utf-8")


def pytest_configure(config: pytest.Config) -> None:
    folder = os.environ.get(FAILURES_ENV)
    if folder:
        worker_input = getattr(config, "workerinput", None)
        worker = worker_input.get("workerid", "main") if worker_input else "main"
        config.pluginmanager.register(_Probe(Path(folder), worker), "cassette-contracts-probe")


def load_failures(folder: Path) -> list[Failure]:
    """The failed tests every process of a recording run wrote into ``folder``."""
    found: list[Failure] = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
            found += [Failure(**entry) for entry in entries]
        except (OSError, ValueError, TypeError):
            continue
    return found
