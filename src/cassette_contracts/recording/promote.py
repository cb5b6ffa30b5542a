"""Staging, the cassettes lock, and all-or-nothing promotion of a set of fresh recordings.

Nothing here writes into the committed cassette folder except :func:`promote` and
:func:`recover`. vcrpy itself writes cassettes in place and keeps partial recordings when a test
fails; pytest-recording's ``rewrite`` mode deletes the cassette before the test runs. Recording
therefore always goes into a fresh staging folder, never into the committed one.

**Promotion is a transaction over the whole set** (a journal, committed by one rename):

1. *prepare* — each fresh cassette is written beside its target as
   ``.cassette-contracts-<name>.new`` and fsynced; each existing target gets a hard-linked
   backup ``.cassette-contracts-<name>.old`` (no data copied; a copy where links fail).
   A failure here (a full disk) removes what was written: ``cassettes/`` is untouched.
2. *commit* — the journal ``.cassette-contracts-journal.json`` (every target, whether it
   existed, the sha256 of its new bytes) is written to a temporary file, fsynced and renamed
   into the cassettes folder, then the folder is fsynced. From here on the new set wins.
3. *apply* — each ``.new`` file is renamed over its target; the folders are fsynced.
4. *clean* — the journal is removed, then the backups.

:func:`recover` runs, under the lock, before every command that reads or writes cassettes:
with a journal it rolls forward (renames the ``.new`` files that are left; if one is missing
and its target does not hold the new bytes, it rolls every target back from the backups);
without one it rolls back, which only means deleting the ``.cassette-contracts-*`` files a
killed *prepare* left (no target has been touched before the commit). Either way the folder
then holds the whole old set or the whole new set, byte for byte, and no temporary file.

The lock (:func:`cassettes_lock`) is ``fcntl.flock`` on ``.staging/lock`` beside the project:
a second ``rerecord`` / ``drift`` exits at once; the kernel releases it when its holder dies,
SIGKILL included.

``$CASSETTE_CONTRACTS_FAULT`` is a **test-only hook**: when it names a phase (see
:data:`FAULT_PHASES`) the process SIGKILLs itself there, so the fault-injection tests can
stop a run at an exact point. It has no other effect and is never set in normal use.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import signal
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..cassettes.atomic import fsync_dir, write_synced
from ..errors import InputError, RecordingFailed

if TYPE_CHECKING:
    from ..settings import Settings

__all__ = [
    "FAULT_ENV",
    "FAULT_PHASES",
    "JOURNAL",
    "STAGING",
    "cassettes_lock",
    "fault_point",
    "lock_file",
    "promote",
    "recover",
    "recover_interrupted",
    "refuse_links_out",
]

#: Staging folders live here, relative to the project root (gitignored); so does the lock.
STAGING = ".staging"
#: Every file promotion puts into the cassettes folder starts with this (and none ends in
#: ``.yaml``, so a reader never mistakes one for a cassette).
MARK = ".cassette-contracts-"
#: The journal, in the cassettes folder: its presence is the commit of a promotion.
JOURNAL = MARK + "journal.json"
#: Test-only hook: the phase at which the process SIGKILLs itself.
FAULT_ENV = "CASSETTE_CONTRACTS_FAULT"
FAULT_PHASES = (
    "record:after-staging",  # fresh cassettes recorded and stamped, nothing checked yet
    "promote:after-prepare",  # .new files and backups written, no journal
    "promote:after-journal",  # journal committed, no target renamed
    "promote:after-first-rename",  # one target replaced, the others not
    "promote:after-renames",  # every target replaced, journal and backups still there
    "rerecord:before-cleanup",  # promoted and cleaned, staging folder not yet removed
)


def fault_point(phase: str) -> None:
    """Test-only hook: SIGKILL this process when ``$CASSETTE_CONTRACTS_FAULT`` is ``phase``."""
    if os.environ.get(FAULT_ENV) == phase:
        os.kill(os.getpid(), signal.SIGKILL)


# --------------------------------------------------------------------------------------------
# The lock
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def cassettes_lock(lock_file: Path, what: str) -> Iterator[None]:
    """Hold the exclusive lock of the cassettes for ``what`` (``rerecord`` / ``drift``).

    RecordingFailed (exit 3) at once when another process holds it. The kernel releases the
    lock when the holder exits or is killed.
    """
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
            raise RecordingFailed(
                f"{what}: another rerecord or drift is running ({holder} holds {lock_file}); "
                "try again when it has finished"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{what} (pid {os.getpid()})".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # a later holder is never named by this one's pid
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def _try_lock(lock_file: Path) -> Iterator[bool]:
    """The lock if it is free (True), else nothing (False); never waits, never raises."""
    try:
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        os.ftruncate(fd, 0)  # a killed holder's pid: while this one holds it, name no one
        yield True
    finally:
        os.close(fd)


# --------------------------------------------------------------------------------------------
# Promotion and recovery
# --------------------------------------------------------------------------------------------


def _new(target: Path) -> Path:
    return target.with_name(f"{MARK}{target.name}.new")


def _old(target: Path) -> Path:
    return target.with_name(f"{MARK}{target.name}.old")


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


@dataclass(frozen=True)
class _Entry:
    path: str  # relative to the cassettes folder, POSIX
    existed: bool
    sha256: str


def _leftovers(root: Path) -> list[Path]:
    """Files a promotion put into ``root`` (journal, .new, .old, temporary journal)."""
    found = []
    for folder, dirs, files in os.walk(root):  # never follows symlinks
        dirs.sort()
        found += [Path(folder) / name for name in sorted(files) if name.startswith(MARK)]
    return found


def refuse_links_out(root: Path, targets: Iterable[Path] = ()) -> None:
    """InputError (exit 2) when a symlink under ``root``, or the way to one of ``targets``,
    leads outside ``root``: nothing is ever written through one."""
    base = root.resolve()
    suspects = list(targets)
    if root.is_dir():
        for folder, dirs, files in os.walk(root):  # lists symlinked folders, never enters them
            suspects += [Path(folder) / name for name in (*dirs, *files)]
    for path in suspects:
        real = path.resolve()
        if not real.is_relative_to(base):
            kind = "folder" if real.is_dir() else "file"
            raise InputError(
                f"a symlink leads outside the cassettes folder {root} (to {real}); "
                f"cassette-contracts never writes through one: replace it with a real {kind}",
                file=path,
            )


def promote(staged_root: Path, target_root: Path, relative_paths: Iterable[Path]) -> list[Path]:
    """Replace the committed cassettes ``relative_paths`` with the staged ones, all or nothing.

    The caller holds the lock. OSError (a full disk) before the commit leaves the committed
    folder as it was; a failure after it is finished by :func:`recover`.
    """
    rels = sorted(set(relative_paths))
    targets = [target_root / rel for rel in rels]
    refuse_links_out(target_root, targets)
    recover(target_root)
    entries: list[_Entry] = []
    written: list[Path] = []
    journal = target_root / JOURNAL
    try:
        for rel, target in zip(rels, targets, strict=True):
            data = (staged_root / rel).read_bytes()
            target.parent.mkdir(parents=True, exist_ok=True)
            written.append(_new(target))
            write_synced(_new(target), data)
            existed = target.is_file()
            if existed:
                written.append(_old(target))
                try:
                    os.link(target, _old(target))
                except OSError:
                    write_synced(_old(target), target.read_bytes())
            entries.append(_Entry(rel.as_posix(), existed, hashlib.sha256(data).hexdigest()))
        for folder in sorted({t.parent for t in targets}):
            fsync_dir(folder)
        fault_point("promote:after-prepare")
        pending = target_root / (JOURNAL + ".tmp")
        written.append(pending)
        payload = {"version": 1, "entries": [e.__dict__ for e in entries]}
        write_synced(pending, json.dumps(payload, indent=1).encode("utf-8"))
        os.replace(pending, journal)  # the commit
    except BaseException:
        if not journal.exists():  # not committed: undo; committed: recover() rolls forward
            for path in written:
                with contextlib.suppress(OSError):
                    path.unlink()
        raise
    fsync_dir(target_root)
    fault_point("promote:after-journal")
    _apply(target_root, entries, faults=True)
    return targets


def _apply(root: Path, entries: list[_Entry], *, faults: bool = False) -> None:
    """Rename the .new files that are left over their targets, then clean up."""
    for number, entry in enumerate(entries):
        target = root / entry.path
        if _new(target).exists():
            os.replace(_new(target), target)
        if faults and number == 0:
            fault_point("promote:after-first-rename")
    for folder in sorted({(root / e.path).parent for e in entries}):
        fsync_dir(folder)
    if faults:
        fault_point("promote:after-renames")
    (root / JOURNAL).unlink()
    fsync_dir(root)
    for entry in entries:
        with contextlib.suppress(FileNotFoundError):
            _old(root / entry.path).unlink()


def _roll_back(root: Path, entries: list[_Entry]) -> None:
    """Put every target back from its backup (or remove it if it is new), then clean up."""
    for entry in entries:
        target = root / entry.path
        if _sha256(target) != entry.sha256:
            continue  # never replaced
        if entry.existed:
            if not _old(target).exists():
                raise RecordingFailed(
                    f"cannot finish or undo the interrupted promotion in {root}: both "
                    f"{_new(target).name} and {_old(target).name} are gone; restore "
                    f"{target} from version control, then delete {root / JOURNAL}"
                )
            os.replace(_old(target), target)
        else:
            target.unlink()
    (root / JOURNAL).unlink()
    fsync_dir(root)


def _read_journal(journal: Path) -> list[_Entry] | None:
    try:
        data = json.loads(journal.read_text(encoding="utf-8"))
        return [
            _Entry(str(e["path"]), bool(e["existed"]), str(e["sha256"])) for e in data["entries"]
        ]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def recover(root: Path) -> str | None:
    """Finish (journal present) or undo (no journal) an interrupted promotion into ``root``.

    The caller holds the lock. Returns one line saying what was done, or None.
    """
    journal = root / JOURNAL
    said = None
    if journal.is_file():
        entries = _read_journal(journal)
        if entries is None:  # written by rename only, so never half a journal; be safe anyway
            journal.unlink()
        elif all(
            _new(root / e.path).exists() or _sha256(root / e.path) == e.sha256 for e in entries
        ):
            _apply(root, entries)
            said = f"finished an interrupted promotion of {len(entries)} cassette(s) in {root}"
        else:
            _roll_back(root, entries)
            said = f"rolled back an interrupted promotion of {len(entries)} cassette(s) in {root}"
    leftovers = _leftovers(root) if root.is_dir() else []
    for path in leftovers:
        path.unlink()
    if leftovers:
        fsync_dir(root)
        said = said or (
            f"removed {len(leftovers)} file(s) of an interrupted promotion from {root} "
            "(nothing had been promoted)"
        )
    return said


def needs_recovery(root: Path) -> bool:
    """Whether an interrupted promotion left anything in ``root``."""
    return root.is_dir() and bool(_leftovers(root))


def lock_file(settings: Settings) -> Path:
    """The lock one ``rerecord`` / ``drift`` holds while it runs (in the gitignored staging)."""
    return settings.root / STAGING / "lock"


def recover_interrupted(settings: Settings) -> str | None:
    """Before reading the cassettes: finish or undo a promotion a killed run left, unless
    another run holds the lock (it will). One line saying what was done, or None. Cheap when
    there is nothing to recover: every command and every pytest run calls it first."""
    return recover_if_free(settings.cassettes, lock_file(settings))


def recover_if_free(root: Path, lock_file: Path) -> str | None:
    """:func:`recover` when something is left to recover and no other run holds the lock."""
    if not needs_recovery(root):
        return None
    with _try_lock(lock_file) as locked:
        return recover(root) if locked else None
