"""Tracked payloads: look-alike ``dict``/``list`` subclasses that record every field read.

During a replay run each decoded payload is handed to the code under test through
:func:`track`, which returns look-alike ``dict``/``list`` subclasses. Every time the code takes a
value out of them (``d["login"]``, ``d.get("bio", "")``, ``"bio" in d``, ``for repo in repos``,
``repos[0]``, ``d.items()``, ...) the read is recorded in a :class:`ReadRecorder` as a ``$``-rooted
path built by ``jsonpath`` (jsonschema's ``json_path`` notation: ``$.owner.login``, ``$[*].name``,
``$['a:b']``), the same notation the pins use, together with the file and line of the calling
code. Nested containers are wrapped lazily, the first time they are handed out, so untouched parts
of a payload cost nothing.

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

Length: one job, the tracked containers; their hot paths are written out in full on
purpose (every read of a payload pays for a helper call).
"""

from __future__ import annotations

import copy
import copyreg
import json
import json.encoder
import pickle
import pprint
import sys
from collections.abc import Iterable, Iterator
from types import CodeType
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import UsageError
from ..jsonpath import ITEMS, ROOT, items, member

if TYPE_CHECKING:
    from .reads import ReadRecorder

__all__ = ["TrackedDict", "TrackedList", "track"]

T = TypeVar("T")

# A raw read: (node, key, id of the reading code object, offset of the reading instruction);
# for list items the key is ITEM. The recorder keeps each code object alive (so its id stays
# unique) and turns offsets into line numbers only when asked: f_lineno costs more than the
# whole rest of a read.
Raw = tuple["Node", Any, int, int]


class _Item:
    __slots__ = ()

    def __repr__(self) -> str:
        return ITEMS


ITEM: Any = _Item()

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


def segment_path(parent: str, key: Any) -> str:
    """The path of member ``key`` below ``parent`` (a key that is not a string by its repr)."""
    return member(parent, key if isinstance(key, str) else repr(key))


# --------------------------------------------------------------------------------------------
# Tracked payloads


class Node:
    """One JSON path of one contract, shared by every tracked container found at that path.

    Raw reads name the node (hashed by identity: cheap), and the node caches its children, so
    wrapping a nested container computes no strings after the first payload.
    """

    __slots__ = ("contract", "item", "kids", "path")

    def __init__(self, contract: str, path: str) -> None:
        self.contract = contract
        self.path = path
        self.kids: dict[Any, Node] = {}
        self.item: Node | None = None

    def kid(self, key: Any) -> Node:
        node = self.kids.get(key)
        if node is None:
            node = self.kids[key] = Node(self.contract, segment_path(self.path, key))
        return node

    def items_node(self) -> Node:
        node = self.item
        if node is None:
            node = self.item = Node(self.contract, items(self.path))
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
        node = recorder._roots[contract] = Node(contract, ROOT)
    plain: Any = payload
    obj: Any = TrackedDict(plain) if kind is dict else TrackedList(plain)
    obj._cc_n = node
    obj._cc_req = recorder._required
    obj._cc_opt = recorder._optional
    obj._cc_rec = recorder
    obj._cc_all = False
    return obj  # type: ignore[no-any-return]


def _adopt(value: Any, kind: type, node: Node, like: TrackedDict | TrackedList) -> Any:
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

    _cc_req: set[Raw]
    _cc_opt: set[Raw]
    _cc_rec: ReadRecorder
    _cc_all: bool
    _cc_n: Node

    # The hot paths are written out in full (no helper calls): every read pays for them.
    def __getitem__(self, key: Any) -> Any:
        __tracebackhide__ = True  # a missing key fails on the test's own line, not in here
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

    _cc_req: set[Raw]
    _cc_opt: set[Raw]
    _cc_rec: ReadRecorder
    _cc_all: bool
    _cc_n: Node

    # Written out in full like TrackedDict's (a deliberate copy: every read pays for a call).
    def __getitem__(self, index: Any) -> Any:
        if type(index) is slice:
            part: TrackedList = _same(TrackedList(_list_getitem(self, index)), self)
            return part
        f = _getframe(1)
        co = f.f_code
        raw = (self._cc_n, ITEM, _id(co), f.f_lasti)
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
        raw = (self._cc_n, ITEM, _id(co), f.f_lasti)
        if raw not in self._cc_req:
            self._cc_rec._see(raw, co, False)
        if not self._cc_all:
            self._cc_wrap_all()
        return _list_iter(self)

    def __reversed__(self) -> Iterator[Any]:
        f = _getframe(1)
        co = f.f_code
        raw = (self._cc_n, ITEM, _id(co), f.f_lasti)
        if raw not in self._cc_req:
            self._cc_rec._see(raw, co, False)
        if not self._cc_all:
            self._cc_wrap_all()
        return list.__reversed__(self)

    def __contains__(self, value: object) -> bool:
        f = _getframe(1)
        co = f.f_code
        raw = (self._cc_n, ITEM, _id(co), f.f_lasti)
        if raw not in self._cc_opt:
            self._cc_rec._see(raw, co, True)
        return _list_contains(self, value)

    def pop(self, index: Any = -1) -> Any:
        f = _getframe(1)
        co = f.f_code
        raw = (self._cc_n, ITEM, _id(co), f.f_lasti)
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
