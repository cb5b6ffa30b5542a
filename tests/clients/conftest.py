"""Client tests replay the committed cassettes in ``cassettes/<client>/``."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

#: Tests that talk to a local server on loopback (faults, overrides) opt in to it explicitly.
loopback = pytest.mark.block_network(allowed_hosts=["127.0.0.1", "localhost"])


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest, contract_cassettes_dir: Path) -> str:
    """``<cassettes>/<client>``: the module's ``CLIENT`` names the folder.

    The cassettes folder comes from the cassette-contracts plugin (``--contract-cassettes`` >
    ``[tool.cassette_contracts] cassettes``), so re-recording can point it at a staging folder.
    """
    return str(contract_cassettes_dir / request.module.CLIENT)


#: The cassette captures an event that cannot be reproduced on demand against the live API (a
#: rate limit, paging derived from a real page, a notification that would really be sent):
#: ``cassette-contracts rerecord`` deselects it and leaves its cassette as committed.
frozen = pytest.mark.frozen_cassette


def replay(name: str, **vcr_kwargs: Any) -> Callable[[Any], Any]:
    """Replay the committed cassette ``name`` (without ``.yaml``) for this test."""

    def decorate(func: Any) -> Any:
        return pytest.mark.vcr(**vcr_kwargs)(pytest.mark.default_cassette(name)(func))

    return decorate


@contextlib.contextmanager
def _loopback_server(handle: Callable[[socket.socket], None]) -> Iterator[str]:
    """Accept connections on 127.0.0.1 in a thread, hand each to ``handle``; yield the URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.05)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            handle(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        listener.close()


@pytest.fixture
def stalling_server() -> Iterator[str]:
    """A server on 127.0.0.1 that accepts connections and never answers (a stalled upstream)."""
    accepted: list[socket.socket] = []
    with _loopback_server(accepted.append) as url:
        yield url
    for conn in accepted:
        conn.close()


def _reset(conn: socket.socket) -> None:
    """Read the request, then close with SO_LINGER 0: the peer gets RST, not FIN."""
    with conn:
        conn.settimeout(1)
        with contextlib.suppress(OSError):
            conn.recv(65536)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@pytest.fixture
def resetting_server() -> Iterator[str]:
    """A server on 127.0.0.1 that resets every connection as soon as the request arrives."""
    with _loopback_server(_reset) as url:
        yield url


@pytest.fixture
def closed_port() -> str:
    """A loopback URL where nothing listens (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
