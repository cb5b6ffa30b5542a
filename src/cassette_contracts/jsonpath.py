"""The one notation for a place in a JSON document, shared by every module.

It is jsonschema's ``ValidationError.json_path`` notation, so a path printed by a violation,
a pin, a coverage read, a drift entry or a secret finding can be compared as plain strings:

- ``$`` is the document;
- a member whose name matches ``[a-zA-Z][a-zA-Z0-9_]*`` is ``.name``; any other member is
  ``['name']`` with ``\\`` and ``'`` escaped by a backslash (``$['a:b']``, ``$['1st']``);
- an array element is ``[3]``; "every element" (used by pins, reads and drift) is ``[*]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["ITEMS", "ROOT", "ancestors", "generalize", "index", "items", "join", "member", "parse"]

ROOT = "$"
ITEMS = "[*]"

# The same pattern jsonschema uses to decide between ``.name`` and ``['name']``.
_PLAIN = re.compile(r"[a-zA-Z][a-zA-Z0-9_]*\Z")
_SEGMENT = re.compile(r"\.([a-zA-Z][a-zA-Z0-9_]*)|\[(\*|\d+)\]|\['((?:[^'\\]|\\.)*)'\]")
_INDEX = re.compile(r"\[\d+\]")


def member(parent: str, name: str) -> str:
    """``parent.name``, or ``parent['na:me']`` for a name that is not a plain identifier."""
    if _PLAIN.match(name):
        return f"{parent}.{name}"
    return f"{parent}['{escaped(name)}']"


def escaped(name: str) -> str:
    """``name`` as it reads between the quotes of ``['...']``: backslash and quote escaped."""
    return name.replace("\\", "\\\\").replace("'", "\\'")


def index(parent: str, position: int) -> str:
    """``parent[position]``."""
    return f"{parent}[{position}]"


def items(parent: str) -> str:
    """``parent[*]``: every element of the array at ``parent``."""
    return parent + ITEMS


def join(parts: Iterable[str | int]) -> str:
    """The path of ``parts`` below the root (as in jsonschema's ``absolute_path``)."""
    path = ROOT
    for part in parts:
        path = index(path, part) if isinstance(part, int) else member(path, part)
    return path


def parse(path: str) -> list[str | int | None]:
    """The segments of ``path``: member names, indices, and None for ``[*]``.

    Raises ValueError for a string that is not a path in this notation.
    """
    if not path.startswith(ROOT):
        raise ValueError(f"not a JSON path (must start with '$'): {path!r}")
    parts: list[str | int | None] = []
    position = len(ROOT)
    while position < len(path):
        match = _SEGMENT.match(path, position)
        if match is None:
            raise ValueError(f"not a JSON path: {path!r} (at character {position})")
        plain, bracket, quoted = match.groups()
        if plain is not None:
            parts.append(plain)
        elif bracket == "*":
            parts.append(None)
        elif bracket is not None:
            parts.append(int(bracket))
        else:
            parts.append(re.sub(r"\\(.)", r"\1", quoted))
        position = match.end()
    return parts


def ancestors(path: str) -> list[str]:
    """The proper ancestors of ``path``, root first: ``$.a['b:c'][*]`` -> ``$``, ``$.a``, ..."""
    out = [ROOT]
    current = ROOT
    parts = parse(path)
    for part in parts[:-1]:
        if part is None:
            current = items(current)
        elif isinstance(part, int):
            current = index(current, part)
        else:
            current = member(current, part)
        out.append(current)
    return out if parts else []


def generalize(path: str) -> str:
    """``path`` with every array index replaced by ``[*]``: ``$[2].tags[0]`` -> ``$[*].tags[*]``.

    Quoted member names are left alone even when they hold ``[digits]``.
    """
    out = ROOT
    for part in parse(path):
        out = items(out) if part is None or isinstance(part, int) else member(out, part)
    return out
