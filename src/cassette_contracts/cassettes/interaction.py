"""A cassette and its interactions as data: ``Cassette``, ``Interaction`` (built from a vcrpy
record or from vcrpy's live request/response), and ``header``, the one case-insensitive header
lookup.

Bodies are kept as stored; ``Interaction`` decodes them for checking (``cassettes.bodies``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from os import PathLike
from pathlib import Path
from typing import Any

from ..errors import CassetteError
from .bodies import (
    STREAM_END,
    BodyError,
    BodyKind,
    StreamEvent,
    body_text,
    classify_body,
    codings,
    decode_content,
    event_json,
    parse_ndjson,
    parse_sse,
)
from .shapes import (
    header_items,
    request_body,
    response_record,
)
from .yaml_load import loads_json

__all__ = ["Cassette", "Interaction", "decode_json", "header", "interaction_from_record"]

Headers = Mapping[str, list[str]]


def header(headers: Mapping[str, Any], name: str) -> list[str] | None:
    """The values of header ``name`` (case-insensitive), or None when absent.

    The one header lookup of the package. Values are lists, as cassettes store them; a single
    string (a header mapping built by hand) is taken as a list of one.
    """
    wanted = name.lower()
    for key, values in headers.items():
        if key.lower() == wanted:
            return [values] if isinstance(values, str) else values
    return None


@dataclass(frozen=True)
class Cassette:
    """A cassette file: its interactions in order and vcrpy's ``metadata`` mapping."""

    path: Path
    interactions: tuple[Interaction, ...]
    metadata: Mapping[str, Any]


@dataclass(frozen=True, eq=False)
class Interaction:
    """One recorded request and its response, as vcrpy stored them.

    ``index`` is the 0-based position in the cassette's ``interactions:`` list and ``line``
    the 1-based line of the cassette file where it starts (None when not known, e.g. for an
    interaction built in memory). Header values are lists, as in the cassette file.
    ``response_body`` is the body as stored (possibly still compressed); ``decoded_body``,
    ``body_kind``, ``text()``, ``json()`` and ``events()`` read it as a client does.
    """

    cassette: Path
    index: int
    line: int | None
    method: str
    uri: str
    request_headers: Headers = field(repr=False)
    request_body: bytes | None = field(repr=False)
    status: int
    response_headers: Headers = field(repr=False)
    response_body: bytes = field(repr=False)

    def json(self) -> Any:
        """The response body parsed as JSON; CassetteError says why it is not JSON."""
        return _parse_json(self, self.decoded_body, self.response_headers, "response")

    @cached_property
    def decoded_body(self) -> bytes:
        """The response body with its Content-Encoding undone (decided by its bytes)."""
        return _decoded(self, self.response_body, self.response_headers, "response")

    @cached_property
    def body_kind(self) -> BodyKind:
        """What a client gets: json, empty, text, binary, event-stream or ndjson."""
        content_type = header(self.response_headers, "Content-Type")
        return classify_body(self.status, self.method, content_type, self.decoded_body)

    def text(self) -> str:
        """The decoded response body as text in its declared charset (UTF-8 by default)."""
        try:
            return body_text(self.decoded_body, header(self.response_headers, "Content-Type"))
        except BodyError as exc:
            raise self.error(f"response {exc}{_coding_note(self.response_headers)}") from None

    def events(self) -> tuple[StreamEvent, ...]:
        """The events of an event-stream (SSE) or NDJSON response, in order."""
        kind = self.body_kind
        if kind.kind == "event-stream":
            return parse_sse(self.text())
        if kind.kind == "ndjson":
            return parse_ndjson(self.text())
        raise self.error(
            f"response body is {kind.kind} ({kind.media_type or 'no Content-Type'}), "
            "not an event stream (text/event-stream or NDJSON)"
        )

    def event_json(self) -> list[tuple[int, Any]]:
        """(index, JSON) of each event of a stream response; an SSE ``[DONE]`` end is left out."""
        found = []
        for event in self.events():
            if event.data.strip() == STREAM_END and self.body_kind.kind == "event-stream":
                continue
            try:
                found.append((event.index, event_json(event)))
            except BodyError as exc:
                raise self.error(f"response {exc}") from None
        return found

    def request_json(self) -> Any:
        """The request body parsed as JSON (decoded first); CassetteError says why it is not."""
        return decode_json(self, self.request_body or b"", self.request_headers, "request")

    def error(self, message: str, *, json_path: str | None = None) -> CassetteError:
        """A CassetteError that names this interaction."""
        return CassetteError(
            message,
            file=self.cassette,
            line=self.line,
            interaction=self.index,
            json_path=json_path,
        )

    @classmethod
    def from_vcr(
        cls,
        request: Any,
        response: Mapping[str, Any],
        cassette_path: str | PathLike[str],
        index: int,
        line: int | None = None,
    ) -> Interaction:
        """Build from vcrpy's ``Request`` and response dict (what a cassette replays)."""
        body = getattr(request, "body_bytes", None)
        if body is None:
            body = request.body
        if hasattr(body, "read"):
            body = body.read()
        elif isinstance(body, (Mapping, list)):  # aiohttp json=
            body = request_body(body)
        elif body is not None and not isinstance(body, (bytes, str)):
            body = b"".join(x if isinstance(x, bytes) else str(x).encode() for x in body)
        headers = {str(k): _header_values(v) for k, v in dict(request.headers).items()}
        path = Path(cassette_path)
        return cls(
            cassette=path,
            index=index,
            line=line,
            method=str(request.method).upper(),
            uri=str(request.uri),
            request_headers=headers,
            request_body=_as_bytes(body),
            **_response_fields(response, path, index, line),
        )


def _headers(headers: Any) -> dict[str, list[str]] | None:
    """Header mapping with list values, from a mapping or a list of pairs; None if neither."""
    items = header_items(headers)
    if items is None:
        return None
    found: dict[str, list[str]] = {}
    for name, value in items:
        found.setdefault(str(name), []).extend(_header_values(value))
    return found


def _header_values(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def _as_bytes(body: Any) -> bytes | None:
    if body is None or isinstance(body, bytes):
        return body
    return str(body).encode("utf-8", "surrogatepass")  # a lone surrogate is still kept


def _response_fields(response: Any, path: Path, index: int, line: int | None) -> dict[str, Any]:
    def bad(message: str) -> CassetteError:
        return CassetteError(message, file=path, line=line, interaction=index)

    if not isinstance(response, Mapping):
        raise bad("'response' is not a mapping")
    response = response_record(response)
    status = response.get("status")
    code = status.get("code") if isinstance(status, Mapping) else None
    if not isinstance(code, int) or isinstance(code, bool):
        raise bad("response has no integer 'status: {code: ...}' (nor httpx-era 'status_code')")
    headers = _headers(response.get("headers"))
    if headers is None:
        raise bad("response 'headers' is not a mapping")
    body = response.get("body")
    string = body.get("string") if isinstance(body, Mapping) else body
    if string is not None and not isinstance(string, (str, bytes)):
        raise bad("response body is neither text nor !!binary")
    return {
        "status": code,
        "response_headers": headers,
        "response_body": _as_bytes(string) or b"",
    }


def _coding_note(headers: Headers) -> str:
    applied = codings(header(headers, "Content-Encoding"))
    return f" after undoing Content-Encoding {', '.join(applied)}" if applied else ""


def _decoded(interaction: Interaction, body: bytes, headers: Headers, side: str) -> bytes:
    try:
        return decode_content(body, header(headers, "Content-Encoding"))
    except BodyError as exc:
        raise interaction.error(f"{side} {exc}") from None


def decode_json(interaction: Interaction, body: bytes, headers: Headers, side: str) -> Any:
    """Parse ``body`` as JSON, or raise a CassetteError that says what the body is instead.

    A compressed body is decoded first (by its bytes, see ``_bodies.decode_content``).
    """
    return _parse_json(interaction, _decoded(interaction, body, headers, side), headers, side)


def _parse_json(interaction: Interaction, body: bytes, headers: Headers, side: str) -> Any:
    if not body:
        raise interaction.error(f"{side} body is empty where JSON is expected")
    try:
        return loads_json(body)
    except ValueError as exc:  # UnicodeDecodeError is one
        content_type = ",".join(header(headers, "Content-Type") or ["none declared"])
        coding = _coding_note(headers)
        if isinstance(exc, UnicodeDecodeError):
            byte = body[exc.start : exc.start + 1]
            raise interaction.error(
                f"{side} body{coding} is not valid UTF-8 (byte {exc.start}: {byte!r}; "
                f"Content-Type: {content_type}), so it is not JSON"
            ) from None
        raise interaction.error(
            f"{side} body{coding} is not JSON ({exc}; Content-Type: {content_type}; "
            f"starts {body[:40]!r})"
        ) from None


def interaction_from_record(record: Any, path: Path, index: int, line: int | None) -> Interaction:
    def bad(message: str) -> CassetteError:
        return CassetteError(message, file=path, line=line, interaction=index)

    if not isinstance(record, Mapping) or "request" not in record or "response" not in record:
        raise bad("not an interaction: expected a mapping with 'request' and 'response'")
    request = record["request"]
    if not isinstance(request, Mapping):
        raise bad("'request' is not a mapping")
    method, uri = request.get("method"), request.get("uri")
    if not isinstance(method, str) or not isinstance(uri, str):
        raise bad("request has no 'method' and 'uri' strings")
    headers = _headers(request.get("headers"))
    if headers is None:
        raise bad("request 'headers' is not a mapping")
    try:
        body = request_body(request.get("body"))
    except TypeError:
        raise bad("request body is neither text, !!binary, JSON data nor null") from None
    return Interaction(
        cassette=path,
        index=index,
        line=line,
        method=method.upper(),
        uri=uri,
        request_headers=headers,
        request_body=_as_bytes(body),
        **_response_fields(record["response"], path, index, line),
    )
