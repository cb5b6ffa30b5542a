"""Contracts for the real cassettes: tweepy's gzip JSON and llm's server-sent events."""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import yaml

from ..conftest import Run, read_yaml
from .conftest import REAL, SCHEMAS

GET_ME = REAL / "tweepy" / "test_client_get_me.yaml"  # requests, gzip !!binary body
STREAM = REAL / "simonw-llm" / "test_tools_streaming" / "test_tools_streaming_variant_a.yaml"


def _check(body_cli: Callable[..., Run], *paths: str | Path) -> Run:
    return body_cli(
        "check", "--schemas", str(SCHEMAS), "--no-strict", "--no-cache", *map(str, paths)
    )


def test_real_cassettes_hold_their_contracts(body_cli: Callable[..., Run]) -> None:
    """Every real cassette loads and every contract written for them holds (exit 0)."""
    run = _check(body_cli, REAL / "tweepy", REAL / "simonw-llm")
    assert run.code == 0, run.out
    assert "0 violation(s), 0 input error(s)" in run.out
    table = {line.split()[0]: line.split()[-1] for line in run.out.splitlines() if "  " in line}
    assert {name: table[name] for name in table if name.startswith(("twitter.", "openai."))} == {
        "twitter.users.me": "ok",
        "twitter.users.show": "ok",
        "twitter.dm.typing": "ok",
        "twitter.media.upload.finalize": "ok",
        "openai.chat.completions": "ok",
        "openai.chat.completions.stream": "ok",
        "openai.responses": "ok",
        "openai.responses.stream": "ok",
    }


def test_retyped_field_in_gzip_body_fails(body_cli: Callable[..., Run], tmp_path: Path) -> None:
    """A field retyped inside a gzip-compressed !!binary body exits 1 naming its JSON path."""
    document = read_yaml(GET_ME.read_text())
    body = document["interactions"][0]["response"]["body"]
    assert body["string"][:2] == b"\x1f\x8b"  # stored compressed, as the client received it
    payload = json.loads(gzip.decompress(body["string"]))
    payload["data"]["username"] = 42
    body["string"] = gzip.compress(json.dumps(payload).encode())
    broken = tmp_path / "get_me.yaml"
    broken.write_text(yaml.safe_dump(document))
    assert "!!binary" in broken.read_text()
    run = _check(body_cli, broken)
    assert run.code == 1, run.out
    [line] = [line for line in run.out.splitlines() if "broken at" in line]
    assert line.endswith(
        "interaction 0: GET https://api.twitter.com/2/users/me: contract twitter.users.me "
        "broken at $.data.username (response body): 42 is not of type 'string'"
    )


def test_retyped_field_in_sse_event_fails(body_cli: Callable[..., Run], tmp_path: Path) -> None:
    """A field retyped in one server-sent event exits 1 naming the field and the event."""
    broken = tmp_path / "stream.yaml"
    shutil.copy(STREAM, broken)
    document = read_yaml(broken.read_text())
    response = document["interactions"][0]["response"]
    events = response["body"]["string"].split("\n\n")
    chunk = json.loads(events[2].removeprefix("data: "))
    chunk["choices"][0]["delta"]["tool_calls"][0]["function"]["name"] = ["llm_version"]
    events[2] = "data: " + json.dumps(chunk)
    response["body"]["string"] = "\n\n".join(events)
    broken.write_text(yaml.safe_dump(document))
    run = _check(body_cli, broken, "--format", "json")
    assert run.code == 1, run.out
    [violation] = json.loads(run.out)["violations"]
    assert (violation["contract"], violation["json_path"], violation["event"]) == (
        "openai.chat.completions.stream",
        "$.choices[0].delta.tool_calls[0].function.name",
        2,
    )
    text = _check(body_cli, broken).out
    assert (
        "contract openai.chat.completions.stream broken at "
        "$.choices[0].delta.tool_calls[0].function.name of event 2 (response body): "
        "['llm_version'] is not of type 'string'"
    ) in text


def test_body_too_broken_to_tell_its_kind_is_an_input_error(
    body_cli: Callable[..., Run], tmp_path: Path
) -> None:
    """Where contracts differ only in body, a corrupt gzip body is one input error, not a crash."""
    document = read_yaml(STREAM.read_text())
    response = document["interactions"][0]["response"]
    response["headers"]["Content-Encoding"] = ["gzip"]
    response["body"]["string"] = gzip.compress(response["body"]["string"].encode())[:30]
    broken = tmp_path / "stream.yaml"
    broken.write_text(yaml.safe_dump(document))
    run = _check(body_cli, broken)
    assert run.code == 2, run.out
    assert (
        "interaction 0: response body has Content-Encoding gzip but is neither gzip data" in run.out
    )
