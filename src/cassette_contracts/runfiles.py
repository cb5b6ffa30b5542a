"""Per-run data files: one JSON file per pytest process (xdist worker, or ``main``), written
atomically into a run folder and merged by whoever reads them. Shared by every per-run recorder
(contract coverage in ``coverage.reads``, cassette play counts in ``lifecycle.plays``).

Kept apart and light (standard library only) so the plugin can clear a run folder at the start
of a run without importing the recorders.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .cassettes.atomic import atomic_write_bytes
from .errors import InputError, UsageError

__all__ = ["REQUESTS_DIR", "clear_worker_files", "read_worker_files", "save_worker_file"]

#: The folder below the coverage folder that holds the reads by request (``METHOD URL
#: STATUS``) for ``init --from-coverage``; the coverage report reads the files above it.
REQUESTS_DIR = "requests"

_WORKER_ID = re.compile(r"[A-Za-z0-9_.-]+\Z")


def save_worker_file(directory: str | os.PathLike[str], worker_id: str, text: str) -> Path:
    """Write ``text`` to ``<directory>/<worker_id>.json`` atomically (``cassettes.atomic``),
    not durably: the next run writes it again, and after a power loss a damaged file is
    reported by its reader as malformed (delete it and re-run pytest)."""
    if not _WORKER_ID.match(worker_id):
        raise UsageError(
            f"worker id {worker_id!r} is not usable as a file name: use letters, digits, "
            "'_', '-' and '.' (for example 'gw0' or 'master')"
        )
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{worker_id}.json"
    atomic_write_bytes(target, text.encode("utf-8"), durable=False)
    return target


def read_worker_files(directory: str | os.PathLike[str], what: str) -> list[tuple[Path, str]]:
    """(path, text) of every ``*.json`` worker file in ``directory``, sorted; none: []."""
    folder = Path(directory)
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.json")):
        try:
            found.append((path, path.read_text(encoding="utf-8")))
        except OSError as exc:
            raise InputError(f"cannot read {what} ({exc})", file=path) from exc
    return found


def clear_worker_files(directory: str | os.PathLike[str]) -> None:
    """Remove the worker files of an earlier run from ``directory`` (start of a run)."""
    folder = Path(directory)
    if folder.is_dir():
        for path in folder.glob("*.json"):
            path.unlink(missing_ok=True)
