"""A pytest-recording persister that keeps vcrpy 9.4 cassette metadata and where each
interaction came from (the main cassette or one of the extra ones).

It also reads vcrpy's YAML cassettes faster than vcrpy's own ``yaml.load`` (the event
builder of ``cassettes.yaml_events``, which hands anything unusual back to vcrpy's loader, so
what is loaded is the same), and keeps what it read for the session, keyed by the file's
path, size, mtime and inode: a cassette that several tests replay is parsed once. See
docs/vcrpy-upstream.md.
"""

from __future__ import annotations

import os
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from pytest_recording._vcr import CombinedPersister
from vcr.persisters.filesystem import CassetteNotFoundError
from vcr.serialize import deserialize
from vcr.serializers import yamlserializer

from .shapes import JSON_SUFFIXES
from .yaml_events import NotBuilt, build_yaml
from .yaml_load import refuse_unsafe_yaml

__all__ = ["MetadataAwarePersister", "Origin"]

Origin = tuple[str, int]
"""The cassette file an interaction was loaded from, and its index in that file."""

#: Parsed cassettes kept for the session, most recently used last, up to this many bytes of
#: cassette files (a parsed cassette takes a few times its file size).
CACHE_BYTES = 32_000_000
_Key = tuple[str, int, int, int]


class _Parsed(OrderedDict[_Key, tuple[int, Any]]):
    """Parsed cassettes by (path, size, mtime, inode), least recently used first, with the sum
    of their file sizes kept as they come and go (an insert costs the same with 10 cassettes
    kept as with 10,000)."""

    size = 0

    def keep(self, key: _Key, size: int, document: Any) -> None:
        """Keep a parsed cassette; the least recently used go beyond ``CACHE_BYTES``."""
        if key in self:
            self.size -= self.pop(key)[0]
        self[key] = (size, document)
        self.size += size
        while self.size > CACHE_BYTES:
            self.size -= self.popitem(last=False)[1][0]

    def clear(self) -> None:
        super().clear()
        self.size = 0


_parsed = _Parsed()


class _Document:
    """A stand-in serializer whose ``deserialize`` returns a document already read."""

    def __init__(self, document: Any) -> None:
        self.document = document

    def deserialize(self, _text: str) -> Any:
        return self.document


def _fresh(value: Any) -> Any:
    """A copy of the dicts and lists of a parsed document (vcrpy changes them in place)."""
    kind = type(value)
    if kind is dict:
        return {key: _fresh(item) for key, item in value.items()}
    if kind is list:
        return [_fresh(item) for item in value]
    return value


def _load(path: str, serializer: ModuleType) -> tuple[list[Any], list[Any], dict[str, Any]]:
    try:
        stat = os.stat(path)
        data = Path(path).read_bytes()
    except OSError:
        return [], [], {}
    text = data.decode("utf-8")
    document = _parsed_yaml(path, stat, text) if serializer is yamlserializer else None
    if document is None and Path(path).suffix.lower() not in JSON_SUFFIXES:
        # YAML the event builder leaves alone goes to vcrpy's loader, which would expand
        # aliases and keep the last of repeated keys: refuse as `check` refuses them
        refuse_unsafe_yaml(data, Path(path))
    # vcrpy's own deserialize: its checks and errors, and its Request and response objects
    source: Any = serializer if document is None else _Document(document)
    requests, responses, *metadata = deserialize(text, source)
    return requests, responses, (metadata[0] if metadata else {})


def _parsed_yaml(path: str, stat: os.stat_result, text: str) -> Any | None:
    """What vcrpy's YAML serializer reads from ``text``, from the session's cache or the event
    builder; None to leave it to vcrpy (YAML the builder leaves alone)."""
    key = (os.path.abspath(path), stat.st_size, stat.st_mtime_ns, stat.st_ino)
    cached = _parsed.get(key)
    if cached is not None:
        _parsed.move_to_end(key)
        return _fresh(cached[1])
    loader = getattr(yamlserializer, "_CassetteLoader", None)
    if loader is None:  # pragma: no cover - a vcrpy without its safe loader
        return None
    try:
        document = build_yaml(text, loader)
    except NotBuilt:
        return None
    # Only a file older than a second is trusted to be unchanged under the same stat (a
    # rewrite within one mtime tick keeps it), as in `check`'s result cache.
    if stat.st_mtime_ns < time.time_ns() - 1_000_000_000 and stat.st_size <= CACHE_BYTES:
        _parsed.keep(key, stat.st_size, _fresh(document))
    return document


@dataclass
class MetadataAwarePersister(CombinedPersister):
    """Load the cassette plus pytest-recording's extra cassettes; keep the main one's metadata.

    ``origins[cassette_path]`` lists, in the order of the loaded interactions, the file and
    index each came from, so a problem is reported where it is written, not at its position
    in the merged list.
    """

    origins: dict[str, list[Origin]] = field(default_factory=dict)

    def load_cassette(  # type: ignore[override]  # vcrpy 9.4 takes a third item, metadata
        self, cassette_path: str, serializer: ModuleType
    ) -> tuple[list[Any], list[Any], dict[str, Any]]:
        paths = list(dict.fromkeys([cassette_path, *self.extra_paths]))
        all_requests: list[Any] = []
        all_responses: list[Any] = []
        origins: list[Origin] = []
        main_metadata: dict[str, Any] = {}
        for position, path in enumerate(paths):
            requests, responses, metadata = _load(path, serializer)
            all_requests += requests
            all_responses += responses
            origins += [(path, index) for index in range(min(len(requests), len(responses)))]
            if position == 0:
                main_metadata = metadata
        if not all_requests:
            raise CassetteNotFoundError("No cassettes found.")
        self.origins[str(cassette_path)] = origins
        return all_requests, all_responses, main_metadata
