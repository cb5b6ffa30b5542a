"""The check's result cache: per cassette content, what the check found.

The cache (``.cassette-contracts/`` by default, safe to delete) remembers, per cassette
content, what the check found; an entry is used only when the cassette bytes, every schema
file plus contracts.toml, and the harness itself (the cassettes, contracts and checking
sources) are unchanged. A corrupt or missing cache is rebuilt without a word; an input error
is never cached.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ..cassettes.atomic import atomic_write_bytes
from ..contracts.mapping import ContractMap
from ..contracts.registry import SchemaRegistry
from ..errors import InputError, Violation, display_path

CACHE_FILE = "check-results.json"
_CACHE_FORMAT = 2


@dataclass
class FileOutcome:
    """What checking one cassette file found: what a cache keeps per file."""

    key: str = ""  # sha256 of the cassette bytes, when a cache wants it
    counts: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)  # interactions not checkable, by contract
    violations: list[Violation] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    warnings: list[InputError] = field(default_factory=list)
    interactions: int = 0
    cacheable: bool = True


@cache
def _harness_version() -> str:
    """Changes whenever this package's checking code or jsonschema changes."""
    from importlib.metadata import version

    digest = hashlib.sha256(f"{_CACHE_FORMAT}\0{version('jsonschema')}".encode())
    root = Path(__file__).parent.parent
    sources = [root / "errors.py", root / "jsonpath.py"]
    for stage in ("cassettes", "contracts", "checking"):
        sources.extend((root / stage).glob("*.py"))
    for path in sorted(sources):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def environment_key(contract_map: ContractMap, registry: SchemaRegistry) -> str:
    parts = (registry.fingerprint, contract_map.fingerprint, _harness_version())
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


class ResultCache:
    """One JSON file: per-cassette outcomes, valid for one schemas + contracts + harness.

    ``entries`` maps the sha256 of a cassette's bytes to what checking it found. ``files``
    remembers, per cassette path, the stat (size, mtime, inode, ctime) under which it had a
    given sha256, so an unchanged file is not read again, the way git's index works. A stat
    is only trusted when the file's mtime was over a second older than the moment it was
    read: a later write, even within the same clock tick as the one before, changes it.
    """

    def __init__(self, directory: Path, environment: str) -> None:
        self.file = directory / CACHE_FILE
        self.environment = environment
        self.entries: dict[str, Any] = {}
        self.files: dict[str, list[Any]] = {}
        self.changed = False
        try:
            stored = json.loads(self.file.read_bytes())
            if stored["format"] == _CACHE_FORMAT and isinstance(stored["files"], dict):
                self.files = stored["files"]  # bytes -> sha256 does not depend on the schemas
            if stored["environment"] == environment and isinstance(stored["entries"], dict):
                self.entries = stored["entries"]
        except (OSError, ValueError, KeyError, TypeError):
            pass  # missing, corrupt, or for other schemas: start afresh

    def _key(self, path: Path) -> str | None:
        """sha256 of the bytes of ``path``, from its unchanged stat or by reading it."""
        name = os.path.abspath(path)
        try:
            before = os.stat(name)
            stat = [before.st_size, before.st_mtime_ns, before.st_ino, before.st_ctime_ns]
            known = self.files.get(name)
            if isinstance(known, list) and len(known) == 5 and known[:4] == stat:
                return str(known[4])
            read_at = time.time_ns()
            key = hashlib.sha256(Path(name).read_bytes()).hexdigest()
        except OSError:
            return None  # reported when the file is checked
        if before.st_mtime_ns < read_at - 1_000_000_000:
            self.files[name] = [*stat, key]
            self.changed = True
        return key

    def get(self, path: Path) -> FileOutcome | None:
        """The stored outcome for the current bytes of ``path``, or None."""
        key = self._key(path)
        entry = self.entries.get(key) if key is not None else None
        if key is None or entry is None:
            return None
        try:
            stored = entry["violations"]
            cassette = display_path(path) if stored else ""
            return FileOutcome(
                key=key,
                counts={str(k): int(v) for k, v in entry["counts"].items()},
                violations=[Violation(cassette=cassette, **v) for v in stored],
                interactions=int(entry["interactions"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            del self.entries[key]  # a damaged entry: check the file again
            return None

    def put(self, outcome: FileOutcome) -> None:
        """Remember ``outcome``; one with an input error or warning is never stored."""
        if not outcome.cacheable or outcome.errors or outcome.warnings or not outcome.key:
            return
        violations = []
        for violation in outcome.violations:
            stored = violation.to_dict()
            del stored["cassette"]  # the same bytes may live at several paths
            violations.append(stored)
        self.entries[outcome.key] = {
            "counts": outcome.counts,
            "violations": violations,
            "interactions": outcome.interactions,
        }
        self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        document = {
            "format": _CACHE_FORMAT,
            "environment": self.environment,
            "entries": self.entries,
            "files": self.files,
        }
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            ignore = self.file.parent / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Created by cassette-contracts: a cache, safe to delete.\n*\n")
            atomic_write_bytes(self.file, json.dumps(document, separators=(",", ":")).encode())
        except OSError:
            return  # a cache that cannot be written only costs time next run
