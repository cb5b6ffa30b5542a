"""YAML cassettes parsed safely, with lines: the one YAML loader of the package.

Refuses what a cassette never needs and what would make loading unbounded or ambiguous:
anchors and aliases, repeated keys, nesting deeper than ``MAX_NESTING``, legacy Python tags.
Also ``loads_json``, the one JSON decoder (bounded nesting) every JSON body goes through.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ..errors import CassetteError

try:  # libyaml when PyYAML was built with it: several times faster
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment,unused-ignore]
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _BaseLoader = yaml.SafeLoader


class Loader(_BaseLoader):  # type: ignore[misc,valid-type,unused-ignore]
    """Safe loader plus the harmless Python tags that vcrpy cassettes contain."""


def _construct_str(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return loader.construct_scalar(node)  # type: ignore[arg-type]


def _construct_tuple(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return tuple(loader.construct_sequence(node))  # type: ignore[arg-type]


Loader.add_constructor("tag:yaml.org,2002:python/str", _construct_str)
Loader.add_constructor("tag:yaml.org,2002:python/unicode", _construct_str)
Loader.add_constructor("tag:yaml.org,2002:python/tuple", _construct_tuple)


def parse_yaml(data: bytes, path: Path) -> tuple[Any, list[int | None]]:
    """The YAML document, and the 1-based line where each ``interactions`` item starts.

    Refused with a CassetteError before any value is built from them: anchors and aliases
    (vcrpy never writes them; expanded, a few lines can grow to gigabytes), a key repeated in
    one mapping (YAML would silently keep the last), and nesting deeper than MAX_NESTING.
    """
    if may_hold_anchors(data):  # the full event scan only where an anchor may be
        refuse_anchors(data, path)
    loader = Loader(data)
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
            refuse_anchors(data, path)
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


def loads_json(
    text: bytes | str, *, object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None
) -> Any:
    """``json.loads``, with ValueError (not RecursionError) for nesting deeper than MAX_NESTING.

    ``object_pairs_hook`` as for ``json.loads``."""
    try:
        value = json.loads(text, object_pairs_hook=object_pairs_hook)
    except RecursionError:
        raise ValueError(f"nested deeper than {MAX_NESTING} levels") from None
    # counted as it comes: a str may hold what no encoder takes (half of a surrogate pair)
    brackets = (
        text.count("[") + text.count("{")
        if isinstance(text, str)
        else text.count(b"[") + text.count(b"{")
    )
    if brackets > MAX_NESTING:  # else it cannot be that deep
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


STR_TAG = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_MERGE = "tag:yaml.org,2002:merge"


# Bytes that may precede an anchor (&name) or alias (*name), and that may not follow one.
_BEFORE_ANCHOR = frozenset(b" \t\r\n[]{},:?-")
_NOT_AFTER_ANCHOR = frozenset(b" \t\r\n[]{},")


def may_hold_anchors(data: bytes) -> bool:
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


def refuse_anchors(data: bytes, path: Path) -> None:
    """CassetteError at the first anchor or alias event of ``data``; nothing is composed."""
    loader = Loader(data)
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
    """CassetteError for what ``parse_yaml`` refuses (anchors, aliases, repeated keys, deep
    nesting), checked on the composed nodes without building a value: for loaders that build
    the cassette themselves (vcrpy's, in the plugin). Malformed YAML is left to them."""
    if may_hold_anchors(data):
        refuse_anchors(data, path)
    loader = Loader(data)
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
    refusing what ``parse_yaml`` says a cassette may not hold.

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
            if tag == STR_TAG:
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
