"""Every real cassette of tests/data/vcr_cassettes loads and reads as vcrpy replays it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from vcr.filters import decode_response
from vcr.serialize import deserialize
from vcr.serializers import jsonserializer, yamlserializer

from cassette_contracts.cassettes.bodies import BODY_KINDS
from cassette_contracts.cassettes.discover import iter_cassette_paths
from cassette_contracts.cassettes.interaction import Interaction
from cassette_contracts.cassettes.load import load_cassette

REAL = Path(__file__).parents[1] / "data" / "vcr_cassettes"
CASSETTES = iter_cassette_paths([REAL])


def _vcrpy(path: Path) -> tuple[list[Any], list[Any]]:
    """What vcrpy itself reads from ``path``: its requests and responses."""
    serializer = jsonserializer if path.suffix == ".json" else yamlserializer
    loaded = deserialize(path.read_text(encoding="utf-8"), serializer)
    return loaded[0], loaded[1]


def _read(interaction: Interaction) -> None:
    """Read the body the way its kind says a client reads it."""
    kind = interaction.body_kind.kind
    if kind == "json":
        interaction.json()
    elif kind in ("event-stream", "ndjson"):
        assert interaction.event_json()
    elif kind == "text":
        interaction.text()


def test_the_copies_are_all_there() -> None:
    """The folder holds both projects' cassettes in both serializer formats."""
    suffixes = {p.suffix for p in CASSETTES}
    projects = {p.relative_to(REAL).parts[0] for p in CASSETTES}
    assert (suffixes, projects) == ({".yaml", ".json"}, {"tweepy", "simonw-llm"})
    assert len(CASSETTES) == len([p for p in REAL.rglob("*") if p.suffix in (".yaml", ".json")])


@pytest.mark.parametrize("path", CASSETTES, ids=lambda p: p.relative_to(REAL).as_posix())
def test_real_cassette_loads_as_vcrpy_replays_it(path: Path) -> None:
    """Same requests, statuses and (decoded) bodies as vcrpy's own deserializer gives."""
    requests, responses = _vcrpy(path)
    interactions = load_cassette(path).interactions
    assert len(interactions) == len(requests) > 0
    for interaction, request, response in zip(interactions, requests, responses, strict=True):
        assert (interaction.method, interaction.uri) == (request.method, request.uri)
        assert interaction.status == response["status"]["code"]
        assert interaction.line is not None
        assert interaction.decoded_body == (decode_response(response)["body"]["string"] or b"")
        if isinstance(request.body, dict):  # aiohttp json=
            assert interaction.request_json() == request.body
        assert interaction.body_kind.kind in BODY_KINDS
        _read(interaction)


def test_sse_events_of_a_real_stream_are_json() -> None:
    """A real OpenAI stream splits into JSON events, each with its index."""
    path = REAL / "simonw-llm" / "test_tools" / "test_tool_use_basic.yaml"
    streams = [i for i in load_cassette(path).interactions if i.body_kind.kind == "event-stream"]
    assert streams
    for interaction in streams:
        events = interaction.event_json()
        assert [index for index, _ in events] == list(range(len(events)))
        assert all(event["object"] == "chat.completion.chunk" for _, event in events)
        assert interaction.events()[-1].data == "[DONE]"


def test_gzip_binary_and_stored_decoded_read_alike() -> None:
    """tweepy's sync (gzip !!binary) and async (stored decoded) cassettes give the same JSON."""
    gz = load_cassette(REAL / "tweepy" / "test_client_get_me.yaml").interactions[0]
    plain = load_cassette(REAL / "tweepy" / "test_asyncclient_get_me.yaml").interactions[0]
    assert gz.response_body.startswith(b"\x1f\x8b")
    assert plain.response_body.startswith(b"{")
    assert gz.json().keys() == plain.json().keys() == {"data"}
    assert json.loads(gz.decoded_body) == gz.json()
