"""Cassette discovery: the one walk from the paths a user gives to the cassette files
(``.yaml``, ``.yml``, ``.json``), sorted, with a UsageError naming a path that is not there.

The walk works on strings (``cassette_files``): on a warm ``check`` of ten thousand files,
building, hashing and comparing ``Path`` objects cost more than the directory listings.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from os import PathLike
from pathlib import Path

from ..errors import InputError, UsageError

__all__ = ["cassette_files", "find_cassette_files", "in_path_order", "iter_cassette_paths"]

# ``shapes.JSON_SUFFIXES`` plus YAML, spelled out here: importing ``shapes`` imports PyYAML,
# which a warm ``check`` never needs (tests/cassettes pin that the two agree).
CASSETTE_SUFFIXES = (".yaml", ".yml", ".json")


def iter_cassette_paths(paths: Iterable[str | PathLike[str]]) -> list[Path]:
    """Cassette files named by ``paths`` (files, or folders searched for *.yaml, *.yml and
    *.json), sorted. The one cassette discovery: ``check``, ``scan``, ``audit`` and ``init``
    all find cassettes here.

    A file named directly is taken whatever its suffix; a path that does not exist is a
    UsageError. Symlinked folders are followed (reading through one is harmless, and skipping
    it would pass cassettes nobody checked), each real folder once, so a link loop ends. A
    folder that cannot be listed is an InputError, and a dangling or looping link named like a
    cassette is listed (reading it then reports it): nothing is skipped in silence.
    """
    return [Path(name) for name in cassette_files(paths)]


def cassette_files(paths: Iterable[str | PathLike[str]]) -> list[str]:
    """:func:`iter_cassette_paths` as strings, each ``str`` of the ``Path`` it names, in the
    same order."""
    return in_path_order(find_cassette_files(paths))


def find_cassette_files(paths: Iterable[str | PathLike[str]]) -> set[str]:
    """The names :func:`cassette_files` lists, unordered (for a caller that may not need the
    order: a warm ``check``)."""
    found: set[str] = set()
    for each in paths:
        path = Path(each)
        if path.is_dir():
            found.update(_walk(str(path)))
        elif path.is_file():
            found.add(str(path))
        else:
            raise UsageError(f"no such cassette file or folder: {path}")
    return found


def in_path_order(names: Iterable[str]) -> list[str]:
    """``names`` (spelled as ``str(Path(...))``) sorted as their ``Path`` s sort."""
    return sorted(names, key=_path_order)


def _path_order(name: str) -> str:
    """A sort key ordering names spelled as ``str(Path(...))`` as ``PurePosixPath`` orders
    them on this Python: by their parts, joined by NUL, which sorts before any character a
    part may hold, so a part sorts before its own extensions. Python 3.12 and later compare the
    text split at each ``/`` (an absolute name starts with an empty part, so it sorts before
    any relative one); 3.11 compares parts with the root as a part of its own (``/``, or
    ``//``), which sorts after a relative name starting with ``-`` or ``.``."""
    if sys.version_info >= (3, 12) or not name.startswith("/"):
        return name.replace("/", "\0")
    root = "//" if name.startswith("//") and not name.startswith("///") else "/"
    return root + "\0" + name[len(root) :].replace("/", "\0")


def _is_cassette_name(name: str) -> bool:
    """``os.path.splitext(name)[1].lower() in CASSETTE_SUFFIXES``, without the call: a name
    of only dots before its suffix (``.yaml``) has no suffix."""
    lower = name.lower()
    return lower.endswith(CASSETTE_SUFFIXES) and bool(lower.rpartition(".")[0].strip("."))


def _walk(root: str) -> Iterable[str]:
    """Cassette files below folder ``root`` (spelled as ``str(Path(...))``), each spelled the
    same way: ``entry.path`` is ``folder/name``, except below ``.`` where it is ``name``."""
    seen: set[str] = set()
    # (folder, its real path when known without asking: a subfolder that is no symlink is
    # its parent's real path plus its name; only links are resolved)
    folders: list[tuple[str, str | None]] = [(root, None)]
    while folders:
        folder, real = folders.pop()
        if real is None:
            real = os.path.realpath(folder)
        if real in seen:
            continue
        seen.add(real)
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:  # skipped, its cassettes would pass unchecked
            raise InputError(
                f"cannot list cassette folder: {exc.strerror or exc}", file=Path(folder)
            ) from None
        here = folder != "."
        for entry in entries:  # DirEntry: the type from the directory listing, no stat
            try:  # the name first: most entries are cassettes, one type test each
                if _is_cassette_name(entry.name) and (
                    entry.is_file() or (entry.is_symlink() and not entry.is_dir())
                ):  # a dangling link is listed: reading it names it, a skip would hide it
                    yield entry.path if here else entry.name
                elif entry.is_dir():
                    known = None if entry.is_symlink() else os.path.join(real, entry.name)
                    folders.append((entry.path if here else entry.name, known))
            except OSError:  # a link whose type cannot be read (a loop): listed like a
                if _is_cassette_name(entry.name):  # dangling one, reading it names it
                    yield entry.path if here else entry.name
