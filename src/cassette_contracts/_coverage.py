"""Contract coverage: which JSON paths the client code really reads.

During a replay run each decoded payload is handed to the code under test through
:func:`track`, which returns look-alike ``dict``/``list`` subclasses. Every time the code takes a
value out of them (``d["login"]``, ``d.get("bio", "")``, ``"bio" in d``, ``for repo in repos``,
``repos[0]``, ``d.items()``, ...) the read is recorded in a :class:`ReadRecorder` as a ``$``-rooted
path built by ``_jsonpath`` (jsonschema's ``json_path`` notation: ``$.owner.login``, ``$[*].name``,
``$['a:b']``), the same notation the pins use, together with the file and line of the calling
code. Nested containers are wrapped lazily, the first time they are handed out, so untouched parts
of a payload cost nothing.

At the end of the run :func:`coverage_report` compares the reads with the paths each contract's
schema pins (a plain ``set[str]`` per contract, as produced by ``_pinned.py``):

- *unpinned reads*: the code relies on a field no contract protects. They make the run fail.
- *unread pins*: the contract pins a field no code reads; candidates to unpin, unless the
  contract is *not tracked*: some of its replayed responses reached the code without a tracked
  payload (the code parsed the body itself, ``json.loads(r.text)``, ``r.content``), so the code
  may read those fields where nobody sees it. Unpinning them could remove real protection.

What counts as a read
    A value handed to the code: ``__getitem__``, ``get`` (with or without a default),
    ``__contains__``, ``setdefault``, ``pop``/``popitem``, ``items()``/``values()`` (a read of
    every key present), and on lists indexing, iteration (``for``, ``list(x)``, ``sorted(x)``,
    ``extend``), ``reversed``, ``in`` and ``pop`` (all reads of ``[*]``). ``get``, ``in``,
    ``setdefault``, ``pop`` with a default and ``items()``/``values()`` are *optional* reads:
    the code copes with the field being absent.

What does not count
    Comparing (``==``), ``len``, ``repr``, iterating the keys of a dict, serialising
    (``json.dumps``, ``pprint``, ``pickle``) and copying (``copy.copy``, ``copy.deepcopy``,
    ``.copy()``, slicing, ``dict(x)``, ``{**x}``, ``f(**x)``). The copies made by ``copy``/
    ``deepcopy``/``.copy()``/slicing stay tracked; ``dict(x)``/``{**x}``/``f(**x)`` give a plain
    dict whose top-level reads are not seen (children already handed out stay tracked).

Look-alike guarantee
    ``==``, ``isinstance(x, dict|list)``, ``json.dumps``, ``repr``, ``dict(x)``, ``copy.copy``,
    ``copy.deepcopy`` behave as for the plain payload; ``pickle`` round-trips to plain
    ``dict``/``list``. Only ``type(x) is dict`` tells them apart.

Several workers (pytest-xdist) each :meth:`ReadRecorder.save` one JSON file into the run folder;
:meth:`ReadRecorder.load_all` merges them. Merging keeps every distinct read site and is
order-independent, so the merged result equals the one a serial run records.
"""

from __future__ import annotations

import copy
import copyreg
import json
import json.encoder
import os
import pickle
import pprint
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import CodeType
from typing import Any, TypeVar

from ._jsonpath import ITEMS, ROOT, ancestors, items, member, parse
from ._runfiles import REQUESTS_DIR, clear_worker_files, read_worker_files, save_worker_file
from .errors import InputError, UsageError

__all__ = [
    "COVERAGE_DIR",
    "FORMATS",
    "ContractCoverage",
    "CoverageReport",
    "FieldRead",
    "ReadRecorder",
    "TrackedDict",
    "TrackedList",
    "coverage_report",
    "track",
]

#: The run folder the per-worker read files go to (relative to the rootdir).
COVERAGE_DIR = Path(".cassette-contracts") / "coverage"
#: Output formats of :meth:`CoverageReport.render`.
FORMATS = ("text", "json", "markdown", "junit", "github")

_FILE_FORMAT = "cassette-contracts/coverage-reads"
_FILE_VERSION = 1

T = TypeVar("T")

# A raw read: (node, key, id of the reading code object, offset of the reading instruction);
# for list items the key is _ITEM. The recorder keeps each code object alive (so its id stays
# unique) and turns offsets into line numbers only when asked: f_lineno costs more than the
# whole rest of a read.
_Raw = tuple["_Node", Any, int, int]
Site = tuple[str, int]


class _Item:
    __slots__ = ()

    def __repr__(self) -> str:
        return ITEMS


_ITEM: Any = _Item()

_getframe = sys._getframe
_id = id
_dict_getitem = dict.__getitem__
_dict_setitem = dict.__setitem__
_dict_get = dict.get
_dict_contains = dict.__contains__
_dict_items = dict.items
_dict_values = dict.values
_dict_keys = dict.keys
_list_getitem = list.__getitem__
_list_setitem = list.__setitem__
_list_iter = list.__iter__
_list_contains = list.__contains__
_MISSING: Any = object()

# Serialisers and copiers that walk a payload on the code's behalf: what they take out of a
# payload is passed along, not read, so it is not recorded.
_PASS_THROUGH = frozenset(
    mod.__file__ for mod in (json.encoder, copy, copyreg, pickle, pprint) if mod.__file__
)


def _segment_path(parent: str, key: Any) -> str:
    """The path of member ``key`` below ``parent`` (a key that is not a string by its repr)."""
    return member(parent, key if isinstance(key, str) else repr(key))


# --------------------------------------------------------------------------------------------
# Tracked payloads


class _Node:
    """One JSON path of one contract, shared by every tracked container found at that path.

    Raw reads name the node (hashed by identity: cheap), and the node caches its children, so
    wrapping a nested container computes no strings after the first payload.
    """

    __slots__ = ("contract", "item", "kids", "path")

    def __init__(self, contract: str, path: str) -> None:
        self.contract = contract
        self.path = path
        self.kids: dict[Any, _Node] = {}
        self.item: _Node | None = None

    def kid(self, key: Any) -> _Node:
        node = self.kids.get(key)
        if node is None:
            node = self.kids[key] = _Node(self.contract, _segment_path(self.path, key))
        return node

    def items_node(self) -> _Node:
        node = self.item
        if node is None:
            node = self.item = _Node(self.contract, items(self.path))
        return node


def track(payload: T, contract: str, recorder: ReadRecorder) -> T:
    """``payload`` as look-alike tracked containers recording reads for ``contract``.

    Plain ``dict`` and ``list`` payloads are wrapped (a shallow copy; nested containers are
    wrapped lazily when handed out); scalars and payloads that are already tracked come back
    unchanged.
    """
    kind = type(payload)
    if kind is not dict and kind is not list:
        return payload
    node = recorder._roots.get(contract)
    if node is None:
        if not isinstance(contract, str):
            raise UsageError(f"contract must be a contract name (str), not {contract!r}")
        node = recorder._roots[contract] = _Node(contract, ROOT)
    plain: Any = payload
    obj: Any = TrackedDict(plain) if kind is dict else TrackedList(plain)
    obj._cc_n = node
    obj._cc_req = recorder._required
    obj._cc_opt = recorder._optional
    obj._cc_rec = recorder
    obj._cc_all = False
    return obj  # type: ignore[no-any-return]


def _adopt(value: Any, kind: type, node: _Node, like: TrackedDict | TrackedList) -> Any:
    """``value`` (a plain dict or list) wrapped at ``node``, recording into ``like``'s sets."""
    obj: Any = TrackedDict(value) if kind is dict else TrackedList(value)
    obj._cc_n = node
    obj._cc_req = like._cc_req
    obj._cc_opt = like._cc_opt
    obj._cc_rec = like._cc_rec
    obj._cc_all = False
    return obj


def _same(obj: Any, like: TrackedDict | TrackedList) -> Any:
    """``obj`` (a new, empty-or-filled tracked container) recording like ``like``."""
    obj._cc_n = like._cc_n
    obj._cc_req = like._cc_req
    obj._cc_opt = like._cc_opt
    obj._cc_rec = like._cc_rec
    obj._cc_all = False
    return obj


class TrackedDict(dict[Any, Any]):
    """A ``dict`` of a replayed payload that records which keys the code reads."""

    __slots__ = ("_cc_all", "_cc_n", "_cc_opt", "_cc_rec", "_cc_req")

    _cc_req: set[_Raw]
    _cc_opt: set[_Raw]
    _cc_rec: ReadRecorder
    _cc_all: bool
    _cc_n: _Node

    # The hot paths are written out in full (no helper calls): every read pays for them.
    def __getitem__(self, key: Any) -> Any:
        f = _getframe(1)
        co = f.f_code
        raw = (self._cc_n, key, _id(co), f.f_lasti)
        if raw not in self._cc_req:
            self._cc_rec._see(raw, co, False)
        value = _dict_getitem(self, key)
        kind = type(value)
        if kind is dict or kind is list:
            value = _adopt(value, kind, self._cc_n.kid(key), self)
            _dict_setitem(self, key, value)
        return value

    def get(self, key: Any, default: Any = None) -> Any:
        f = _getframe(1)
        co = f.f_code
        raw = (self._cc_n, key, _id(co), f.f_lasti)
        if raw not in self._cc_opt:
            self._cc_rec._see(raw, co, True)
        value = _dict_get(self, key, _MISSING)
        if value is _MISSING:
            return default
        kind = type(value)
        if kind is dict or kind is list:
            value = _adopt(value, kind, self._cc_n.kid(key), self)
            _dict_setitem(self, key, value)
        return value

    def __contains__(self, key: object) -> bool:
        f = _getframe(1)
        co = f.f_code
        raw = (self._cc_n, key, _id(co), f.f_lasti)
        if raw not in self._cc_opt:
            self._cc_rec._see(raw, co, True)
        return _dict_contains(self, key)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        f = _getframe(1)
        co = f.f_code
        raw = (self._cc_n, key, _id(co), f.f_lasti)
        if raw not in self._cc_opt:
            self._cc_rec._see(raw, co, True)
        if not _dict_contains(self, key):
            _dict_setitem(self, key, default)
            return default
        return self._cc_child(key)

    def pop(self, key: Any, default: Any = _MISSING) -> Any:
        f = _getframe(1)
        co = f.f_code
        self._cc_rec._see((self._cc_n, key, _id(co), f.f_lasti), co, default is not _MISSING)
        if not _dict_contains(self, key):
            if default is _MISSING:
                raise KeyError(key)
            return default
        value = self._cc_child(key)
        dict.pop(self, key)
        return value

    def popitem(self) -> tuple[Any, Any]:
        f = _getframe(1)
        key, value = dict.popitem(self)
        co = f.f_code
        raw = (self._cc_n, key, _id(co), f.f_lasti)
        if raw not in self._cc_req:
            self._cc_rec._see(raw, co, False)
        kind = type(value)
        if kind is dict or kind is list:
            value = _adopt(value, kind, self._cc_n.kid(key), self)
        return key, value

    def items(self) -> Any:
        f = _getframe(1)
        co = f.f_code
        if co.co_filename not in _PASS_THROUGH:
            self._cc_read_all(co, f.f_lasti)
        return _dict_items(self)

    def values(self) -> Any:
        f = _getframe(1)
        co = f.f_code
        if co.co_filename not in _PASS_THROUGH:
            self._cc_read_all(co, f.f_lasti)
        return _dict_values(self)

    def copy(self) -> TrackedDict:
        return self.__copy__()

    @classmethod
    def fromkeys(cls, iterable: Iterable[Any], value: Any = None) -> dict[Any, Any]:
        return dict.fromkeys(iterable, value)

    def __copy__(self) -> TrackedDict:
        new: TrackedDict = _same(TrackedDict(self), self)
        return new

    def __deepcopy__(self, memo: dict[int, Any]) -> TrackedDict:
        new: TrackedDict = _same(TrackedDict(), self)
        memo[id(self)] = new
        for key, value in _dict_items(self):
            _dict_setitem(new, copy.deepcopy(key, memo), copy.deepcopy(value, memo))
        return new

    def __reduce_ex__(self, protocol: Any) -> Any:
        # Pickles (and everything else built on __reduce_ex__) see a plain dict.
        return (dict, (), None, None, iter(_dict_items(self)))

    def _cc_child(self, key: Any) -> Any:
        value = _dict_getitem(self, key)
        kind = type(value)
        if kind is dict or kind is list:
            value = _adopt(value, kind, self._cc_n.kid(key), self)
            _dict_setitem(self, key, value)
        return value

    def _cc_read_all(self, co: CodeType, lasti: int) -> None:
        node, see, code = self._cc_n, self._cc_rec._see, _id(co)
        for key in list(_dict_keys(self)):
            see((node, key, code, lasti), co, True)
        if not self._cc_all:
            self._cc_all = True
            for key, value in list(_dict_items(self)):
                kind = type(value)
                if kind is dict or kind is list:
                    _dict_setitem(self, key, _adopt(value, kind, node.kid(key), self))


class TrackedList(list[Any]):
    """A ``list`` of a replayed payload that records reads of its items (``[*]``)."""

    __slots__ = ("_cc_all", "_cc_n", "_cc_opt", "_cc_rec", "_cc_req")

    _cc_req: set[_Raw]
    _cc_opt: set[_Raw]
    _cc_rec: ReadRecorder
    _cc_all: bool
    _cc_n: _Node

    def __getitem__(self, index: Any) -> Any:
        if type(index) is slice:
            part: TrackedList = _same(TrackedList(_list_getitem(self, index)), self)
            return part
        f = _getframe(1)
        co = f.f_code
        raw = (self._cc_n, _ITEM, _id(co), f.f_lasti)
        if raw not in self._cc_req:
            self._cc_rec._see(raw, co, False)
        value = _list_getitem(self, index)
        kind = type(value)
        if kind is dict or kind is list:
            value = _adopt(value, kind, self._cc_n.items_node(), self)
            _list_setitem(self, index, value)
        return value

    def __iter__(self) -> Iterator[Any]:
        f = _getframe(1)
        co = f.f_code
        if co.co_filename in _PASS_THROUGH:  # json.dumps turns list subclasses into lists
            return _list_iter(self)
        raw = (self._cc_n, _ITEM, _id(co), f.f_lasti)
        if raw not in self._cc_req:
            self._cc_rec._see(raw, co, False)
        if not self._cc_all:
            self._cc_wrap_all()
        return _list_iter(self)

    def __reversed__(self) -> Iterator[Any]:
        f = _getframe(1)
        co = f.f_code
        raw = (self._cc_n, _ITEM, _id(co), f.f_lasti)
        if raw not in self._cc_req:
            self._cc_rec._see(raw, co, False)
        if not self._cc_all:
            self._cc_wrap_all()
        return list.__reversed__(self)

    def __contains__(self, value: object) -> bool:
        f = _getframe(1)
        co = f.f_code
        raw = (self._cc_n, _ITEM, _id(co), f.f_lasti)
        if raw not in self._cc_opt:
            self._cc_rec._see(raw, co, True)
        return _list_contains(self, value)

    def pop(self, index: Any = -1) -> Any:
        f = _getframe(1)
        co = f.f_code
        raw = (self._cc_n, _ITEM, _id(co), f.f_lasti)
        if raw not in self._cc_req:
            self._cc_rec._see(raw, co, False)
        value = list.pop(self, index)
        kind = type(value)
        if kind is dict or kind is list:
            value = _adopt(value, kind, self._cc_n.items_node(), self)
        return value

    def copy(self) -> TrackedList:
        return self.__copy__()

    def __copy__(self) -> TrackedList:
        new: TrackedList = _same(TrackedList(_list_iter(self)), self)
        return new

    def __deepcopy__(self, memo: dict[int, Any]) -> TrackedList:
        new: TrackedList = _same(TrackedList(), self)
        memo[id(self)] = new
        list.extend(new, [copy.deepcopy(value, memo) for value in _list_iter(self)])
        return new

    def __reduce_ex__(self, protocol: Any) -> Any:
        # Pickles (and everything else built on __reduce_ex__) see a plain list.
        return (list, (), None, _list_iter(self))

    def _cc_wrap_all(self) -> None:
        self._cc_all = True
        node = self._cc_n.items_node()
        for index, value in enumerate(_list_iter(self)):
            kind = type(value)
            if kind is dict or kind is list:
                _list_setitem(self, index, _adopt(value, kind, node, self))


# --------------------------------------------------------------------------------------------
# Recorder


@dataclass(frozen=True)
class FieldRead:
    """One JSON path of one contract that code reads, with every site that reads it.

    ``optional`` is true when every site copes with the field being absent (``get``, ``in``,
    ...). ``file``/``line`` name the first site in (file, line) order.
    """

    contract: str
    path: str
    sites: tuple[Site, ...]
    optional: bool

    @property
    def file(self) -> str:
        return self.sites[0][0]

    @property
    def line(self) -> int:
        return self.sites[0][1]


class ReadRecorder:
    """Collects ``(contract, path) -> read sites`` for tracked payloads.

    Hot-path reads land in two sets of raw sightings (one entry per distinct contract, path,
    file and line); :meth:`reads` turns them into :class:`FieldRead` records.
    """

    def __init__(self) -> None:
        self._required: set[_Raw] = set()
        self._optional: set[_Raw] = set()
        self._roots: dict[str, _Node] = {}
        self._codes: dict[int, CodeType] = {}
        # Reads merged in from other recorders / files: (contract, path) -> (sites, optional).
        self._loaded: dict[tuple[str, str], tuple[set[Site], bool]] = {}
        #: Contracts with a replayed response whose payload reached the code untracked.
        self.untracked: set[str] = set()

    def __repr__(self) -> str:
        return f"<ReadRecorder {len(self.reads())} paths>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ReadRecorder):
            return NotImplemented
        return self.reads() == other.reads() and self.untracked == other.untracked

    @property
    def empty(self) -> bool:
        """Nothing recorded: no read and no untracked contract."""
        return not (self._required or self._optional or self._loaded or self.untracked)

    def note_untracked(self, contract: str) -> None:
        """A replayed response of ``contract`` reached the code without a tracked payload."""
        self.untracked.add(contract)

    __hash__ = None  # type: ignore[assignment]

    def _see(self, raw: _Raw, code: CodeType, optional: bool) -> None:
        """A read not seen before (the tracked containers check the sets first)."""
        (self._optional if optional else self._required).add(raw)
        self._codes[raw[2]] = code

    def _table(self) -> dict[tuple[str, str], tuple[set[Site], bool]]:
        table: dict[tuple[str, str], tuple[set[Site], bool]] = {
            key: (set(sites), optional) for key, (sites, optional) in self._loaded.items()
        }
        lines: dict[tuple[int, int], Site] = {}
        for raws, optional in ((self._required, False), (self._optional, True)):
            for node, key, code_id, offset in raws:
                site = lines.get((code_id, offset))
                if site is None:
                    code = self._codes[code_id]
                    site = lines[code_id, offset] = (code.co_filename, _line_of(code, offset))
                path = items(node.path) if key is _ITEM else _segment_path(node.path, key)
                _add(table, (node.contract, path), {site}, optional)
        return table

    def reads(self) -> dict[tuple[str, str], FieldRead]:
        """Every recorded read, by ``(contract, path)``, in sorted order."""
        return {
            key: FieldRead(key[0], key[1], tuple(sorted(sites)), optional)
            for key, (sites, optional) in sorted(self._table().items())
        }

    def contracts(self) -> list[str]:
        """The contracts with at least one read, sorted."""
        return sorted({contract for contract, _ in self.reads()})

    def to_json(self) -> str:
        """The reads as deterministic JSON text (sorted by contract, path, site)."""
        document = {
            "format": _FILE_FORMAT,
            "version": _FILE_VERSION,
            "reads": [
                {
                    "contract": read.contract,
                    "path": read.path,
                    "optional": read.optional,
                    "sites": [[filename, line] for filename, line in read.sites],
                }
                for read in self.reads().values()
            ],
            "untracked": sorted(self.untracked),
        }
        return json.dumps(document, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str, *, source: str | os.PathLike[str] | None = None) -> ReadRecorder:
        """A recorder holding the reads of :meth:`to_json` text; :class:`InputError` if invalid."""
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise InputError(f"not JSON coverage data ({exc})", file=source) from exc
        if not isinstance(document, dict) or document.get("format") != _FILE_FORMAT:
            raise InputError(f"not a {_FILE_FORMAT} file (no 'format' marker)", file=source)
        if document.get("version") != _FILE_VERSION:
            raise InputError(
                f"coverage data version {document.get('version')!r} is not supported "
                f"(expected {_FILE_VERSION}); delete {COVERAGE_DIR} and re-run",
                file=source,
            )
        recorder = cls()
        reads = document.get("reads")
        if not isinstance(reads, list):
            raise InputError("'reads' must be a list", file=source)
        for index, entry in enumerate(reads):
            try:
                contract, path, optional = entry["contract"], entry["path"], entry["optional"]
                sites = {(str(site[0]), int(site[1])) for site in entry["sites"]}
                if not (isinstance(contract, str) and isinstance(path, str)):
                    raise TypeError("contract and path must be strings")
                parse(path)  # ValueError: not a JSON path
                if not isinstance(optional, bool) or not sites:
                    raise TypeError("'optional' must be a boolean and 'sites' non-empty")
            except (KeyError, TypeError, ValueError, IndexError) as exc:
                raise InputError(f"reads[{index}] is malformed ({exc})", file=source) from exc
            _add(recorder._loaded, (contract, path), sites, optional)
        untracked = document.get("untracked", [])  # absent in files of earlier versions
        if not isinstance(untracked, list) or not all(isinstance(c, str) for c in untracked):
            raise InputError("'untracked' must be a list of contract names", file=source)
        recorder.untracked.update(untracked)
        return recorder

    @classmethod
    def merge(cls, recorders: Iterable[ReadRecorder]) -> ReadRecorder:
        """One recorder with the reads of all ``recorders``; independent of their order."""
        merged = cls()
        for recorder in recorders:
            for key, (sites, optional) in recorder._table().items():
                _add(merged._loaded, key, sites, optional)
            merged.untracked.update(recorder.untracked)
        return merged

    def save(self, directory: str | os.PathLike[str], worker_id: str) -> Path:
        """Write ``<directory>/<worker_id>.json`` atomically (temp file + rename)."""
        return save_worker_file(directory, worker_id, self.to_json())

    @classmethod
    def load_all(cls, directory: str | os.PathLike[str]) -> ReadRecorder:
        """The merged reads of every ``*.json`` worker file in ``directory`` (none: empty)."""
        return cls.merge(
            cls.from_json(text, source=path)
            for path, text in read_worker_files(directory, "coverage data")
        )

    @staticmethod
    def clear(directory: str | os.PathLike[str]) -> None:
        """Remove the worker files of an earlier run from ``directory`` (start of a run)."""
        clear_worker_files(directory)


def _line_of(code: CodeType, offset: int) -> int:
    """The source line of the instruction at byte ``offset`` in ``code`` (as ``f_lineno``)."""
    for start, end, line in code.co_lines():
        if start <= offset < end:
            return line if line is not None else code.co_firstlineno
    return code.co_firstlineno


def _add(
    table: dict[tuple[str, str], tuple[set[Site], bool]],
    key: tuple[str, str],
    sites: set[Site],
    optional: bool,
) -> None:
    known = table.get(key)
    if known is None:
        table[key] = (set(sites), optional)
    else:
        known[0].update(sites)
        table[key] = (known[0], known[1] and optional)


# --------------------------------------------------------------------------------------------
# Report


@dataclass(frozen=True)
class ContractCoverage:
    """Reads against pins for one contract."""

    contract: str
    reads: tuple[FieldRead, ...]
    pinned: tuple[str, ...]
    unpinned_reads: tuple[FieldRead, ...]
    unread_pins: tuple[str, ...]
    #: Some replayed response of this contract reached the code untracked (parsed by the code
    #: itself): its unread pins may be read there, so they are no candidates to unpin.
    untracked: bool = False

    @property
    def ok(self) -> bool:
        """No field is read that the contract does not pin."""
        return not self.unpinned_reads

    @property
    def unpin_candidates(self) -> tuple[str, ...]:
        """Pins no code is seen reading, when every replay was tracked (else none)."""
        return () if self.untracked else self.unread_pins

    @property
    def exercised(self) -> bool:
        """Some code read this contract's payloads during the run."""
        return bool(self.reads)


@dataclass(frozen=True)
class CoverageReport:
    """Per-contract coverage of a run; ``ok`` when every field read is pinned."""

    contracts: tuple[ContractCoverage, ...]

    @property
    def ok(self) -> bool:
        return all(item.ok for item in self.contracts)

    @property
    def unpinned_reads(self) -> list[FieldRead]:
        return [read for item in self.contracts for read in item.unpinned_reads]

    def render(self, fmt: str = "text") -> str:
        """The report as ``text``, ``json``, ``markdown``, ``junit`` or ``github`` output."""
        renderer = _RENDERERS.get(fmt)
        if renderer is None:
            raise UsageError(f"unknown coverage format {fmt!r}; choose one of {', '.join(FORMATS)}")
        return renderer(self)


def coverage_report(
    reads: ReadRecorder,
    pinned: Mapping[str, Iterable[str]],
    *,
    root: str | os.PathLike[str] | None = None,
) -> CoverageReport:
    """Compare the reads of a run with the paths each contract pins.

    A read is covered when its path is pinned, or when it is a container with a pinned
    descendant (pinning ``$.owner.login`` pins ``$.owner`` as an object). A pin counts as read
    when it or any of its descendants is read. Sites under ``root`` are shown relative to it.
    Paths are in the ``_jsonpath`` notation (ValueError for a pin that is not such a path).
    """
    by_contract: dict[str, list[FieldRead]] = {}
    for read in reads.reads().values():
        by_contract.setdefault(read.contract, []).append(_relative(read, root))
    result = []
    for contract in sorted(set(by_contract) | set(pinned) | reads.untracked):
        contract_reads = by_contract.get(contract, [])
        pins = set(pinned.get(contract, ()))
        covered = set(pins)
        for pin in pins:
            covered.update(ancestors(pin))
        read_paths = {read.path for read in contract_reads}
        touched = set(read_paths)
        for path in read_paths:
            touched.update(ancestors(path))
        result.append(
            ContractCoverage(
                contract=contract,
                reads=tuple(contract_reads),
                pinned=tuple(sorted(pins)),
                unpinned_reads=tuple(r for r in contract_reads if r.path not in covered),
                unread_pins=tuple(sorted(pin for pin in pins if pin not in touched)),
                untracked=contract in reads.untracked,
            )
        )
    return CoverageReport(tuple(result))


def _relative(read: FieldRead, root: str | os.PathLike[str] | None) -> FieldRead:
    if root is None:
        return read
    base = Path(root).resolve()
    sites = []
    for filename, line in read.sites:
        try:
            shown = Path(filename).resolve().relative_to(base).as_posix()
        except ValueError:
            shown = filename
        sites.append((shown, line))
    return FieldRead(read.contract, read.path, tuple(sorted(set(sites))), read.optional)


def _where(read: FieldRead) -> str:
    more = len(read.sites) - 1
    text = f"{read.file}:{read.line}"
    return text + (f" and {more} more place(s)" if more else "")


def _kind(read: FieldRead) -> str:
    return "optional read" if read.optional else "read"


def _render_text(report: CoverageReport) -> str:
    lines = []
    for item in report.contracts:
        if not item.exercised:
            if item.untracked and item.pinned:
                lines.append(
                    f"-    {item.contract}: not tracked: the code parsed its responses itself "
                    f"(not by .json()), so the fields it reads are unknown ({len(item.pinned)} "
                    "pinned)"
                )
                continue
            lines.append(
                f"-    {item.contract}: not exercised in this run ({len(item.pinned)} pinned)"
            )
            continue
        status = "ok  " if item.ok else "FAIL"
        summary = f"{len(item.reads)} fields read, {len(item.pinned)} pinned"
        lines.append(f"{status} {item.contract}: {summary}")
        for read in item.unpinned_reads:
            lines.append(
                f"       read but not pinned: {read.path} ({_kind(read)} at {_where(read)})"
            )
        if item.unread_pins and item.untracked:
            lines.append(
                "       pinned, not seen read (not tracked: the code parsed some responses "
                f"itself, it may read them there): {len(item.unread_pins)}"
            )
            lines.extend(f"         {pin}" for pin in item.unread_pins)
        elif item.unread_pins:
            lines.append(
                f"       pinned but never read (candidates to unpin): {len(item.unread_pins)}"
            )
            lines.extend(f"         {pin}" for pin in item.unread_pins)
    failing = [item for item in report.contracts if not item.ok]
    if failing:
        count = sum(len(item.unpinned_reads) for item in failing)
        lines.append(
            f"contract coverage: FAILED, {count} field(s) read that no contract pins in "
            f"{len(failing)} contract(s). Pin them in the contract's schema (add the property, "
            "and `required` if the code cannot cope without it) or stop reading them."
        )
    else:
        lines.append(
            f"contract coverage: ok, every field read is pinned ({len(report.contracts)} contracts)"
        )
    return "\n".join(lines) + "\n"


def _read_json(read: FieldRead) -> dict[str, Any]:
    return {
        "path": read.path,
        "optional": read.optional,
        "file": read.file,
        "line": read.line,
        "sites": [{"file": filename, "line": line} for filename, line in read.sites],
    }


def _render_json(report: CoverageReport) -> str:
    document = {
        "ok": report.ok,
        "contracts": [
            {
                "contract": item.contract,
                "ok": item.ok,
                "exercised": item.exercised,
                "read": [_read_json(read) for read in item.reads],
                "pinned": list(item.pinned),
                "unpinned_reads": [_read_json(read) for read in item.unpinned_reads],
                "unread_pins": list(item.unread_pins),
                "untracked": item.untracked,
            }
            for item in report.contracts
        ],
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def _render_markdown(report: CoverageReport) -> str:
    verdict = "ok" if report.ok else "FAILED"
    lines = [f"## Contract coverage: {verdict}", ""]
    lines += ["| Contract | Fields read | Pinned | Read, not pinned | Pinned, never read |"]
    lines += ["|---|---:|---:|---:|---:|"]
    for item in report.contracts:
        lines.append(
            f"| `{_md(item.contract)}` | {len(item.reads)} | {len(item.pinned)} | "
            f"{len(item.unpinned_reads)} | {len(item.unread_pins)} |"
        )
    for item in report.contracts:
        if item.unpinned_reads:
            lines += ["", f"### `{_md(item.contract)}`: read but not pinned", ""]
            lines += ["| Path | Read at | Kind |", "|---|---|---|"]
            lines += [
                f"| `{_md(read.path)}` | `{_md(_where(read))}` | {_kind(read)} |"
                for read in item.unpinned_reads
            ]
    for item in report.contracts:
        if item.unpin_candidates and item.exercised:
            lines += ["", f"### `{_md(item.contract)}`: candidates to unpin", ""]
            lines += [f"- `{_md(pin)}`" for pin in item.unpin_candidates]
    return "\n".join(lines) + "\n"


def _render_junit(report: CoverageReport) -> str:
    failures = sum(1 for item in report.contracts if not item.ok)
    suite = ET.Element(
        "testsuite",
        name="cassette-contracts.coverage",
        tests=str(len(report.contracts)),
        failures=str(failures),
        errors="0",
        skipped="0",
    )
    for item in report.contracts:
        case = ET.SubElement(suite, "testcase", classname="coverage", name=item.contract)
        if not item.ok:
            failure = ET.SubElement(
                case,
                "failure",
                message=f"{len(item.unpinned_reads)} field(s) read but not pinned",
                type="UnpinnedRead",
            )
            failure.text = "\n".join(
                f"{read.path}: {_kind(read)} at {_where(read)}" for read in item.unpinned_reads
            )
        if item.unread_pins:
            out = ET.SubElement(case, "system-out")
            heading = (
                "pinned, not seen read (not tracked: the code parsed some responses itself):"
                if item.untracked
                else "pinned but never read (candidates to unpin):"
            )
            out.text = heading + "\n" + "\n".join(item.unread_pins)
    ET.indent(suite)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"
    )


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def _render_github(report: CoverageReport) -> str:
    lines = []
    for item in report.contracts:
        for read in item.unpinned_reads:
            for filename, line in read.sites:
                message = (
                    f"{read.path} is read here ({_kind(read)}) but contract {item.contract} "
                    "does not pin it; pin it in the schema or stop reading it"
                )
                lines.append(
                    f"::error file={_gh_prop(filename)},line={line},"
                    f"title={_gh_prop('Unpinned read')}::{_gh_data(message)}"
                )
        if item.exercised:
            for pin in item.unpin_candidates:
                message = f"contract {item.contract} pins {pin} but no code read it"
                lines.append(
                    f"::notice title={_gh_prop('Candidate to unpin')}::{_gh_data(message)}"
                )
    return "\n".join(lines) + ("\n" if lines else "")


_RENDERERS = {
    "text": _render_text,
    "json": _render_json,
    "markdown": _render_markdown,
    "junit": _render_junit,
    "github": _render_github,
}


# --------------------------------------------------------------------------------------------
# Reads by request (for ``init --from-coverage``)
#
# The plugin tracks each payload under its request, ``METHOD URL STATUS`` (whether or not a
# contract matches it: a project without contracts yet records them too), and saves two views
# of the same reads: by contract (:func:`by_contract`, the coverage report's) and by request
# (below ``_runfiles.REQUESTS_DIR``), which ``init --from-coverage`` groups by its URL templates.

Request = tuple[str, str, int]


def request_key(method: str, url: str, status: int) -> str:
    """``GET https://host/path?q 200``: the key reads of one request's payload are kept under."""
    return f"{method.upper()} {url} {status}"


def parse_request_key(key: str) -> Request:
    """``(method, url, status)`` of a :func:`request_key`; ValueError when it is not one."""
    method, _, rest = key.partition(" ")
    url, _, status = rest.rpartition(" ")
    if not method or not url or not status.isdigit():
        raise ValueError(f"{key!r} is not 'METHOD URL STATUS'")
    return method, url, int(status)


def by_contract(reads: ReadRecorder, contracts: Mapping[str, str]) -> ReadRecorder:
    """The reads kept by request key, under the contract each key matched (``contracts``:
    request key -> contract name); reads of requests no contract matched are left out."""
    out = ReadRecorder()
    for (key, path), (sites, optional) in reads._table().items():
        name = contracts.get(key)
        if name is not None:
            _add(out._loaded, (name, path), sites, optional)
    return out


def request_reads(coverage_dir: str | os.PathLike[str]) -> dict[Request, set[str]]:
    """The JSON paths read per request in the last replay run (none recorded: empty)."""
    folder = Path(coverage_dir) / REQUESTS_DIR
    found: dict[Request, set[str]] = {}
    for (key, _path), read in ReadRecorder.load_all(folder).reads().items():
        try:
            request = parse_request_key(key)
        except ValueError as exc:
            raise InputError(f"reads by request: {exc}", file=folder) from None
        found.setdefault(request, set()).add(read.path)
    return found
