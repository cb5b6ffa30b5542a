"""Recording the planted-secret corpus through the pytest plugin writes none of it to disk."""

from __future__ import annotations

import gzip
import json
import re

import pytest

# Imported here, in the outer process, so pytester's in-process run reuses them (see
# tests/plugin/conftest.py).
import vcr.serializers.yamlserializer  # noqa: F401
import yaml  # noqa: F401
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from cassette_contracts.recording.scan import scan

from .corpus import CORPUS, ENV, exchange, leaks

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1", "localhost"])

PYPROJECT = """\
[tool.cassette_contracts]
cassettes = "cassettes"
schemas = "schemas"

[tool.pytest.ini_options]
addopts = ["--record-mode=once", "-p", "no:cacheprovider"]
"""

TEST_MODULE = """\
import json
from pathlib import Path

import pytest
import requests

EXCHANGES = json.loads(Path(__file__).with_name("exchanges.json").read_text())


@pytest.fixture(scope="module")
def vcr_cassette_dir(contract_cassettes_dir):
    return str(contract_cassettes_dir)


@pytest.mark.vcr
def test_record_the_corpus():
    for ex in EXCHANGES:
        body = ex["request_body"].encode() if ex["request_body"] is not None else None
        got = requests.request(
            ex["method"], ex["uri"], headers=ex["request_headers"], data=body, timeout=5
        )
        assert got.status_code == 200, ex["uri"]
"""


def serve_corpus(httpserver: HTTPServer) -> None:
    """Answer ``/<case id>/...`` with the case's response; JSON bodies gzip-compressed."""
    responses = {case.id: exchange(case, "") for case in CORPUS}

    def handler(request: Request) -> Response:
        ex = responses[request.path.strip("/").split("/")[0]]
        body = ex["response_body"].encode()
        headers = dict(ex["response_headers"])
        if headers["Content-Type"] == "application/json":
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        return Response(body, status=200, headers=headers)

    httpserver.expect_request(re.compile(r"^/.*$")).respond_with_handler(handler)


def test_recording_the_corpus_writes_no_planted_value(
    pytester: pytest.Pytester, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recorded with --record-mode=once against a local upstream that echoes every planted
    value (headers, URI, JSON / form / text bodies, gzip), no file written holds one."""
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    serve_corpus(httpserver)
    base = httpserver.url_for("").rstrip("/")
    root = pytester.path
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "exchanges.json").write_text(json.dumps([exchange(c, base) for c in CORPUS]))
    (root / "test_record.py").write_text(TEST_MODULE)
    before = {p for p in root.rglob("*") if p.is_file()}

    result = pytester.runpytest()

    result.assert_outcomes(passed=1)
    written = sorted(p for p in root.rglob("*") if p.is_file() and p not in before)
    cassettes = [p for p in written if p.suffix == ".yaml"]
    assert len(cassettes) == 1
    text = cassettes[0].read_text()
    assert text.count("- request:") == len(CORPUS)
    assert {p.name: leaks(p.read_text(errors="replace")) for p in written} == {
        p.name: [] for p in written
    }
    assert scan(cassettes, secrets=ENV.values()) == []
