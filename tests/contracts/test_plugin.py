"""The pytest plugin holds a replayed event stream to its contract, event by event."""

from __future__ import annotations

import shutil
import textwrap

import pytest

# Imported in the outer process so pytester's in-process runs reuse them (see tests/plugin).
import vcr.serializers.yamlserializer  # noqa: F401
import yaml  # noqa: F401

from ..plugin.conftest import replay_pyproject
from .conftest import REAL, SCHEMAS

STREAM = REAL / "simonw-llm" / "test_tools_streaming" / "test_tools_streaming_variant_a.yaml"

PYPROJECT = replay_pyproject("strict = false\n")

TEST = """\
import pytest
import requests


@pytest.fixture(scope="module")
def vcr_cassette_dir(contract_cassettes_dir):
    return str(contract_cassettes_dir)


@pytest.mark.vcr
@pytest.mark.default_cassette("stream")
def test_stream():
    response = requests.post("https://api.openai.com/v1/chat/completions", json={})
    assert response.text.startswith("data: ")
"""


def _project(pytester: pytest.Pytester, edit: tuple[str, str] | None = None) -> None:
    root = pytester.path
    (root / "pyproject.toml").write_text(PYPROJECT)
    shutil.copytree(SCHEMAS, root / "schemas")
    (root / "cassettes").mkdir()
    text = STREAM.read_text()
    if edit is not None:
        assert edit[0] in text
        text = text.replace(*edit, 1)
    (root / "cassettes" / "stream.yaml").write_text(text)
    (root / "test_client.py").write_text(textwrap.dedent(TEST))


def test_replayed_stream_that_holds_passes(pytester: pytest.Pytester) -> None:
    """A replayed server-sent-event body whose every event fits the schema stays green."""
    _project(pytester)
    result = pytester.runpytest("--no-contract-coverage")
    result.assert_outcomes(passed=1)


def test_replayed_stream_with_a_retyped_field_fails_naming_the_event(
    pytester: pytest.Pytester,
) -> None:
    """A field retyped in one replayed event fails the test, naming the field and the event."""
    _project(pytester, ('"arguments":"{}"', '"arguments":{}'))
    result = pytester.runpytest("--no-contract-coverage")
    result.assert_outcomes(failed=1)
    assert (
        "contract 'openai.chat.completions.stream' is broken at "
        "$.choices[0].delta.tool_calls[0].function.arguments of event 3 in the response body"
    ) in result.stdout.str()
