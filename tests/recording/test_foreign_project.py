"""rerecord in a project that is not this one: its own package-free tests, its own API on
127.0.0.1, no `rerecord_tests`, no upstreams: every test that uses a cassette records."""

from __future__ import annotations

import os
import socket
import textwrap
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from cassette_contracts.recording.rerecord import rerecord
from cassette_contracts.settings import load_settings

from ..conftest import read_yaml

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1", "localhost"])

TESTS = """
import os

import pytest
import requests


@pytest.fixture(scope="module")
def vcr_cassette_dir(contract_cassettes_dir):
    return str(contract_cassettes_dir / "shop")


@pytest.mark.vcr
def test_item():
    response = requests.get(os.environ["SHOP_URL"] + "/items/1", timeout=5)
    assert response.json()["name"] == "pen"


@pytest.mark.vcr
@pytest.mark.frozen_cassette
def test_frozen_is_never_recorded():
    raise AssertionError("a frozen_cassette test ran while recording")


def test_without_cassette_is_not_run():
    raise AssertionError("a test without a cassette ran while recording")
"""


def make_project(root: Path, base: str) -> Path:
    """A project with one contract for its own API at ``base`` and three tests."""
    (root / "schemas").mkdir(parents=True)
    (root / "schemas" / "contracts.toml").write_text(
        textwrap.dedent(
            f"""
            [[contract]]
            name = "shop.item"
            request = "GET {base}/items/{{id}}"
            status = 200
            schema = "item.schema.json"
            """
        )
    )
    (root / "schemas" / "item.schema.json").write_text(
        '{"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}'
    )
    (root / "pyproject.toml").write_text(
        '[tool.cassette_contracts]\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'
    )
    (root / "tests").mkdir()
    (root / "tests" / "test_shop.py").write_text(TESTS)
    return root


def test_records_every_test_that_uses_a_cassette_by_default(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    """Default settings: the `vcr` tests of pytest's testpaths record, never frozen or
    cassette-less ones; the cassette is promoted with no upstreams in its provenance."""
    httpserver.expect_request("/items/1").respond_with_json({"name": "pen"})
    base = httpserver.url_for("").rstrip("/")
    project = make_project(tmp_path / "shop", base)
    env = {**os.environ, "SHOP_URL": base}
    outcome = rerecord(load_settings(project), env=env)
    assert outcome.exit_code == 0, outcome.summary()
    assert [p.as_posix() for p in outcome.recorded] == ["shop/test_item.yaml"]
    data = read_yaml((project / "cassettes" / "shop" / "test_item.yaml").read_text())
    assert "upstreams" not in data["metadata"]["provenance"]


def test_connection_refused_of_a_plain_requests_client_is_an_upstream_fault(
    tmp_path: Path,
) -> None:
    """requests' ConnectionError, found in the failed test's exception chain: exit 3, named."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        base = f"http://127.0.0.1:{probe.getsockname()[1]}"
    project = make_project(tmp_path / "shop", base)
    outcome = rerecord(load_settings(project), env={**os.environ, "SHOP_URL": base})
    assert outcome.exit_code == 3
    assert outcome.reason is not None
    assert "ConnectionError" in outcome.reason
    assert "tests/test_shop.py::test_item" in outcome.reason
    assert not (project / "cassettes").exists()


def test_missing_rerecord_tests_path_is_a_usage_error(tmp_path: Path) -> None:
    """A configured test path that does not exist: one line naming it and the setting."""
    from cassette_contracts.errors import UsageError

    project = make_project(tmp_path / "shop", "http://127.0.0.1:9")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            "[tool.cassette_contracts]\n", '[tool.cassette_contracts]\nrerecord_tests = ["nope"]\n'
        )
    )
    with pytest.raises(UsageError, match=r"rerecord_tests: no such test path .*nope"):
        rerecord(load_settings(project))
