"""Bodies read as a client reads them: content-coding by the bytes, kinds, event streams."""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest
import zstandard

from cassette_contracts.cassettes.bodies import (
    BodyError,
    BodyKind,
    StreamEvent,
    body_text,
    classify_body,
    decode_content,
    event_json,
    parse_ndjson,
    parse_sse,
)

JSON = b'{"login": "octocat", "id": 583231, "bio": null}'


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("coding", "compress"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", _raw_deflate),
        ("br", brotli.compress),
        ("zstd", zstandard.ZstdCompressor().compress),
        ("GZip", gzip.compress),
    ],
)
def test_compressed_body_is_decoded(coding: str, compress: object) -> None:
    """A body stored in its declared coding is decompressed."""
    assert callable(compress)
    assert decode_content(compress(JSON), [coding]) == JSON


def test_zstd_frame_without_content_size_is_decoded() -> None:
    """A streamed zstd frame (no content size in its header) decodes too."""
    compressor = zstandard.ZstdCompressor().compressobj()
    frame = compressor.compress(JSON) + compressor.flush()
    assert decode_content(frame, ["zstd"]) == JSON


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br", "zstd", "compress"])
def test_body_already_decoded_is_read_as_it_is(coding: str) -> None:
    """A plain body under a Content-Encoding header (urllib3 2 recordings) is taken as it is."""
    assert decode_content(JSON, [coding]) == JSON


def test_stacked_codings_are_undone_last_first() -> None:
    """``Content-Encoding: deflate, gzip`` means gzip was applied last, so it is undone first."""
    body = gzip.compress(zlib.compress(JSON))
    assert decode_content(body, ["deflate, gzip"]) == JSON
    assert decode_content(body, ["deflate", "gzip"]) == JSON


@pytest.mark.parametrize("codings", [None, [], ["identity"]])
def test_no_coding_leaves_bytes_alone(codings: list[str] | None) -> None:
    """Without a coding the bytes are returned unchanged, binary or not."""
    assert decode_content(b"\x89PNG\r\n\x1a\n", codings) == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("coding", "body", "named"),
    [
        ("br", b"\xce\xb2\x00\xff garbage \x00\x01", "br"),
        ("gzip", gzip.compress(JSON, mtime=0)[:20], "gzip"),
        ("deflate", b"\x00\xff\xfe\x01\x02", "deflate"),
        ("zstd", zstandard.ZstdCompressor().compress(JSON)[:12], "zstd"),
        ("aes128gcm", b"\x00\xff\xfe\x01\x02", "aes128gcm"),
    ],
)
def test_undecodable_body_names_its_coding(coding: str, body: bytes, named: str) -> None:
    """A body that is neither in its coding nor plain text is an error naming the coding."""
    with pytest.raises(BodyError, match=f"Content-Encoding {named}"):
        decode_content(body, [coding])


@pytest.mark.parametrize(
    ("status", "method", "content_type", "body", "kind"),
    [
        (200, "GET", "application/json; charset=utf-8", JSON, "json"),
        (200, "GET", "application/vnd.github+json", JSON, "json"),
        (204, "DELETE", None, b"", "empty"),
        (304, "GET", "application/json", b"", "empty"),
        (200, "HEAD", "application/json", b"", "empty"),
        (206, "GET", "application/octet-stream", b"", "empty"),
        (201, "POST", "text/html;charset=utf-8", b"", "empty"),
        (500, "GET", "text/plain", b"oops", "text"),
        (200, "GET", "text/html; charset=utf-8", b"<p>", "text"),
        (200, "GET", "application/x-bibtex", b"@article{", "text"),
        (200, "GET", "application/atom+xml", b"<feed/>", "text"),
        (200, "GET", "application/x-custom; charset=utf-8", b"hi", "text"),
        (200, "GET", "image/png", b"\x89PNG", "binary"),
        (200, "GET", "application/pdf", b"%PDF-", "binary"),
        (200, "POST", "text/event-stream; charset=utf-8", b"data: {}\n\n", "event-stream"),
        (200, "POST", "application/x-ndjson", b"{}\n{}\n", "ndjson"),
        (200, "GET", None, JSON, "json"),
        (200, "GET", None, b"hello", "text"),
        (200, "GET", None, b"\x89PNG\x00", "binary"),
    ],
)
def test_classify_body(
    status: int, method: str, content_type: str | None, body: bytes, kind: str
) -> None:
    """A body's kind follows status, method, media type, and the bytes when no type is given."""
    header = None if content_type is None else [content_type]
    assert classify_body(status, method, header, body).kind == kind


def test_body_kind_carries_the_media_type() -> None:
    """The kind carries the media type, lowercased and without parameters."""
    found = classify_body(200, "GET", ["Text/Plain; charset=utf-8"], b"x")
    assert found == BodyKind("text", "text/plain")


def test_body_text_uses_the_declared_charset() -> None:
    """Text is decoded in the charset of Content-Type."""
    assert body_text("café".encode("latin-1"), ["text/plain; charset=ISO-8859-1"]) == "café"


def test_body_text_error_names_the_charset() -> None:
    """Bytes that are not in the declared charset are an error naming it."""
    with pytest.raises(BodyError, match=r"not valid utf-8 text \(byte 3"):
        body_text(b"caf\xe9", ["text/plain"])


def test_sse_events_with_fields_comments_and_multiline_data() -> None:
    """SSE: comments skipped, data lines joined, event and id kept, each with index and line."""
    text = (
        ": keep-alive\n"
        "event: response.created\n"
        'data: {"a":\n'
        "data: 1}\n"
        "\n"
        "id: 7\r\n"
        'data:{"b":2}\r\n'
        "\r\n"
        "event: ping\n"
        "\n"
        "data: [DONE]\n"
    )
    assert parse_sse(text) == (
        StreamEvent(0, 2, '{"a":\n1}', "response.created"),
        StreamEvent(1, 6, '{"b":2}', None, "7"),
        StreamEvent(2, 11, "[DONE]"),
    )


def test_ndjson_events_skip_blank_lines() -> None:
    """NDJSON: one event per non-blank line, with its line number."""
    assert parse_ndjson('{"a": 1}\n\n{"a": 2}\n') == (
        StreamEvent(0, 1, '{"a": 1}'),
        StreamEvent(1, 3, '{"a": 2}'),
    )


def test_event_json_error_names_index_and_line() -> None:
    """An event whose data is not JSON is an error naming its index and line."""
    with pytest.raises(BodyError, match=r"event 4 \(line 9 of the body\) is not JSON"):
        event_json(StreamEvent(4, 9, "{oops"))


def test_event_nested_deeper_than_the_loader_reads_is_not_json() -> None:
    """An event's JSON goes through the one bounded decoder: too deep is a BodyError."""
    deep = "[" * 150 + "]" * 150
    with pytest.raises(BodyError, match=r"event 0 .*nested deeper than 100 levels"):
        event_json(StreamEvent(index=0, line=1, data=deep))


def test_untyped_body_nested_too_deep_is_text_not_json() -> None:
    """Without a Content-Type, a body only the bounded decoder can refuse is not taken as JSON."""
    deep = b"[" * 150 + b"]" * 150
    assert classify_body(200, "GET", None, deep).kind == "text"
