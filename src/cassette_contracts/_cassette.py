"""Load vcrpy cassettes (YAML or JSON serializer), with the line where each interaction starts.

Bodies are kept as stored; ``Interaction`` decodes them for checking (``_bodies``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from os import PathLike
from pathlib import Path
from typing import Any

import yaml

from ._bodies import (
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
from ._formats import (
    JSON_SUFFIXES,
    cassette_records,
    header_items,
    parse_json_cassette,
    refuse_legacy,
    request_body,
    response_record,
)
from .errors import CassetteError, UsageError

__all__ = [
    "Cassette",
    "CassetteStream",
    "Interaction",
    "iter_cassette_paths",
    "load_cassette",
    "stream_cassette",
]

CASSETTE_SUFFIXES = (".yaml", ".yml", *JSON_SUFFIXES)

try:  # libyaml when PyYAML was built with it: several times faster
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment,unused-ignore]
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _BaseLoader = yaml.SafeLoader


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type,unused-ignore]
    """Safe loader plus the harmless Python tags that vcrpy cassettes contain."""


def _construct_str(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return loader.construct_scalar(node)  # type: ignore[arg-type]


def _construct_tuple(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return tuple(loader.construct_sequence(node))  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:python/str", _construct_str)
_Loader.add_constructor("tag:yaml.org,2002:python/unicode", _construct_str)
_Loader.add_constructor("tag:yaml.org,2002:python/tuple", _construct_tuple)

Headers = Mapping[str, list[str]]


def header(headers: Headers, name: str) -> list[str] | None:
    """The values of header ``name`` (case-insensitive), or None when absent."""
    wanted = name.lower()
    for key, values in headers.items():
        if key.lower() == wanted:
            return values
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
    except UnicodeDecodeError as exc:
        content_type = ",".join(header(headers, "Content-Type") or ["none declared"])
        raise interaction.error(
            f"{side} body{_coding_note(headers)} is not valid UTF-8 (byte {exc.start}: "
            f"{body[exc.start : exc.start + 1]!r}; Content-Type: {content_type}), so it is not JSON"
        ) from None
    except ValueError as exc:
        content_type = ",".join(header(headers, "Content-Type") or ["none declared"])
        raise interaction.error(
            f"{side} body{_coding_note(headers)} is not JSON ({exc}; Content-Type: "
            f"{content_type}; starts {body[:40]!r})"
        ) from None


def load_cassette(path: str | PathLike[str]) -> Cassette:
    """Read and check one cassette file; CassetteError names the file, line and interaction."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CassetteError(f"cannot read cassette: {exc.strerror}", file=path) from None
    return parse_cassette(data, path)


def parse_cassette(data: bytes, path: Path) -> Cassette:
    """Parse cassette bytes already read from ``path`` (JSON serializer when it ends .json)."""
    stream = stream_cassette(data, path)
    interactions = tuple(stream)
    return Cassette(path=path, interactions=interactions, metadata=stream.metadata)


class CassetteStream:
    """The interactions of cassette bytes, built one at a time as they are iterated.

    A YAML cassette is read from libyaml's events: each interaction is built, handed out and
    dropped, so memory is bounded by the largest interaction, not by the file. Iterate it once;
    ``metadata`` is known after that. Any CassetteError (malformed YAML, a document that is
    not a cassette, an interaction of the wrong shape) is raised during the iteration, with
    the same precedence as reading the whole file first: a file-level problem anywhere in the
    file wins over the shape of an interaction, so interactions handed out before an error
    belong to a file that turned out to be an input error.
    """

    def __init__(self, data: bytes, path: Path) -> None:
        self.data = data
        self.path = path
        self.metadata: Mapping[str, Any] = {}

    def __iter__(self) -> Iterator[Interaction]:
        path = self.path
        if path.suffix.lower() in JSON_SUFFIXES:
            document, lines = parse_json_cassette(self.data, path)
            records = _records(document, lines, path)
        else:
            refuse_legacy(self.data, path)
            records = _stream_yaml(self.data, path)
        problem: CassetteError | None = None
        index = 0
        try:
            while True:
                record, line = next(records)
                if problem is None:
                    try:
                        interaction = _interaction(record, path, index, line)
                    except CassetteError as exc:  # raised once the whole file is known sound
                        problem = exc
                    else:
                        yield interaction
                index += 1
        except StopIteration as end:
            self.metadata = end.value
        if problem is not None:
            raise problem


def stream_cassette(data: bytes, path: Path) -> CassetteStream:
    """The interactions of cassette bytes read from ``path``, one at a time (see CassetteStream)."""
    return CassetteStream(data, path)


@dataclass(frozen=True)
class Slice:
    """Consecutive interactions of a YAML cassette, as bytes ``start:end`` of the file: the
    ``count`` items of its ``interactions`` list from ``first_index``, starting after
    ``lines_before`` lines of the file."""

    start: int
    end: int
    first_index: int
    lines_before: int
    count: int


class SliceError(Exception):
    """The slice is not what ``split_interactions`` took it for: read the whole file instead."""


#: A line of a vcrpy-written YAML cassette that starts at column 0 with something.
_COLUMN_0 = re.compile(rb"\n(?=[^ \t\r\n#])")


def split_interactions(data: bytes, parts: int) -> tuple[bytes, list[Slice]] | None:
    """The cassette without its interactions, and its interactions in up to ``parts`` slices
    of consecutive items, each readable on its own; None when ``data`` is not laid out as
    vcrpy writes it (``interactions:`` at column 0, each item a line starting ``- ``).

    A slice boundary is a line that starts ``- `` at column 0. Inside a block scalar or a
    plain multi-line one such a line cannot be; inside a quoted or flow one (not vcrpy's
    layout) it leaves the slice before it unterminated: ``slice_items`` then raises
    SliceError, and the caller reads the file whole.
    """
    if data.startswith(b"interactions:\n"):
        begin = len(b"interactions:\n")
    else:
        at = data.find(b"\ninteractions:\n")
        if at < 0:
            return None
        begin = at + len(b"\ninteractions:\n")
    if data[begin : begin + 2] != b"- " or _may_hold_anchors(data):
        return None
    starts, end = [begin], len(data)
    for match in _COLUMN_0.finditer(data, begin):
        line = match.end()
        if data[line : line + 2] == b"- ":
            starts.append(line)
        else:
            end = line
            break
    if len(starts) < 2 * parts:
        return None
    rest = data[: begin - 1] + b" []\n" + data[end:]
    slices, lines, counted = [], 0, 0
    for part in range(parts):
        first, last = len(starts) * part // parts, len(starts) * (part + 1) // parts
        start = starts[first]
        lines += data.count(b"\n", counted, start)
        counted = start
        stop = starts[last] if last < len(starts) else end
        slices.append(Slice(start, stop, first, lines, last - first))
    return rest, slices


def slice_items(chunk: bytes, path: Path, piece: Slice) -> Iterator[Interaction]:
    """The interactions of ``chunk``, the bytes of ``piece`` of the cassette ``path``, one at
    a time; SliceError when it does not read as ``piece.count`` interactions."""
    builder = _EventBuilder(chunk)
    count = 0
    try:
        for record, line in builder.items():
            try:
                yield _interaction(
                    record, path, piece.first_index + count, piece.lines_before + line
                )
            except CassetteError:
                raise SliceError from None
            count += 1
    except _Fallback:
        raise SliceError from None
    finally:
        builder.dispose()
    if count != piece.count:
        raise SliceError


_Records = Generator[tuple[Any, "int | None"], None, Mapping[str, Any]]


def _records(document: Any, lines: list[int | None], path: Path) -> _Records:
    """(record, line) of each interaction of a whole ``document``; returns its metadata."""
    records, metadata = cassette_records(document, path)
    if len(lines) != len(records):
        lines = [None] * len(records)
    yield from zip(records, lines, strict=True)
    return metadata


def _stream_yaml(data: bytes, path: Path) -> _Records:
    """(record, line) of each interaction of a YAML cassette, built from the parser's events.

    Whatever the event builder leaves alone (any refusal or malformation, tagged collections,
    merge keys) is read again by ``_parse_yaml``, which names the problem exactly as before;
    the interactions already handed out are not handed out again.
    """
    if _may_hold_anchors(data):  # the full event scan only where an anchor may be
        _refuse_anchors(data, path)
    handed = 0
    builder = _EventBuilder(data)
    try:
        for record, line in builder.records():
            yield record, line
            handed += 1
        document = builder.document
    except _Fallback:
        document, lines = _parse_yaml(data, path)
        records = _records(document, lines, path)
        for _ in range(handed):
            next(records)
        return (yield from records)
    finally:
        builder.dispose()
    _, metadata = cassette_records(document, path)
    return metadata


def _parse_yaml(data: bytes, path: Path) -> tuple[Any, list[int | None]]:
    """The YAML document, and the 1-based line where each ``interactions`` item starts.

    Refused with a CassetteError before any value is built from them: anchors and aliases
    (vcrpy never writes them; expanded, a few lines can grow to gigabytes), a key repeated in
    one mapping (YAML would silently keep the last), and nesting deeper than MAX_NESTING.
    """
    if _may_hold_anchors(data):  # the full event scan only where an anchor may be
        _refuse_anchors(data, path)
    loader = _Loader(data)
    try:
        node = loader.get_single_node()
        lines: list[int | None] = []
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == "interactions" and isinstance(value, yaml.SequenceNode):
                    lines = [item.start_mark.line + 1 for item in value.value]
        document = _construct(loader, node) if node is not None else None
    except _Refused as exc:
        if exc.alias:  # the node's line is the anchor's: name the first alias instead
            _refuse_anchors(data, path)
        raise CassetteError(exc.message, file=path, line=exc.line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = f"malformed YAML: {exc.problem or exc.context}"
        if exc.problem and exc.context:
            started = exc.context_mark
            at = f" that starts at line {started.line + 1}" if started and started != mark else ""
            message += f" ({exc.context.removeprefix('while ')}{at})"
        raise CassetteError(message, file=path, line=mark.line + 1 if mark else None) from None
    except yaml.reader.ReaderError as exc:
        line = data.count(b"\n", 0, exc.position) + 1
        raise CassetteError(
            f"not valid UTF-8 text: byte {exc.position} ({exc.reason}); cassettes are UTF-8 "
            "YAML, binary bodies belong in !!binary",
            file=path,
            line=line,
        ) from None
    except yaml.YAMLError as exc:  # pragma: no cover - other libyaml failures
        raise CassetteError(f"malformed YAML: {exc}", file=path) from None
    except RecursionError:  # pragma: no cover - only the pure-Python composer recurses
        raise CassetteError(
            f"YAML nested deeper than {MAX_NESTING} levels", file=path, line=None
        ) from None
    finally:
        loader.dispose()
    return document, lines


#: The deepest nesting of YAML collections in a cassette, and of a JSON body, that is read.
#: vcrpy's own structure is 5 levels deep and real API payloads rarely pass 20; the bound
#: keeps every recursive step after it (building, validation, reports) far from Python's
#: recursion limit.
MAX_NESTING = 100


def loads_json(text: bytes | str) -> Any:
    """``json.loads``, with ValueError (not RecursionError) for nesting deeper than MAX_NESTING."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError(f"nested deeper than {MAX_NESTING} levels") from None
    raw = text.encode() if isinstance(text, str) else text
    if raw.count(b"[") + raw.count(b"{") > MAX_NESTING:  # else it cannot be that deep
        level = [value] if type(value) in (dict, list) else []
        for _ in range(MAX_NESTING):
            level = [
                child
                for each in level
                for child in (each.values() if type(each) is dict else each)
                if type(child) is dict or type(child) is list
            ]
        if level:
            raise ValueError(f"nested deeper than {MAX_NESTING} levels")
    return value


_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_MERGE = "tag:yaml.org,2002:merge"


# Bytes that may precede an anchor (&name) or alias (*name), and that may not follow one.
_BEFORE_ANCHOR = frozenset(b" \t\r\n[]{},:?-")
_NOT_AFTER_ANCHOR = frozenset(b" \t\r\n[]{},")


def _may_hold_anchors(data: bytes) -> bool:
    """Whether ``data`` has a '&' or '*' where a YAML anchor or alias could start.

    A quick sieve (bytes.find, not a regex: ~1000 times faster on cassettes); anything it
    lets through is confirmed, or not, by the parser's events.
    """
    for mark in (b"&", b"*"):
        at = data.find(mark)
        while at != -1:
            after = data[at + 1 : at + 2]
            if (
                (at == 0 or data[at - 1] in _BEFORE_ANCHOR)
                and after
                and (after[0] not in _NOT_AFTER_ANCHOR)
            ):
                return True
            at = data.find(mark, at + 1)
    return False


_ANCHORS = (
    "are not allowed in a cassette: vcrpy never writes them, and expanded they can grow "
    "without bound; write the value out"
)


def _refuse_anchors(data: bytes, path: Path) -> None:
    """CassetteError at the first anchor or alias event of ``data``; nothing is composed."""
    loader = _Loader(data)
    try:
        while loader.check_event():
            event = loader.get_event()
            anchor = getattr(event, "anchor", None)
            if anchor is not None:
                kind = "alias *" if isinstance(event, yaml.AliasEvent) else "anchor &"
                raise CassetteError(
                    f"YAML {kind}{anchor}: anchors and aliases {_ANCHORS}",
                    file=path,
                    line=event.start_mark.line + 1,
                )
    except yaml.YAMLError:
        return  # malformed: the composer says where
    finally:
        loader.dispose()


def refuse_unsafe_yaml(data: bytes, path: Path) -> None:
    """CassetteError for what ``_parse_yaml`` refuses (anchors, aliases, repeated keys, deep
    nesting), checked on the composed nodes without building a value: for loaders that build
    the cassette themselves (vcrpy's, in the plugin). Malformed YAML is left to them."""
    if _may_hold_anchors(data):
        _refuse_anchors(data, path)
    loader = _Loader(data)
    try:
        node = loader.get_single_node()
        if node is not None:
            _inspect(node, 1, set())
    except _Refused as exc:
        raise CassetteError(exc.message, file=path, line=exc.line) from None
    except (yaml.YAMLError, RecursionError):
        return
    finally:
        loader.dispose()


class _Refused(Exception):
    """A YAML shape a cassette may not have, at a 1-based line."""

    def __init__(self, message: str, node: yaml.Node, *, alias: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.line = node.start_mark.line + 1
        self.alias = alias


def _alias(node: yaml.Node) -> _Refused:
    return _Refused(f"YAML aliases {_ANCHORS}", node, alias=True)


def _too_deep(node: yaml.Node) -> _Refused:
    return _Refused(f"YAML nested deeper than {MAX_NESTING} levels", node)


def _duplicate(key: Any, node: yaml.Node, key_node: yaml.Node) -> _Refused:
    first = next((k for k, _ in node.value if k.value == key_node.value), key_node)
    return _Refused(
        f"duplicate key {key!r} (first at line {first.start_mark.line + 1}): YAML would "
        "silently keep only the last; a cassette must not repeat a key in one mapping",
        key_node,
    )


def _inspect(root: yaml.Node, depth: int, seen: set[int]) -> None:
    """Refuse aliases, repeated keys and deep nesting below ``root``, without building it."""
    stack = [(root, depth)]
    while stack:
        node, level = stack.pop()
        if id(node) in seen:
            raise _alias(node)
        seen.add(id(node))
        if level > MAX_NESTING:
            raise _too_deep(node)
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, level + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            keys: set[tuple[str, str]] = set()
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE:
                    if (key_node.tag, key_node.value) in keys:
                        raise _duplicate(key_node.value, node, key_node)
                    keys.add((key_node.tag, key_node.value))
                stack.append((key_node, level + 1))
                stack.append((value_node, level + 1))


def _construct(loader: yaml.SafeLoader, root: yaml.Node) -> Any:
    """Python data for the document ``root``, as ``loader.construct_document`` would give,
    refusing what ``_parse_yaml`` says a cassette may not hold.

    Plain maps, lists and strings (nearly all of a cassette) are built directly; every other
    node goes through the loader's own constructors, after ``_inspect`` checked it. About
    twice as fast on cassettes. An alias is the composer handing out the same node twice, so
    the checks see it before anything is expanded.
    """
    seen: set[int] = set()  # ids of the nodes met so far: meeting one again means an alias

    def build(node: yaml.Node, depth: int) -> Any:
        kind, tag = type(node), node.tag
        if id(node) in seen:
            raise _alias(node)
        if kind is yaml.ScalarNode:
            seen.add(id(node))
            if tag == _STR:
                return node.value
            try:
                return loader.construct_object(node, deep=True)
            except (ValueError, OverflowError) as exc:  # a date out of range, a huge int
                raise _Refused(f"cannot read the value {node.value[:40]!r}: {exc}", node) from None
        if depth > MAX_NESTING:
            raise _too_deep(node)
        seen.add(id(node))
        if kind is yaml.SequenceNode and tag == _SEQ:
            return [build(child, depth + 1) for child in node.value]
        if (
            kind is yaml.MappingNode
            and tag == _MAP
            and not any(key.tag == _MERGE for key, _ in node.value)
        ):
            mapping: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = build(key_node, depth + 1)
                try:
                    if key in mapping:
                        raise _duplicate(key, node, key_node)
                except TypeError:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping",
                        node.start_mark,
                        "found unhashable key",
                        key_node.start_mark,
                    ) from None
                mapping[key] = build(value_node, depth + 1)
            return mapping
        seen.discard(id(node))
        _inspect(node, depth, seen)  # tagged (!!python/tuple, ...) or with a merge key '<<'
        try:
            return loader.construct_object(node, deep=True)
        except (ValueError, OverflowError) as exc:
            raise _Refused(f"cannot read the value: {exc}", node) from None

    return build(root, 1)


class _Fallback(Exception):
    """Something the event builder leaves to ``_parse_yaml`` (the node graph path)."""


_SCALAR = yaml.ScalarEvent
_MAPPING = yaml.MappingStartEvent
_SEQUENCE = yaml.SequenceStartEvent
_NODE_END = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_PLAIN_TAGS = (None, "!")


class NotBuilt(Exception):
    """``build_yaml`` leaves this document to the loader's own ``yaml.load``."""


def build_yaml(data: bytes | str, loader: type[yaml.SafeLoader]) -> Any:
    """``yaml.load(data, Loader=loader)`` for the shapes vcrpy writes, several times faster
    (built from libyaml's events, no node graph); NotBuilt for anything else (tagged
    collections, anchors, repeated keys, errors...), which ``yaml.load`` then reads.

    ``loader`` must resolve scalars as SafeLoader does; its scalar constructors are used.
    """
    builder = _EventBuilder(data, loader)
    try:
        return builder.load()
    except _Fallback:
        raise NotBuilt from None
    finally:
        builder.dispose()


_Resolvers = tuple[dict[Any, list[tuple[str, Any]]], list[tuple[str, Any]]]
_resolvers: dict[type, _Resolvers] = {}


def _implicit_resolvers(loader: type) -> _Resolvers:
    """The loader's implicit resolvers by first character (as ``Resolver.resolve`` reads them),
    and those for any first character; computed once per loader class."""
    found = _resolvers.get(loader)
    if found is None:
        resolvers = loader.yaml_implicit_resolvers  # type: ignore[attr-defined]
        wildcard = list(resolvers.get(None, []))
        by_first = {first: [*each, *wildcard] for first, each in resolvers.items()}
        found = _resolvers[loader] = (by_first, wildcard)
    return found


class _EventBuilder:
    """Python values straight from libyaml's events, without a node graph.

    Builds what ``_construct`` builds for the shapes vcrpy writes: untagged maps and lists,
    scalars resolved as the loader resolves them, scalars with a tag the loader knows
    (``!!binary``, ``!!python/str``...). Anything else raises _Fallback: anchors and aliases,
    repeated keys, nesting deeper than MAX_NESTING, tagged collections, merge keys, a
    non-scalar key, a value the loader cannot build, malformed YAML. About three times faster
    than composing the node graph, and the top-level ``interactions`` are handed out one by one.
    """

    def __init__(self, data: bytes | str, loader: type[yaml.SafeLoader] | None = None) -> None:
        self.loader = (loader or _Loader)(data)
        self.next_event = self.loader.get_event
        self.document: Any = None
        self.implicit, self.wildcard = _implicit_resolvers(type(self.loader))
        self.constructors = self.loader.yaml_constructors

    def dispose(self) -> None:
        self.loader.dispose()

    def load(self) -> Any:
        """The whole document, as ``yaml.load`` with the loader gives it; or _Fallback."""
        items = [record for record, _ in self.records()]
        if isinstance(self.document, dict) and self.document.get("interactions") == []:
            self.document["interactions"] = items
        return self.document

    def records(self) -> Iterator[tuple[Any, int]]:
        """(item, 1-based line) of the top-level ``interactions`` list; then ``document`` is
        the document with that list left empty."""
        try:
            yield from self._records()
        except (yaml.YAMLError, ValueError, OverflowError, TypeError, RecursionError):
            raise _Fallback from None

    def items(self) -> Iterator[tuple[Any, int]]:
        """(item, 1-based line) of a document that is a block sequence of interactions (a
        ``Slice`` of a cassette); _Fallback for any other document."""
        try:
            get = self.next_event
            get()  # StreamStart
            get()  # DocumentStart
            event = get()
            if type(event) is not _SEQUENCE or event.anchor is not None or event.tag is not None:
                raise _Fallback
            while type(event := get()) is not yaml.SequenceEndEvent:
                yield self._value(event, 3), event.start_mark.line + 1
            if not isinstance(get(), yaml.DocumentEndEvent) or not isinstance(
                get(), yaml.StreamEndEvent
            ):
                raise _Fallback
        except (yaml.YAMLError, ValueError, OverflowError, TypeError, RecursionError):
            raise _Fallback from None

    def _records(self) -> Iterator[tuple[Any, int]]:
        get = self.next_event
        get()  # StreamStart
        event = get()
        if isinstance(event, yaml.StreamEndEvent):
            return  # an empty document
        if not isinstance(event, yaml.DocumentStartEvent):  # pragma: no cover - libyaml's order
            raise _Fallback
        event = get()
        if type(event) is _MAPPING and event.anchor is None and event.tag in _PLAIN_TAGS:
            document: dict[Any, Any] = {}
            self.document = document
            while type(event := get()) is not yaml.MappingEndEvent:
                key = self._key(event)
                if key in document:
                    raise _Fallback
                event = get()
                if (
                    key == "interactions"
                    and type(event) is _SEQUENCE
                    and event.anchor is None
                    and event.tag in _PLAIN_TAGS
                ):
                    document[key] = []  # its items are handed out, not kept
                    while type(event := get()) is not yaml.SequenceEndEvent:
                        yield self._value(event, 3), event.start_mark.line + 1
                else:
                    document[key] = self._value(event, 2)
        else:
            self.document = self._value(event, 1)
        if not isinstance(get(), yaml.DocumentEndEvent) or not isinstance(
            get(), yaml.StreamEndEvent
        ):
            raise _Fallback  # more than one document: the composer says so

    def _key(self, event: Any) -> Any:
        if type(event) is not _SCALAR:
            raise _Fallback
        key = self._scalar(event)
        if isinstance(key, str) and key == "<<" and event.style is None:
            raise _Fallback  # a merge key
        return key

    def _value(self, event: Any, depth: int) -> Any:
        kind = type(event)
        if kind is _SCALAR:
            return self._scalar(event)
        if event.anchor is not None or depth > MAX_NESTING or event.tag not in _PLAIN_TAGS:
            raise _Fallback  # also an alias: it has an anchor
        get, implicit, deeper = self.next_event, self.implicit, depth + 1
        # Inlined: a scalar that is a plain string (nearly every key and value of a cassette).
        if kind is _MAPPING:
            mapping: dict[Any, Any] = {}
            while type(event := get()) is not yaml.MappingEndEvent:
                if (
                    type(event) is _SCALAR
                    and event.tag is None
                    and event.anchor is None
                    and (not event.implicit[0] or event.value[:1] not in implicit)
                ):
                    key = event.value
                else:
                    key = self._key(event)
                if key in mapping:
                    raise _Fallback
                event = get()
                if (
                    type(event) is _SCALAR
                    and event.tag is None
                    and event.anchor is None
                    and (not event.implicit[0] or event.value[:1] not in implicit)
                ):
                    mapping[key] = event.value
                else:
                    mapping[key] = self._value(event, deeper)
            return mapping
        if kind is _SEQUENCE:
            items = []
            while type(event := get()) is not yaml.SequenceEndEvent:
                if (
                    type(event) is _SCALAR
                    and event.tag is None
                    and event.anchor is None
                    and (not event.implicit[0] or event.value[:1] not in implicit)
                ):
                    items.append(event.value)
                else:
                    items.append(self._value(event, deeper))
            return items
        raise _Fallback

    def _scalar(self, event: Any) -> Any:
        if event.anchor is not None:
            raise _Fallback
        tag, value = event.tag, event.value
        if tag in _PLAIN_TAGS:
            if not event.implicit[0]:
                return value  # quoted, a block scalar, or tagged '!': a string
            resolvers = self.implicit.get(value[:1], self.wildcard)
            tag = next((found for found, regexp in resolvers if regexp.match(value)), None)
            if tag is None:
                return value
        if tag == _STR:
            return value
        constructor = self.constructors.get(tag)
        if constructor is None:
            raise _Fallback
        node = yaml.ScalarNode(tag, value, event.start_mark, event.end_mark, event.style)
        return constructor(self.loader, node)


def _interaction(record: Any, path: Path, index: int, line: int | None) -> Interaction:
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


def iter_cassette_paths(paths: Iterable[str | PathLike[str]]) -> list[Path]:
    """Cassette files named by ``paths`` (files, or folders searched for *.yaml, *.yml and
    *.json), sorted. The one cassette discovery: ``check``, ``scan``, ``audit`` and ``init``
    all find cassettes here.

    A file named directly is taken whatever its suffix; a path that does not exist is a
    UsageError. Symlinked folders are followed (reading through one is harmless, and skipping
    it would pass cassettes nobody checked), each real folder once, so a link loop ends.
    """
    found: set[Path] = set()
    for each in paths:
        path = Path(each)
        if path.is_dir():
            found.update(_walk(path))
        elif path.is_file():
            found.add(path)
        else:
            raise UsageError(f"no such cassette file or folder: {path}")
    return sorted(found)


def _walk(root: Path) -> Iterable[Path]:
    seen: set[str] = set()
    # (folder, its real path when known without asking: a subfolder that is no symlink is
    # its parent's real path plus its name; only links are resolved)
    folders: list[tuple[str, str | None]] = [(os.fspath(root), None)]
    while folders:
        folder, real = folders.pop()
        if real is None:
            real = os.path.realpath(folder)
        if real in seen:
            continue
        seen.add(real)
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:  # DirEntry: the type from the directory listing, no stat
            try:
                if entry.is_dir():
                    known = None if entry.is_symlink() else os.path.join(real, entry.name)
                    folders.append((entry.path, known))
                elif (
                    os.path.splitext(entry.name)[1].lower() in CASSETTE_SUFFIXES and entry.is_file()
                ):
                    yield Path(entry.path)
            except OSError:
                continue
