"""Load vcrpy YAML cassettes, with the line where each interaction starts, and decode bodies."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import yaml

from .errors import CassetteError, UsageError

__all__ = ["Cassette", "Interaction", "iter_cassette_paths", "load_cassette"]

CASSETTE_SUFFIXES = (".yaml", ".yml")
_GZIP_MAGIC = b"\x1f\x8b"

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
        return decode_json(self, self.response_body, self.response_headers, "response")

    def request_json(self) -> Any:
        """The request body parsed as JSON; CassetteError says why it is not JSON."""
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


def _header_values(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def _as_bytes(body: Any) -> bytes | None:
    if body is None or isinstance(body, bytes):
        return body
    return str(body).encode("utf-8")


def _response_fields(response: Any, path: Path, index: int, line: int | None) -> dict[str, Any]:
    def bad(message: str) -> CassetteError:
        return CassetteError(message, file=path, line=line, interaction=index)

    if not isinstance(response, Mapping):
        raise bad("'response' is not a mapping")
    status = response.get("status")
    code = status.get("code") if isinstance(status, Mapping) else None
    if not isinstance(code, int) or isinstance(code, bool):
        raise bad("response has no integer 'status: {code: ...}'")
    headers = response.get("headers") or {}
    if not isinstance(headers, Mapping):
        raise bad("response 'headers' is not a mapping")
    body = response.get("body")
    string = body.get("string") if isinstance(body, Mapping) else body
    if string is not None and not isinstance(string, (str, bytes)):
        raise bad("response body is neither text nor !!binary")
    return {
        "status": code,
        "response_headers": {str(k): _header_values(v) for k, v in headers.items()},
        "response_body": _as_bytes(string) or b"",
    }


def decode_json(interaction: Interaction, body: bytes, headers: Headers, side: str) -> Any:
    """Parse ``body`` as JSON, or raise a CassetteError that says what the body is instead."""
    if not body:
        raise interaction.error(f"{side} body is empty where JSON is expected")
    try:
        return loads_json(body)
    except UnicodeDecodeError as exc:
        if body.startswith(_GZIP_MAGIC):
            encoding = ",".join(header(headers, "Content-Encoding") or ["none declared"])
            raise interaction.error(
                f"{side} body is gzip-compressed (Content-Encoding: {encoding}), not JSON: "
                "record with vcr_config decode_compressed_response=True"
            ) from None
        content_type = ",".join(header(headers, "Content-Type") or ["none declared"])
        raise interaction.error(
            f"{side} body is not valid UTF-8 (byte {exc.start}: "
            f"{body[exc.start : exc.start + 1]!r}; Content-Type: {content_type}), so it is not JSON"
        ) from None
    except ValueError as exc:
        content_type = ",".join(header(headers, "Content-Type") or ["none declared"])
        raise interaction.error(
            f"{side} body is not JSON ({exc}; Content-Type: {content_type}; starts {body[:40]!r})"
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
    """Parse cassette bytes already read from ``path``."""
    document, lines = _parse_yaml(data, path)
    if not isinstance(document, Mapping):
        kind = "empty" if document is None else f"a YAML {type(document).__name__}"
        raise CassetteError(
            f"not a vcrpy cassette: the document is {kind}, expected a mapping with "
            "'version' and 'interactions'",
            file=path,
            line=1,
        )
    if "version" not in document:
        raise CassetteError(
            "not a vcrpy cassette: no 'version' key (vcrpy writes 'version: 1')", file=path
        )
    if document["version"] != 1:
        raise CassetteError(
            f"unsupported cassette version {document['version']!r}: only 'version: 1' "
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
    if len(lines) != len(records):
        lines = [None] * len(records)
    interactions = tuple(
        _interaction(record, path, index, line)
        for index, (record, line) in enumerate(zip(records, lines, strict=True))
    )
    return Cassette(path=path, interactions=interactions, metadata=metadata)


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
    headers = request.get("headers") or {}
    if not isinstance(headers, Mapping):
        raise bad("request 'headers' is not a mapping")
    body = request.get("body")
    if body is not None and not isinstance(body, (str, bytes)):
        raise bad("request body is neither text, !!binary nor null")
    return Interaction(
        cassette=path,
        index=index,
        line=line,
        method=method.upper(),
        uri=uri,
        request_headers={str(k): _header_values(v) for k, v in headers.items()},
        request_body=_as_bytes(body),
        **_response_fields(record["response"], path, index, line),
    )


def iter_cassette_paths(paths: Iterable[str | PathLike[str]]) -> list[Path]:
    """Cassette files named by ``paths`` (files, or folders searched for *.yaml / *.yml), sorted.

    A file named directly is taken whatever its suffix; a path that does not exist is a
    UsageError.
    """
    found: set[Path] = set()
    for each in paths:
        path = Path(each)
        if path.is_dir():
            found.update(
                p for p in path.rglob("*") if p.suffix in CASSETTE_SUFFIXES and p.is_file()
            )
        elif path.is_file():
            found.add(path)
        else:
            raise UsageError(f"no such cassette file or folder: {path}")
    return sorted(found)
