"""Reading a cassette file into interactions: whole (``load_cassette``), one by one
(``stream_cassette``), or in slices that several workers check in parallel
(``split_interactions``, ``slice_items``).
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from ..errors import CassetteError
from .interaction import Cassette, Interaction, interaction_from_record
from .shapes import (
    JSON_SUFFIXES,
    cassette_records,
    parse_json_cassette,
    refuse_legacy,
)
from .yaml_events import EventBuilder, Fallback
from .yaml_load import may_hold_anchors, parse_yaml, refuse_anchors

__all__ = ["CassetteStream", "stream_cassette"]


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
                        interaction = interaction_from_record(record, path, index, line)
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
    if data[begin : begin + 2] != b"- " or may_hold_anchors(data):
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
    builder = EventBuilder(chunk)
    count = 0
    try:
        for record, line in builder.items():
            try:
                yield interaction_from_record(
                    record, path, piece.first_index + count, piece.lines_before + line
                )
            except CassetteError:
                raise SliceError from None
            count += 1
    except Fallback:
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
    merge keys) is read again by ``parse_yaml``, which names the problem exactly as before;
    the interactions already handed out are not handed out again.
    """
    if may_hold_anchors(data):  # the full event scan only where an anchor may be
        refuse_anchors(data, path)
    handed = 0
    builder = EventBuilder(data)
    try:
        for record, line in builder.records():
            yield record, line
            handed += 1
        document = builder.document
    except Fallback:
        document, lines = parse_yaml(data, path)
        records = _records(document, lines, path)
        for _ in range(handed):
            next(records)
        return (yield from records)
    finally:
        builder.dispose()
    _, metadata = cassette_records(document, path)
    return metadata


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
