"""An Interaction reads its response as the client did: decoded, kind told, events split."""

from __future__ import annotations

import gzip
from pathlib import Path

import brotli
import pytest

from cassette_contracts.cassettes.interaction import Interaction
from cassette_contracts.errors import CassetteError

JSON = b'{"id": 1, "name": "x"}'
SSE = (
    b'data: {"delta": "Hel"}\n\n'
    b'data: {"delta": "lo"}\n\n'
    b"data: [DONE]\n\n"
)  # fmt: skip


def _interaction(
    body: bytes,
    *,
    status: int = 200,
    method: str = "GET",
    content_type: str | None = "application/json",
    encoding: str | None = None,
) -> Interaction:
    headers = {}
    if content_type is not None:
        headers["Content-Type"] = [content_type]
    if encoding is not None:
        headers["Content-Encoding"] = [encoding]
    return Interaction(
        cassette=Path("c.yaml"),
        index=2,
        line=40,
        method=method,
        uri="https://api.example.test/x",
        request_headers={},
        request_body=None,
        status=status,
        response_headers=headers,
        response_body=body,
    )


@pytest.mark.parametrize(
    ("body", "encoding"),
    [
        (gzip.compress(JSON, mtime=0), "gzip"),
        (JSON, "gzip"),  # urllib3 2: stored decoded, header kept
        (brotli.compress(JSON), "br"),
        (JSON, None),
    ],
    ids=["gzip-binary", "gzip-stored-decoded", "br", "plain"],
)
def test_json_decodes_by_the_bytes(body: bytes, encoding: str | None) -> None:
    """``json()`` reads compressed and already-decoded bodies alike."""
    assert _interaction(body, encoding=encoding).json() == {"id": 1, "name": "x"}


def test_brotli_garbage_error_names_the_encoding() -> None:
    """A body that is not brotli under ``Content-Encoding: br`` says so, not "not UTF-8"."""
    interaction = _interaction(b"\x8b\x00\xff\xfe\x07garbage\x00", encoding="br")
    with pytest.raises(CassetteError) as caught:
        interaction.json()
    assert str(caught.value).startswith(
        "c.yaml:40: interaction 2: response body has Content-Encoding br but is neither br data"
    )


def test_decoded_text_that_is_not_json_names_the_encoding() -> None:
    """A gzip body that decodes to something other than JSON says it was decoded first."""
    interaction = _interaction(gzip.compress(b"<html>", mtime=0), encoding="gzip")
    with pytest.raises(CassetteError, match="response body after undoing Content-Encoding gzip"):
        interaction.json()


def test_response_body_keeps_the_stored_bytes() -> None:
    """``response_body`` stays as stored; ``decoded_body`` is the decoded one."""
    packed = gzip.compress(JSON, mtime=0)
    interaction = _interaction(packed, encoding="gzip")
    assert (interaction.response_body, interaction.decoded_body) == (packed, JSON)


@pytest.mark.parametrize(
    ("status", "method", "body", "kind"),
    [
        (204, "DELETE", b"", "empty"),
        (200, "HEAD", b"", "empty"),
        (200, "GET", gzip.compress(JSON, mtime=0), "json"),
    ],
    ids=["204", "head", "gzip-json"],
)
def test_body_kind(status: int, method: str, body: bytes, kind: str) -> None:
    """``body_kind`` classifies the decoded body."""
    assert _interaction(body, status=status, method=method, encoding="gzip").body_kind.kind == kind


def test_event_json_gives_each_event_with_its_index() -> None:
    """An SSE response gives the JSON of each event with its index, the ``[DONE]`` end left out."""
    interaction = _interaction(SSE, content_type="text/event-stream; charset=utf-8")
    assert [e.data for e in interaction.events()] == [
        '{"delta": "Hel"}',
        '{"delta": "lo"}',
        "[DONE]",
    ]
    assert interaction.event_json() == [(0, {"delta": "Hel"}), (1, {"delta": "lo"})]


def test_ndjson_events() -> None:
    """An NDJSON response gives one event per line."""
    interaction = _interaction(b'{"n": 1}\n{"n": 2}\n', content_type="application/x-ndjson")
    assert interaction.event_json() == [(0, {"n": 1}), (1, {"n": 2})]


def test_bad_event_names_interaction_and_event() -> None:
    """An event that is not JSON is an error naming the interaction, the event and its line."""
    interaction = _interaction(b"data: {}\n\ndata: {oops\n\n", content_type="text/event-stream")
    with pytest.raises(CassetteError) as caught:
        interaction.event_json()
    assert str(caught.value).startswith(
        "c.yaml:40: interaction 2: response event 1 (line 3 of the body) is not JSON"
    )


def test_events_of_a_json_body_is_an_error() -> None:
    """Asking a JSON response for events says what it is instead."""
    with pytest.raises(CassetteError, match=r"response body is json \(application/json\), not"):
        _interaction(JSON).events()
