"""Cassette discovery: the one walk from the paths a user gives to the cassette files
(``.yaml``, ``.yml``, ``.json``), sorted, with a UsageError naming a path that is not there.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from os import PathLike
from pathlib import Path

from ..errors import UsageError
from .shapes import (
    JSON_SUFFIXES,
)

__all__ = ["iter_cassette_paths"]

CASSETTE_SUFFIXES = (".yaml", ".yml", *JSON_SUFFIXES)


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
