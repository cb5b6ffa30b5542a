"""A tiny project for pytester: one contract, one cassette, tests that replay it.

The payloads here are synthetic test inputs, written to exercise the plugin; they do not
claim to be recordings.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import aiohttp  # noqa: F401
import httpx  # noqa: F401
import pytest

# Imported here, in the outer process, so pytester's in-process runs reuse them: a run drops
# the modules it imported (aiohttp and httpx would be imported again by every client-coverage
# project, at a cost), and re-importing PyYAML pairs its cached C extension with fresh
# Python classes ("could not determine a constructor for the tag None").
import vcr.serializers.yamlserializer  # noqa: F401
import yaml  # noqa: F401

USER_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["login", "public_repos"],
    "properties": {"login": {"type": "string"}, "public_repos": {"type": "integer"}},
}

CONTRACTS = """\
[[contract]]
name = "user"
request = "GET https://api.github.com/users/{username}"
status = 200
schema = "user.schema.json"
"""

CASSETTE = """\
interactions:
- request:
    body: null
    headers: {{}}
    method: GET
    uri: https://api.github.com/users/octo
  response:
    body:
      string: '{body}'
    headers:
      Content-Type: [application/json]
    status: {{code: 200, message: OK}}
version: 1
"""


def replay_pyproject(extra: str = "") -> str:
    """A replay project's pyproject.toml; ``extra``: more ``[tool.cassette_contracts]`` lines."""
    return f"""\
[tool.cassette_contracts]
cassettes = "cassettes"
schemas = "schemas"
{extra}
[tool.pytest.ini_options]
addopts = ["--record-mode=none", "--block-network", "-p", "no:cacheprovider"]
"""


PYPROJECT = replay_pyproject()

TEST_HEADER = """\
import pytest
import requests


@pytest.fixture(scope="module")
def vcr_cassette_dir(contract_cassettes_dir):
    return str(contract_cassettes_dir)


"""

MakeProject = Callable[..., Path]


def cassette(payload: object, uri: str = "https://api.github.com/users/octo") -> str:
    """A one-interaction cassette replaying ``payload`` as the JSON response to GET ``uri``."""
    body = json.dumps(payload).replace("'", "''")  # inside a single-quoted YAML scalar
    return CASSETTE.format(body=body).replace("https://api.github.com/users/octo", uri)


@pytest.fixture
def make_project(pytester: pytest.Pytester) -> MakeProject:
    """Write the project with the given payload and test body; return its folder."""

    def make(payload: dict[str, object], tests: str, *, pyproject: str = PYPROJECT) -> Path:
        root = pytester.path
        (root / "pyproject.toml").write_text(pyproject)
        (root / "schemas").mkdir(exist_ok=True)
        (root / "schemas" / "user.schema.json").write_text(json.dumps(USER_SCHEMA))
        (root / "schemas" / "contracts.toml").write_text(CONTRACTS)
        (root / "cassettes").mkdir(exist_ok=True)
        (root / "cassettes" / "user.yaml").write_text(cassette(payload))
        (root / "test_client.py").write_text(TEST_HEADER + textwrap.dedent(tests))
        return root

    return make
