"""Contracts without a JSON body in the other commands: the cache, coverage pins and drift."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from cassette_contracts.contracts.pins import pinned_by_contract
from cassette_contracts.settings import load_settings

from ..conftest import Run
from .conftest import REAL, SCHEMAS

GET_ME = REAL / "tweepy" / "test_client_get_me.yaml"


def test_coverage_pins_only_json_bodies(tmp_path: Path) -> None:
    """Coverage takes the pins of JSON-body contracts; empty and streamed ones are left out."""
    pins = pinned_by_contract(load_settings(tmp_path, schemas=str(SCHEMAS)))
    assert sorted(pins) == [
        "openai.chat.completions",
        "openai.responses",
        "twitter.users.me",
        "twitter.users.show",
    ]
    assert "$.data.username" in pins["twitter.users.me"]


def test_drift_compares_streamed_and_empty_endpoints(
    body_cli: Callable[..., Run], tmp_path: Path
) -> None:
    """Offline drift over SSE and JSON answers of one endpoint runs and finds no drift."""
    for side in ("base", "fresh"):
        for folder in ("test_tools", "test_tools_streaming"):
            shutil.copytree(REAL / "simonw-llm" / folder, tmp_path / side / folder)
    run = body_cli(
        "drift",
        "--schemas",
        str(SCHEMAS),
        "--baseline",
        str(tmp_path / "base"),
        "--fresh",
        str(tmp_path / "fresh"),
    )
    assert (run.code, run.err) == (0, "")
    assert "openai.chat.completions.stream: no drift" in run.out


def test_changed_header_pin_is_not_answered_from_the_cache(
    body_cli: Callable[..., Run], tmp_path: Path
) -> None:
    """Editing a contract's header pins changes the result even with a warm cache."""
    schemas = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, schemas)
    args = ("check", "--schemas", str(schemas), "--no-strict", "--cache-dir", "cache")
    assert body_cli(*args, str(GET_ME)).code == 0
    toml = schemas / "contracts.toml"
    toml.write_text(toml.read_text().replace('"date" = "http-date"', '"date" = "integer"'))
    run = body_cli(*args, str(GET_ME))
    assert run.code == 1
    assert "broken at date (response headers)" in run.out


def test_cached_stream_violation_keeps_its_event(
    body_cli: Callable[..., Run], tmp_path: Path
) -> None:
    """A stream violation answered from the cache still names its event."""
    stream = tmp_path / "stream.yaml"
    original = REAL / "simonw-llm" / "test_tools_streaming" / "test_tools_streaming_variant_a.yaml"
    stream.write_text(original.read_text().replace('"index":0,"id":"0"', '"index":"0","id":"0"', 1))
    args = ("check", "--schemas", str(SCHEMAS), "--no-strict", "--cache-dir", "cache", str(stream))
    first, second = body_cli(*args), body_cli(*args)
    assert (first.code, second.code) == (1, 1)
    broken = "broken at $.choices[0].delta.tool_calls[0].index of event 2 (response body)"
    assert broken in first.out
    assert broken in second.out
    assert "1 cassette(s) (1 from cache)" in second.out
