"""A fast path for loading YAML cassettes (deliberate hot path): Python values built
straight from libyaml's events, without a node graph.

Why: composing PyYAML's node graph is most of the cost of loading a large cassette. The
:class:`EventBuilder` builds the same values for the shapes vcrpy writes and hands out the
top-level interactions one by one; for anything else (anchors, repeated keys, deep nesting,
unusual tags) it raises :class:`Fallback` and ``yaml_load`` does the work. Equivalence is
pinned by tests/cassettes/test_streaming.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from .yaml_load import MAX_NESTING, STR_TAG, Loader


class Fallback(Exception):
    """Something the event builder leaves to ``parse_yaml`` (the node graph path)."""


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
    builder = EventBuilder(data, loader)
    try:
        return builder.load()
    except Fallback:
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


class EventBuilder:
    """Python values straight from libyaml's events, without a node graph.

    Builds what ``_construct`` builds for the shapes vcrpy writes: untagged maps and lists,
    scalars resolved as the loader resolves them, scalars with a tag the loader knows
    (``!!binary``, ``!!python/str``...). Anything else raises Fallback: anchors and aliases,
    repeated keys, nesting deeper than MAX_NESTING, tagged collections, merge keys, a
    non-scalar key, a value the loader cannot build, malformed YAML. About three times faster
    than composing the node graph, and the top-level ``interactions`` are handed out one by one.
    """

    def __init__(self, data: bytes | str, loader: type[yaml.SafeLoader] | None = None) -> None:
        self.loader = (loader or Loader)(data)
        self.next_event = self.loader.get_event
        self.document: Any = None
        self.implicit, self.wildcard = _implicit_resolvers(type(self.loader))
        self.constructors = self.loader.yaml_constructors

    def dispose(self) -> None:
        self.loader.dispose()

    def load(self) -> Any:
        """The whole document, as ``yaml.load`` with the loader gives it; or Fallback."""
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
            raise Fallback from None

    def items(self) -> Iterator[tuple[Any, int]]:
        """(item, 1-based line) of a document that is a block sequence of interactions (a
        ``Slice`` of a cassette); Fallback for any other document."""
        try:
            get = self.next_event
            get()  # StreamStart
            get()  # DocumentStart
            event = get()
            if type(event) is not _SEQUENCE or event.anchor is not None or event.tag is not None:
                raise Fallback
            while type(event := get()) is not yaml.SequenceEndEvent:
                yield self._value(event, 3), event.start_mark.line + 1
            if not isinstance(get(), yaml.DocumentEndEvent) or not isinstance(
                get(), yaml.StreamEndEvent
            ):
                raise Fallback
        except (yaml.YAMLError, ValueError, OverflowError, TypeError, RecursionError):
            raise Fallback from None

    def _records(self) -> Iterator[tuple[Any, int]]:
        get = self.next_event
        get()  # StreamStart
        event = get()
        if isinstance(event, yaml.StreamEndEvent):
            return  # an empty document
        if not isinstance(event, yaml.DocumentStartEvent):  # pragma: no cover - libyaml's order
            raise Fallback
        event = get()
        if type(event) is _MAPPING and event.anchor is None and event.tag in _PLAIN_TAGS:
            document: dict[Any, Any] = {}
            self.document = document
            while type(event := get()) is not yaml.MappingEndEvent:
                key = self._key(event)
                if key in document:
                    raise Fallback
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
            raise Fallback  # more than one document: the composer says so

    def _key(self, event: Any) -> Any:
        if type(event) is not _SCALAR:
            raise Fallback
        key = self._scalar(event)
        if isinstance(key, str) and key == "<<" and event.style is None:
            raise Fallback  # a merge key
        return key

    def _value(self, event: Any, depth: int) -> Any:
        kind = type(event)
        if kind is _SCALAR:
            return self._scalar(event)
        if event.anchor is not None or depth > MAX_NESTING or event.tag not in _PLAIN_TAGS:
            raise Fallback  # also an alias: it has an anchor
        get, implicit, deeper = self.next_event, self.implicit, depth + 1
        # Inlined: a scalar that is a plain string (nearly every key and value of a cassette).
        # The same test stands three times on purpose (key, value, item): a hot path, where a
        # helper call per scalar costs more than the repetition.
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
                    raise Fallback
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
        raise Fallback

    def _scalar(self, event: Any) -> Any:
        if event.anchor is not None:
            raise Fallback
        tag, value = event.tag, event.value
        if tag in _PLAIN_TAGS:
            if not event.implicit[0]:
                return value  # quoted, a block scalar, or tagged '!': a string
            resolvers = self.implicit.get(value[:1], self.wildcard)
            tag = next((found for found, regexp in resolvers if regexp.match(value)), None)
            if tag is None:
                return value
        if tag == STR_TAG:
            return value
        constructor = self.constructors.get(tag)
        if constructor is None:
            raise Fallback
        node = yaml.ScalarNode(tag, value, event.start_mark, event.end_mark, event.style)
        return constructor(self.loader, node)
