"""Contracts for every kind of body: json, empty, text, binary, event-stream and NDJSON."""

from __future__ import annotations

import dataclasses
import json

import pytest

from cassette_contracts import (
    CassetteError,
    Interaction,
    NoContractError,
    load_cassette,
    validate_interaction,
)

from .conftest import CORPUS, REAL, Contracts

TYPING = REAL / "tweepy" / "test_api_indicate_direct_message_typing.yaml"  # 1: a real 204
HTML = CORPUS / "bad_cassettes" / "body_not_json.yaml"  # 1: text/html at a JSON endpoint
PNG = CORPUS / "bad_cassettes" / "binary_body.yaml"  # 0: image/png
STREAM = REAL / "simonw-llm" / "test_tools_streaming" / "test_tools_streaming_variant_a.yaml"

TYPING_URL = "POST https://api.twitter.com/1.1/direct_messages/indicate_typing.json"
OCTOCAT_URL = "GET https://api.github.com/users/octocat"
CHAT_URL = "POST https://api.openai.com/v1/chat/completions"
ANY = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
CHUNK = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["id", "choices"],
    "properties": {"id": {"type": "string"}, "created": {"type": "integer"}},
}


def _toml(request: str, status: int, **keys: str) -> str:
    lines = [f'name = "c"\nrequest = "{request}"\nstatus = {status}']
    lines += [f"{key} = {value}" for key, value in keys.items()]
    return "[[contract]]\n" + "\n".join(lines) + "\n"


def _interaction(path: object, index: int) -> Interaction:
    return load_cassette(path).interactions[index]  # type: ignore[arg-type]


def _messages(contracts: Contracts, interaction: Interaction, **keys: str) -> list[str]:
    request = f"{interaction.method} {interaction.uri.partition('?')[0]}"
    contract_map, registry = contracts(
        _toml(request, interaction.status, **keys), {"any.json": ANY, "chunk.json": CHUNK}
    )
    return [v.message for v in validate_interaction(interaction, contract_map, registry)]


def test_empty_body_holds_an_empty_contract(contracts: Contracts) -> None:
    """A real 204 with no bytes satisfies ``body = "empty"``."""
    assert _messages(contracts, _interaction(TYPING, 1), body='"empty"') == []


def test_empty_body_breaks_a_json_contract(contracts: Contracts) -> None:
    """A 204 under a JSON contract is a violation saying expected and found."""
    assert _messages(contracts, _interaction(TYPING, 1), schema='"any.json"') == [
        "the contract expects a json body, the response has an empty body (status 204)"
    ]


def test_json_body_breaks_an_empty_contract(contracts: Contracts) -> None:
    """A body where none is expected is a violation naming its kind and media type."""
    assert _messages(contracts, _interaction(TYPING, 0), body='"empty"') == [
        "the contract expects an empty body, the response has a json body (application/json)"
    ]


@pytest.mark.parametrize(
    ("media_type", "messages"),
    [
        ('"text/html"', []),
        ('"text/*"', []),
        ('["text/plain", "text/html"]', []),
        ('"text/plain"', ["the response is text/html, the contract expects text/plain"]),
    ],
)
def test_text_body_media_type(contracts: Contracts, media_type: str, messages: list[str]) -> None:
    """A text body's Content-Type must match the contract's media type (``*`` a wildcard)."""
    kinds = {"body": '"text"', "media_type": media_type}
    assert _messages(contracts, _interaction(HTML, 1), **kinds) == messages


@pytest.mark.parametrize(
    ("media_type", "messages"),
    [
        ('"image/*"', []),
        ('"*/*"', []),
        ('"image/jpeg"', ["the response is image/png, the contract expects image/jpeg"]),
    ],
)
def test_binary_body_media_type(contracts: Contracts, media_type: str, messages: list[str]) -> None:
    """A binary body's Content-Type must match the contract's media type."""
    kinds = {"body": '"binary"', "media_type": media_type}
    assert _messages(contracts, _interaction(PNG, 0), **kinds) == messages


@pytest.mark.parametrize(
    ("path", "index", "keys", "message"),
    [
        (
            HTML,
            1,
            {"schema": '"any.json"'},
            "the contract expects a json body, the response has a text body (text/html)",
        ),
        (
            PNG,
            0,
            {"schema": '"any.json"'},
            "the contract expects a json body, the response has a binary body (image/png)",
        ),
        (
            PNG,
            0,
            {"body": '"text"'},
            "the contract expects a text body, the response has a binary body (image/png)",
        ),
        (
            HTML,
            0,
            {"body": '"event-stream"', "schema": '"any.json"'},
            "the contract expects an event-stream body, the response has a json body "
            "(application/json)",
        ),
    ],
)
def test_body_of_another_kind_is_a_violation(
    contracts: Contracts, path: object, index: int, keys: dict[str, str], message: str
) -> None:
    """A body of another kind than the contract's is one violation, not an input error."""
    assert _messages(contracts, _interaction(path, index), **keys) == [message]


def test_json_body_under_another_content_type_is_read_as_json(contracts: Contracts) -> None:
    """A JSON body sent as text/plain holds a JSON contract: clients parse it regardless."""
    real = _interaction(HTML, 0)
    relabelled = dataclasses.replace(real, response_headers={"Content-Type": ["text/plain"]})
    assert _messages(contracts, relabelled, schema='"any.json"') == []


def test_binary_contract_takes_any_bytes(contracts: Contracts) -> None:
    """``body = "binary"`` without a media type accepts text bytes too: a client reads bytes."""
    assert _messages(contracts, _interaction(HTML, 1), body='"binary"') == []


def test_event_stream_validates_every_event(contracts: Contracts) -> None:
    """Every event's JSON of a real SSE body holds the schema; ``[DONE]`` is no event to check."""
    keys = {"body": '"event-stream"', "schema": '"chunk.json"'}
    assert _messages(contracts, _interaction(STREAM, 0), **keys) == []


def _retyped(interaction: Interaction, events: set[int], ndjson: bool = False) -> Interaction:
    """``interaction`` with ``created`` made a string in the given events (and as NDJSON)."""
    lines = []
    for index, payload in interaction.event_json():
        if index in events:
            payload["created"] = str(payload["created"])
        lines.append(json.dumps(payload))
    if ndjson:
        body, content_type = "\n".join(lines) + "\n", "application/x-ndjson"
    else:
        body, content_type = "".join(f"data: {line}\n\n" for line in lines), "text/event-stream"
    return dataclasses.replace(
        interaction,
        response_body=body.encode(),
        response_headers={"Content-Type": [content_type]},
    )


@pytest.mark.parametrize("body", ["event-stream", "ndjson"])
def test_stream_violation_names_the_event(contracts: Contracts, body: str) -> None:
    """A field retyped in one event is a violation at its JSON path with the event's index."""
    interaction = _retyped(_interaction(STREAM, 0), {3}, ndjson=body == "ndjson")
    request = f"{interaction.method} {interaction.uri}"
    contract_map, registry = contracts(
        _toml(request, 200, body=f'"{body}"', schema='"chunk.json"'), {"chunk.json": CHUNK}
    )
    [violation] = validate_interaction(interaction, contract_map, registry)
    assert (violation.json_path, violation.event, violation.similar) == ("$.created", 3, 0)
    assert violation.place() == "$.created of event 3"
    assert "is broken at $.created of event 3 in the response body" in violation.format()


def test_stream_events_broken_alike_are_counted_once(contracts: Contracts) -> None:
    """The same break in several events is one violation naming the first, counting the rest."""
    interaction = _retyped(_interaction(STREAM, 0), {1, 2, 4})
    contract_map, registry = contracts(
        _toml(CHAT_URL, 200, body='"event-stream"', schema='"chunk.json"'), {"chunk.json": CHUNK}
    )
    [violation] = validate_interaction(interaction, contract_map, registry)
    assert (violation.event, violation.similar) == (1, 2)


def test_stream_event_that_is_not_json_is_an_input_error(contracts: Contracts) -> None:
    """An event whose data is not JSON is an input error naming the interaction and event."""
    real = _interaction(STREAM, 0)
    broken = dataclasses.replace(real, response_body=b'data: {"id": "a"}\n\ndata: {oops\n\n')
    contract_map, registry = contracts(
        _toml(CHAT_URL, 200, body='"event-stream"', schema='"chunk.json"'), {"chunk.json": CHUNK}
    )
    with pytest.raises(CassetteError, match=r"interaction 0: response event 1 \(line 3"):
        validate_interaction(broken, contract_map, registry)


def test_streamed_and_plain_answers_of_one_endpoint_pick_their_contract(
    contracts: Contracts,
) -> None:
    """Two contracts for one request and status, differing in body, are told apart by kind."""
    stream = _interaction(STREAM, 0)
    plain = dataclasses.replace(
        stream,
        response_body=b'{"id": "x", "choices": []}',
        response_headers={"Content-Type": ["application/json"]},
    )
    toml = _toml(CHAT_URL, 200, schema='"any.json"').replace('"c"', '"plain"') + _toml(
        CHAT_URL, 200, body='"event-stream"', schema='"chunk.json"'
    ).replace('"c"', '"stream"')
    contract_map, _ = contracts(toml, {"any.json": ANY, "chunk.json": CHUNK})
    assert contract_map.match(stream).name == "stream"
    assert contract_map.match(plain).name == "plain"
    found = contract_map.find("POST", CHAT_URL.split()[1], 200)  # coverage: .json() was read
    assert found is not None
    assert found.name == "plain"


def test_body_kind_no_contract_expects_is_named(contracts: Contracts) -> None:
    """An answer of a kind none of the endpoint's contracts expects lists what they expect."""
    stream = _interaction(STREAM, 0)
    html = dataclasses.replace(
        stream, response_body=b"<html></html>", response_headers={"Content-Type": ["text/html"]}
    )
    toml = _toml(CHAT_URL, 200, schema='"any.json"').replace('"c"', '"plain"') + _toml(
        CHAT_URL, 200, body='"event-stream"', schema='"chunk.json"'
    ).replace('"c"', '"stream"')
    contract_map, _ = contracts(toml, {"any.json": ANY, "chunk.json": CHUNK})
    with pytest.raises(NoContractError) as raised:
        contract_map.match(html)
    assert "with a text body; the contracts for it expect other bodies" in str(raised.value)
    assert "body = 'text'" in str(raised.value)
