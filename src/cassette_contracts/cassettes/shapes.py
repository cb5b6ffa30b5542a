"""The cassette shapes vcrpy replays, brought to one: serializers, document and record forms.

vcrpy writes a cassette with its YAML serializer (``.yaml``/``.yml``) or its JSON serializer
(``.json``, e.g. tweepy's). Within a document it accepts more than it writes today: no
``version`` key, the httpx-era response ``{status_code, content}``, headers as lists,
scalars or tuples, request bodies that aiohttp passed as a mapping. The pre-1.0 format (a
top-level list with ``!!python/object`` tags) it refuses and points at its migration script;
so does this module, in one line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import CassetteError
from .yaml_load import loads_json

__all__ = ["JSON_SUFFIXES", "cassette_records", "parse_json_cassette", "refuse_legacy"]

JSON_SUFFIXES = (".json",)
MIGRATION = "python -m vcr.migration PATH"
_LEGACY_TAGS = (b"!!python/object:vcr.request.Request", b"!!python/object/apply:__builtin__")
_decoder = json.JSONDecoder()
_WHITESPACE = " \t\n\r"


def _legacy_error(path: Path, line: int | None = None) -> CassetteError:
    return CassetteError(
        "pre-1.0 vcrpy cassette format (a list of interactions, no 'version'), which vcrpy "
        f"no longer loads: convert it with `{MIGRATION}` (back it up first) or re-record it",
        file=path,
        line=line,
    )


def refuse_legacy(data: bytes, path: Path) -> None:
    """CassetteError when ``data`` is a pre-1.0 cassette with python tags (YAML ones)."""
    for tag in _LEGACY_TAGS:
        at = data.find(tag)
        if at >= 0:
            raise _legacy_error(path, data.count(b"\n", 0, at) + 1)


def cassette_records(document: Any, path: Path) -> tuple[list[Any], Mapping[str, Any]]:
    """The ``interactions`` list and ``metadata`` mapping of a loaded cassette document.

    Accepts what vcrpy's ``deserialize`` accepts: a mapping with an ``interactions`` list and
    a ``version`` of 1 or none. CassetteError (naming the migration command for the pre-1.0
    format) otherwise.
    """
    first = document[0] if isinstance(document, list) and document else None
    if isinstance(first, Mapping) and "request" in first:
        raise _legacy_error(path, 1)
    if not isinstance(document, Mapping):
        if document is None:
            kind = "empty"
        else:
            syntax = "JSON" if path.suffix in JSON_SUFFIXES else "YAML"
            kind = f"a {syntax} {type(document).__name__}"
        raise CassetteError(
            f"not a vcrpy cassette: the document is {kind}, expected a mapping with "
            "'version' and 'interactions'",
            file=path,
            line=1,
        )
    version = document.get("version", 1)
    if version != 1:
        raise CassetteError(
            f"unsupported cassette version {version!r}: only 'version: 1' "
            "(vcrpy >= 1.0) is supported",
            file=path,
        )
    records = document.get("interactions")
    if records is None:
        raise CassetteError(
            "not a vcrpy cassette: no 'interactions' list (vcrpy writes 'interactions:')",
            file=path,
        )
    if not isinstance(records, list):
        raise CassetteError("'interactions' is not a list", file=path)
    metadata = document.get("metadata") or {}
    if not isinstance(metadata, Mapping):
        raise CassetteError("'metadata' is not a mapping", file=path)
    return records, metadata


def parse_json_cassette(data: bytes, path: Path) -> tuple[Any, list[int | None]]:
    """A cassette of vcrpy's JSON serializer, and the 1-based line where each interaction starts.

    Parsed as JSON (not as YAML, which refuses the ``\\ud83c\\udf39`` surrogate escapes that
    ``json.dumps`` writes for characters beyond the BMP).
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CassetteError(
            f"not valid UTF-8 text: byte {exc.start} ({exc.reason}); JSON cassettes are UTF-8",
            file=path,
            line=data.count(b"\n", 0, exc.start) + 1,
        ) from None
    try:
        document = loads_json(text)
    except json.JSONDecodeError as exc:
        raise CassetteError(f"malformed JSON: {exc.msg}", file=path, line=exc.lineno) from None
    except ValueError as exc:  # nested deeper than any cassette is
        raise CassetteError(f"malformed JSON: {exc}", file=path) from None
    return document, _interaction_lines(text)


def _interaction_lines(text: str) -> list[int | None]:
    """Lines of the items of the top-level ``interactions`` array (empty when not found)."""
    position = _skip(text, 0)
    if text[position : position + 1] != "{":
        return []
    position = _skip(text, position + 1)
    while position < len(text) and text[position] == '"':
        key, position = _decoder.raw_decode(text, position)
        position = _skip(text, _skip(text, position) + 1)  # past the ':'
        if key == "interactions" and text[position : position + 1] == "[":
            return _array_item_lines(text, position)
        _, position = _decoder.raw_decode(text, position)
        position = _skip(text, position)
        if text[position : position + 1] != ",":
            break
        position = _skip(text, position + 1)
    return []


def _array_item_lines(text: str, position: int) -> list[int | None]:
    lines: list[int | None] = []
    position = _skip(text, position + 1)
    line, counted = 1, 0
    while position < len(text) and text[position] != "]":
        line += text.count("\n", counted, position)
        counted = position
        lines.append(line)
        _, position = _decoder.raw_decode(text, position)
        position = _skip(text, position)
        if text[position : position + 1] == ",":
            position = _skip(text, position + 1)
    return lines


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position] in _WHITESPACE:
        position += 1
    return position


def response_record(response: Mapping[str, Any]) -> Mapping[str, Any]:
    """The response in vcrpy's current shape; the httpx-era ``{status_code, content}`` too.

    vcrpy's httpx stub still replays cassettes its older versions wrote that way.
    """
    if "status_code" in response and "status" not in response:
        return {
            "status": {"code": response["status_code"]},
            "headers": response.get("headers"),
            "body": {"string": response.get("content")},
        }
    return response


def header_items(headers: Any) -> list[tuple[Any, Any]] | None:
    """Headers as (name, value) pairs: from a mapping, or a list of pairs; None otherwise."""
    if headers is None:
        return []
    if isinstance(headers, Mapping):
        return list(headers.items())
    if isinstance(headers, (list, tuple)) and all(
        isinstance(pair, (list, tuple)) and len(pair) == 2 for pair in headers
    ):
        return [(name, value) for name, value in headers]
    return None


def request_body(body: Any) -> str | bytes | None:
    """A request body as text or bytes: aiohttp's ``json=`` bodies are stored as data.

    TypeError for anything else.
    """
    if body is None or isinstance(body, (str, bytes)):
        return body
    if isinstance(body, (Mapping, list)):
        return json.dumps(body)  # what aiohttp sent; TypeError when it cannot have been JSON
    raise TypeError(type(body).__name__)
