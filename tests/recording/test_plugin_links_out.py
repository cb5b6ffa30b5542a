"""Recording through the pytest plugin never writes through a symlink leading out of the
cassettes folder (as `rerecord` refuses to)."""

from __future__ import annotations

from pathlib import Path

import pytest

# Imported here, in the outer process, so pytester's in-process run reuses them (see
# tests/plugin/conftest.py).
import vcr.serializers.yamlserializer  # noqa: F401
import yaml  # noqa: F401
from pytest_httpserver import HTTPServer

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1", "localhost"])

PYPROJECT = """\
[tool.cassette_contracts]
cassettes = "cassettes"

[tool.pytest.ini_options]
addopts = ["--record-mode=all", "-p", "no:cacheprovider"]
"""

TEST_MODULE = """\
import pytest
import requests


@pytest.fixture(scope="module")
def vcr_cassette_dir(contract_cassettes_dir):
    return str(contract_cassettes_dir / "service")


@pytest.mark.vcr
def test_records():
    assert requests.get("{url}", timeout=5).status_code == 200
"""


def test_recording_refuses_a_symlinked_folder_leading_outside(
    pytester: pytest.Pytester, httpserver: HTTPServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """cassettes/service -> a folder outside: the test fails in one line, nothing written."""
    httpserver.expect_request("/ping").respond_with_json({"ok": True})
    outside = tmp_path_factory.mktemp("outside")
    pytester.makefile(".toml", pyproject=PYPROJECT)
    (pytester.mkdir("cassettes") / "service").symlink_to(outside, target_is_directory=True)
    pytester.makepyfile(test_client=TEST_MODULE.format(url=httpserver.url_for("/ping")))
    result = pytester.runpytest()
    outcomes = result.parseoutcomes()
    assert "passed" not in outcomes
    assert outcomes.get("failed", 0) + outcomes.get("errors", 0) == 1
    assert list(Path(outside).iterdir()) == []
    output = result.stdout.str()
    assert "a symlink leads outside the cassettes folder" in output
    assert "Traceback" not in output


def test_a_file_symlink_leading_outside_is_named_a_file(
    pytester: pytest.Pytester, httpserver: HTTPServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """cassettes/service/test_records.yaml -> a file outside: the message says 'real file'."""
    httpserver.expect_request("/ping").respond_with_json({"ok": True})
    outside = tmp_path_factory.mktemp("outside") / "elsewhere.yaml"
    outside.write_text("kept as it is\n")
    pytester.makefile(".toml", pyproject=PYPROJECT)
    service = pytester.mkdir("cassettes") / "service"
    service.mkdir()
    (service / "test_records.yaml").symlink_to(outside)
    pytester.makepyfile(test_client=TEST_MODULE.format(url=httpserver.url_for("/ping")))
    result = pytester.runpytest()
    assert "passed" not in result.parseoutcomes()
    assert outside.read_text() == "kept as it is\n"
    output = result.stdout.str()
    assert "replace it with a real file" in output
    assert "real folder" not in output
