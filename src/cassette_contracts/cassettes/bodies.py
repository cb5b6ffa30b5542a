"""Recorded bodies as a client reads them: content-coding undone, kind told, streams split.

A cassette keeps a body as the HTTP library handed it to vcrpy, which is not always what the
headers say. With urllib3 2, ``requests`` and ``aiohttp`` bodies are stored already decoded
while the recorded headers still say ``Content-Encoding: gzip``; ``httpx`` bodies stay
compressed (``!!binary``). So :func:`decode_content` decides by the bytes: a body in the
declared coding is decoded, a body that is already plain is read as it is, and only a body
that is neither is an error (a :class:`BodyError` naming the coding). Nothing here writes a
cassette: decoding is for checking only.

:func:`classify_body` tells what a client gets (:data:`BODY_KINDS`); :func:`parse_sse` and
:func:`parse_ndjson` split event streams into :class:`StreamEvent` objects whose JSON
:func:`event_json` reads.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .yaml_load import loads_json

__all__ = [
    "BODY_KINDS",
    "GZIP_MAGIC",
    "BodyError",
    "BodyKind",
    "StreamEvent",
    "body_text",
    "classify_body",
    "decode_content",
    "event_json",
    "media_type",
    "parse_ndjson",
    "parse_sse",
]

Kind = Literal["json", "empty", "text", "binary", "event-stream", "ndjson"]
BODY_KINDS: tuple[Kind, ...] = ("json", "empty", "text", "binary", "event-stream", "ndjson")
SUPPORTED_CODINGS = ("gzip", "deflate", "br", "zstd")
STREAM_END = "[DONE]"  # the data of the last event of OpenAI-style streams: an end marker

GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_CONTROL = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D}
_NDJSON_TYPES = frozenset(
    {
        "application/x-ndjson",
        "application/ndjson",
        "application/jsonl",
        "application/x-jsonl",
        "application/jsonlines",
        "application/x-jsonlines",
    }
)
_TEXT_TYPES = frozenset(
    {
        "application/xml",
        "application/javascript",
        "application/ecmascript",
        "application/x-www-form-urlencoded",
        "application/graphql",
        "application/yaml",
        "application/x-yaml",
        "application/toml",
        "application/x-bibtex",
        "application/sql",
    }
)
_NEWLINE = re.compile(r"\r\n|\r|\n")


class BodyError(ValueError):
    """A body cannot be read as it claims to be; the message says what and why, not where.

    The caller (``Interaction``) turns it into a CassetteError naming file and interaction.
    """


@dataclass(frozen=True)
class BodyKind:
    """What a client gets from a body: one of :data:`BODY_KINDS`, and its media type.

    ``media_type`` is the ``Content-Type`` without parameters, lowercased ("" when absent).
    """

    kind: Kind
    media_type: str = ""


@dataclass(frozen=True)
class StreamEvent:
    """One event of a server-sent-events or NDJSON body.

    ``index`` is the 0-based position among the body's events, ``line`` the 1-based line of
    the body where the event starts. ``data`` is the event's text: for SSE its ``data:`` lines
    joined by newlines, for NDJSON the line. ``event`` and ``id`` are the SSE fields.
    """

    index: int
    line: int
    data: str
    event: str | None = None
    id: str | None = None


def codings(content_encoding: Sequence[str] | None) -> list[str]:
    """The content codings of ``Content-Encoding`` values, in the order they were applied."""
    return [
        token.strip().lower()
        for value in content_encoding or ()
        for token in value.split(",")
        if token.strip() and token.strip().lower() != "identity"
    ]


def decode_content(body: bytes, content_encoding: Sequence[str] | None) -> bytes:
    """``body`` with its content codings undone, decided by its bytes.

    Codings are undone last-applied first. A body that is not in the declared coding but reads
    as text is taken as already decoded (vcrpy with urllib3 2 stores such bodies). BodyError
    when the body is neither, naming the coding.
    """
    for coding in reversed(codings(content_encoding)):
        if not body:
            break
        decoded = _undo(body, coding)
        if decoded is None:  # already decoded by the recording client
            break
        body = decoded
    return body


def _undo(body: bytes, coding: str) -> bytes | None:
    """``body`` decoded from ``coding``; None when it is plain already; BodyError otherwise."""
    if coding in ("gzip", "x-gzip"):
        if not body.startswith(GZIP_MAGIC):
            return None
        return _attempt(body, "gzip", lambda: gzip.decompress(body))
    if coding == "zstd":
        if not body.startswith(_ZSTD_MAGIC):
            return None
        return _attempt(body, "zstd", lambda: _zstd(body))
    if coding == "deflate":
        if len(body) > 1 and body[0] & 0x0F == 8 and (body[0] << 8 | body[1]) % 31 == 0:
            return _attempt(body, "deflate", lambda: zlib.decompress(body))
        if _looks_like_text(body):
            return None
        return _attempt(body, "deflate", lambda: _raw_deflate(body))
    if _looks_like_text(body):
        return None
    if coding == "br":
        return _attempt(body, "br", lambda: _brotli(body))
    raise BodyError(
        f"body has Content-Encoding {coding}, which cannot be decoded "
        f"(supported: {', '.join(SUPPORTED_CODINGS)}), and it is not plain text"
    )


def _attempt(body: bytes, coding: str, decompress: Any) -> bytes | None:
    try:
        result: bytes = decompress()
    except Exception as exc:  # zlib.error, OSError, EOFError, brotli.error, ZstdError
        if _looks_like_text(body):
            return None
        raise BodyError(
            f"body has Content-Encoding {coding} but is neither {coding} data "
            f"({type(exc).__name__}: {exc}) nor plain text; starts {body[:16]!r}"
        ) from None
    return result


def _raw_deflate(body: bytes) -> bytes:
    decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
    result = decompressor.decompress(body) + decompressor.flush()
    if not decompressor.eof:
        raise zlib.error("truncated deflate stream")
    return result


def _brotli(body: bytes) -> bytes:
    import brotli

    result: bytes = brotli.decompress(body)
    return result


def _zstd(body: bytes) -> bytes:
    import zstandard

    decompressor = zstandard.ZstdDecompressor().decompressobj()
    result = decompressor.decompress(body)
    if not decompressor.eof:
        raise zstandard.ZstdError("truncated zstd frame")
    return result


def _looks_like_text(body: bytes) -> bool:
    """UTF-8 without control characters other than whitespace: not compressed data."""
    if _CONTROL.intersection(body[:4096]):
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def media_type(content_type: Sequence[str] | None) -> str:
    """The media type of a ``Content-Type`` header (first value), lowercased; "" when absent."""
    if not content_type:
        return ""
    return content_type[0].split(";", 1)[0].strip().lower()


def _charset(content_type: Sequence[str] | None) -> str | None:
    if not content_type:
        return None
    for parameter in content_type[0].split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"').lower()
    return None


def classify_body(
    status: int, method: str, content_type: Sequence[str] | None, body: bytes
) -> BodyKind:
    """The kind of a decoded response body, from its status, method, Content-Type and bytes.

    ``empty`` when a client sees no body: no bytes (204, 304, 206, a HEAD, ...) or a status or
    method that has none by HTTP. Otherwise by media type: ``event-stream``
    (``text/event-stream``), ``ndjson``, ``json`` (``application/json``, ``*+json``), ``text``
    (``text/*``, ``*+xml``, a charset parameter, ...), else ``binary``. Without a
    Content-Type the bytes decide: JSON, else UTF-8 text, else binary.
    """
    mtype = media_type(content_type)
    if not body or status in (204, 304) or method.upper() == "HEAD":
        return BodyKind("empty", mtype)
    if mtype == "text/event-stream":
        return BodyKind("event-stream", mtype)
    if mtype in _NDJSON_TYPES:
        return BodyKind("ndjson", mtype)
    if mtype in ("application/json", "text/json") or mtype.endswith("+json"):
        return BodyKind("json", mtype)
    if not mtype:
        try:
            loads_json(body)
        except ValueError:
            return BodyKind("text" if _looks_like_text(body) else "binary", mtype)
        return BodyKind("json", mtype)
    if (
        mtype.startswith("text/")
        or mtype.endswith("+xml")
        or mtype in _TEXT_TYPES
        or _charset(content_type) is not None
    ):
        return BodyKind("text", mtype)
    return BodyKind("binary", mtype)


def body_text(body: bytes, content_type: Sequence[str] | None) -> str:
    """``body`` as text in the charset of ``content_type`` (UTF-8 when none is declared)."""
    charset = _charset(content_type) or "utf-8"
    try:
        return body.decode(charset)
    except LookupError:
        raise BodyError(f"body declares an unknown charset {charset!r}") from None
    except UnicodeDecodeError as exc:
        raise BodyError(
            f"body is not valid {charset} text (byte {exc.start}: "
            f"{body[exc.start : exc.start + 1]!r})"
        ) from None


def parse_sse(text: str) -> tuple[StreamEvent, ...]:
    """The events of a ``text/event-stream`` body, as the WHATWG EventSource parser sees them.

    Lines starting with ``:`` are comments; an event ends at a blank line and is dispatched
    only when it has data. An event left open at the end of the body is kept (a recording
    holds the whole stream).
    """
    events: list[StreamEvent] = []
    data: list[str] = []
    event: str | None = None
    event_id: str | None = None
    start: int | None = None

    def dispatch() -> None:
        if data:
            joined = "\n".join(data)
            events.append(StreamEvent(len(events), start or 1, joined, event, event_id))

    for number, line in enumerate(_NEWLINE.split(text.removeprefix("\ufeff")), start=1):
        if not line:
            dispatch()
            data, event, event_id, start = [], None, None, None
            continue
        if line.startswith(":"):
            continue
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if start is None:
            start = number
        if name == "data":
            data.append(value)
        elif name == "event":
            event = value
        elif name == "id" and "\0" not in value:
            event_id = value
    dispatch()
    return tuple(events)


def parse_ndjson(text: str) -> tuple[StreamEvent, ...]:
    """The events of an NDJSON (JSON Lines) body: one per non-blank line."""
    events: list[StreamEvent] = []
    for number, line in enumerate(_NEWLINE.split(text), start=1):
        if line.strip():
            events.append(StreamEvent(len(events), number, line))
    return tuple(events)


def event_json(event: StreamEvent) -> Any:
    """The JSON of one event; BodyError naming the event's index and line when it is not JSON."""
    try:
        return loads_json(event.data)
    except ValueError as exc:
        raise BodyError(
            f"event {event.index} (line {event.line} of the body) is not JSON ({exc}; "
            f"starts {event.data[:40]!r})"
        ) from None
