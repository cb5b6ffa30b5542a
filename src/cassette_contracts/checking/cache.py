"""The check's result cache: per cassette content, what the check found; per whole run, its
answer.

The cache (``.cassette-contracts/`` by default, safe to delete) remembers, per cassette
content, what the check found; an entry is used only when the cassette bytes, every schema
file plus contracts.toml, the harness itself (the cassettes, contracts and checking
sources) and the libraries that decide a verdict (``_LIBRARIES``: jsonschema, its format
checkers, PyYAML, ..., by file and version) are unchanged. A corrupt or missing cache is
rebuilt without a word; an input error is never cached.

A warm run answers before it loads a contract or a schema (``cached_run``): ``WARM_FILE`` keeps
the answers of recent clean runs (no input error, no warning), each under a key made of the
working folder, then the name and stat (size, mtime, inode, ctime) of every input:
contracts.toml, every schema file, the harness sources, the libraries' files, and every
cassette in order. A stat stands for the bytes read under it only when it was taken first and
the file had not been modified (mtime or ctime) for over a second (git's "racy" rule: a later
write, even within the same clock tick, changes it), and the bytes read are the bytes checked;
otherwise the run keeps no answer and the next one looks file by file (``ResultCache``).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..cassettes.atomic import atomic_write_bytes
from ..contracts.schemawalk import schema_files
from ..errors import InputError, Violation, display_path

if TYPE_CHECKING:  # both import jsonschema, which a warm run never needs
    from ..contracts.mapping import ContractMap
    from ..contracts.registry import SchemaRegistry
    from .result import CheckResult

CACHE_FILE = "check-results.json"
WARM_FILE = "check-warm.json"
_CACHE_FORMAT = 2
_WARM_FORMAT = 1
_RUNS_KEPT = 16  # answers of this many distinct runs (other paths, other folders) are kept
# A stat is trusted only for a file unmodified for this long before it was taken.
_SETTLED_NS = 1_000_000_000


def _now_ns() -> int:
    return time.time_ns()


def _stat_row(result: os.stat_result) -> list[int]:
    """What a stat says of a file's bytes: size, mtime, inode, ctime."""
    return [result.st_size, result.st_mtime_ns, result.st_ino, result.st_ctime_ns]


def _settled(row: Sequence[int], at_ns: int) -> bool:
    """Whether stat ``row`` (see ``_stat_row``), taken at or after ``at_ns``, stands for the
    bytes read after it: any later write moves ctime (and mtime) past it."""
    return max(row[1], row[3]) < at_ns - _SETTLED_NS


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
    stat: list[int] | None = None  # the stat that stands for the bytes read (``read_settled``)


def read_settled(path: Path) -> tuple[bytes, list[int] | None]:
    """The bytes of ``path``, and its stat (``_stat_row``) when that stat can stand for them
    in a later run (the file unmodified for over a second when read); else None."""
    at = _now_ns()
    with open(path, "rb") as handle:
        row = _stat_row(os.fstat(handle.fileno()))
        data = handle.read()
    return data, row if _settled(row, at) else None


def _harness_sources() -> list[Path]:
    """The sources whose change changes what ``check`` finds, sorted."""
    root = Path(__file__).parent.parent
    sources = [root / "errors.py", root / "jsonpath.py"]
    for stage in ("cassettes", "contracts", "checking"):
        sources.extend((root / stage).glob("*.py"))
    return sorted(sources)


def _harness_digest(libraries: str) -> str:
    """Changes whenever this package's checking code or a library of ``_LIBRARIES``
    (``libraries``, see ``_library_versions``) changes."""
    digest = hashlib.sha256(f"{_CACHE_FORMAT}\0{libraries}".encode())
    for path in _harness_sources():
        digest.update(path.read_bytes())
    return digest.hexdigest()


#: The other packages whose code decides what ``check`` finds (top-level module ->
#: distribution): jsonschema and its resolver; the format checkers jsonschema uses when they
#: import (a format whose package is missing is not checked at all, an upgrade may check it
#: differently); the YAML parser; the body decoders.
_LIBRARIES = {
    "jsonschema": "jsonschema",
    "referencing": "referencing",
    "jsonschema_specifications": "jsonschema-specifications",
    "fqdn": "fqdn",
    "idna": "idna",
    "isoduration": "isoduration",
    "jsonpointer": "jsonpointer",
    "rfc3339_validator": "rfc3339-validator",
    "rfc3986_validator": "rfc3986-validator",
    "rfc3987": "rfc3987",
    "rfc3987_syntax": "rfc3987-syntax",
    "uri_template": "uri-template",
    "webcolors": "webcolors",
    "yaml": "PyYAML",
    "brotli": "Brotli",
    "zstandard": "zstandard",
}


@cache
def _library_versions() -> str:
    """Per library of ``_LIBRARIES``: the file this process imports it from (or would) and
    its distribution's version, '-' for either when there is none (read once)."""
    from importlib.metadata import PackageNotFoundError, version

    found = {module: origin for module, origin, _ in _libraries_at_start() or ()}
    parts = []
    for module, distribution in _LIBRARIES.items():
        try:
            number = version(distribution)
        except PackageNotFoundError:
            number = "-"
        parts.append(f"{module}\0{found.get(module, '-')}\0{number}")
    return "\n".join(parts)


@cache
def _harness_version() -> str:
    """``_harness_digest`` of the code this process runs (read once)."""
    return _harness_digest(_library_versions())


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
            known = self.files.get(name)
            if (
                isinstance(known, list)
                and len(known) == 5
                and known[:4] == _stat_row(os.stat(name))
            ):
                return str(known[4])
            data, stat = read_settled(Path(name))
        except OSError:
            return None  # reported when the file is checked
        key = hashlib.sha256(data).hexdigest()
        if stat is not None:
            self.files[name] = [*stat, key]
            self.changed = True
        return key

    def known_stat(self, path: Path, key: str) -> list[int] | None:
        """The stat under which ``path`` was last seen holding bytes of sha256 ``key``, when
        that stat can stand for them; else None."""
        known = self.files.get(os.path.abspath(path))
        if isinstance(known, list) and len(known) == 5 and known[4] == key:
            return [int(value) for value in known[:4]]
        return None

    def get(self, path: Path) -> FileOutcome | None:
        """The stored outcome for the current bytes of ``path``, or None."""
        if not self.entries:  # nothing to find: the check reads the file once, and hashes it
            return None
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

    def put(self, path: Path, outcome: FileOutcome) -> None:
        """Remember ``outcome`` of checking ``path`` (and the stat it was read under); one
        with an input error or warning is never stored; its stat is, as bytes -> sha256
        holds whatever checking them found."""
        if outcome.stat is not None and outcome.key:
            self.files[os.path.abspath(path)] = [*outcome.stat, outcome.key]
            self.changed = True
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


# --- whole runs: answered before anything is loaded ------------------------------------------


def _library_files() -> list[tuple[str, str]] | None:
    """(module, file) of each library of ``_LIBRARIES`` that can be imported: the file this
    process imported it from, else the one an import would find (not imported: found).
    Installing, upgrading or removing one replaces its file (a new inode, a new ctime) or
    changes this list. None when jsonschema cannot be found or a library is there without a
    file of its own (a namespace package) to stand for it."""
    from importlib.util import find_spec

    found = []
    for module in _LIBRARIES:
        loaded = sys.modules.get(module)
        if loaded is not None:
            origin = getattr(loaded, "__file__", None)
        else:
            try:
                spec = find_spec(module)
            except (ImportError, ValueError):
                return None
            if spec is None:
                continue
            origin = spec.origin if spec.has_location else None
        if not isinstance(origin, str):
            return None
        found.append((module, origin))
    return found if found and found[0][0] == "jsonschema" else None


@cache
def _libraries_at_start() -> tuple[tuple[str, str, tuple[int, ...]], ...] | None:
    """``_library_files`` with their stats as this process first saw them (a warm lookup asks
    before anything is imported, ``check`` before it checks): a library installed, replaced
    or removed while a run checks keeps no answer."""
    files = _library_files()
    rows = _stats([origin for _, origin in files]) if files is not None else None
    if files is None or rows is None:
        return None
    return tuple(
        (module, origin, tuple(row)) for (module, origin), (_, row) in zip(files, rows, strict=True)
    )


def _environment_names(contracts: Path, schemas: list[Path], libraries: Sequence[str]) -> list[str]:
    """Every file but the cassettes that a check's answer depends on, each named once:
    contracts.toml, the schema files (as ``SchemaRegistry.load`` finds them), the harness
    sources, the files of the ``libraries`` (``_library_files``)."""
    names = [os.path.abspath(contracts), *(os.path.abspath(path) for path in schemas)]
    names += [str(path) for path in _harness_sources()]
    names += libraries
    return names


def _run_key(environment: list[str], files: list[str]) -> str:
    """The key of a run's answer: the working folder (violations name cassettes relative to
    it), then every input as a line of ``_stat_lines``: the environment's in order, the
    cassettes' sorted by name (the answer lists them in path order, whatever order they come
    in)."""
    cwd = os.getcwd()
    head = f"{_WARM_FORMAT}\0{len(cwd)}\0{cwd}\n{len(environment)}\n{len(files)}"
    text = "\n".join([head, *environment, *files])
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def _stat_lines(names: Sequence[str]) -> list[str] | None:
    """One line per file: its name, prefixed by its length (no two lists of names spell the
    same text), and its stat (``_stat_row``), as ``_row_line`` spells it; None when one
    cannot be stat'ed."""
    stat = os.stat
    try:  # one pass, no intermediate rows: ten thousand cassettes on a warm run
        return [
            f"{len(name)}\0{name}\0{s.st_size}\0{s.st_mtime_ns}\0{s.st_ino}\0{s.st_ctime_ns}"
            for name in names
            for s in (stat(name),)
        ]
    except OSError:
        return None


def _row_line(name: str, row: Sequence[int]) -> str:
    """``_stat_lines``'s line for ``name`` from its stat row."""
    return f"{len(name)}\0{name}\0{row[0]}\0{row[1]}\0{row[2]}\0{row[3]}"


def _stats(names: Sequence[str]) -> list[tuple[str, list[int]]] | None:
    try:
        return [(name, _stat_row(os.stat(name))) for name in names]
    except OSError:
        return None


def _load_runs(cache_dir: Path) -> dict[str, Any]:
    try:
        stored = json.loads((cache_dir / WARM_FILE).read_bytes())
        if stored["format"] == _WARM_FORMAT and isinstance(stored["runs"], dict):
            return stored["runs"]
    except (OSError, ValueError, KeyError, TypeError):
        pass  # missing, corrupt or older: no answers
    return {}


def cached_run(
    files: Collection[str], contracts: Path, schemas: Path, cache_dir: Path
) -> CheckResult | None:
    """The answer of an earlier clean run over the same cassette ``files`` (spelled as
    ``str(Path)``, in any order) with the same contracts, schemas and harness, every one of
    them unchanged by its stat; None when there is none (then check as usual)."""
    libraries = _libraries_at_start()  # before anything is imported, kept answer or not
    runs = _load_runs(cache_dir)
    if not runs or libraries is None:
        return None
    origins = [origin for _, origin, _ in libraries]
    environment = _stat_lines(_environment_names(contracts, schema_files(schemas), origins))
    checked = _stat_lines(sorted(files))
    if environment is None or checked is None:
        return None
    stored = runs.get(_run_key(environment, checked))
    if not isinstance(stored, dict):
        return None
    from .result import CheckResult, EndpointRow

    try:
        return CheckResult(
            rows=[EndpointRow(**row) for row in stored["rows"]],
            violations=[Violation(**violation) for violation in stored["violations"]],
            errors=[],
            files=len(files),
            interactions=int(stored["interactions"]),
            cached_files=len(files),
        )
    except (KeyError, TypeError, ValueError):
        return None  # a damaged answer: check as usual


def remember_run(
    cache_dir: Path,
    paths: Sequence[Path],
    outcomes: Sequence[FileOutcome],
    result: CheckResult,
    results: ResultCache,
    contract_map: ContractMap,
    registry: SchemaRegistry,
) -> None:
    """Keep ``result`` (of checking ``paths``, which gave ``outcomes``) as the answer of the
    next run over the same unchanged inputs, when every stat can stand for the bytes checked;
    a run with an input error or a warning is never kept."""
    if result.errors or result.warnings or not paths:
        return
    files = []
    for path, outcome in zip(paths, outcomes, strict=True):
        row = results.known_stat(path, outcome.key) if outcome.key else None
        if row is None:  # modified too recently, or changed while checked
            return
        files.append((str(path), row))
    environment = _settled_environment(contract_map, registry)
    if environment is None:
        return
    runs = _load_runs(cache_dir)
    key = _run_key(
        [_row_line(name, row) for name, row in environment],
        [_row_line(name, row) for name, row in sorted(files, key=lambda pair: pair[0])],
    )
    answer = {
        "rows": [dict(row.__dict__) for row in result.rows],
        "violations": [violation.to_dict() for violation in result.violations],
        "interactions": result.interactions,
    }
    if runs.get(key) == answer:
        return  # kept already
    runs.pop(key, None)
    runs[key] = answer
    for old in list(runs)[:-_RUNS_KEPT]:
        del runs[old]
    document = {"format": _WARM_FORMAT, "runs": runs}
    try:
        atomic_write_bytes(
            cache_dir / WARM_FILE, json.dumps(document, separators=(",", ":")).encode()
        )
    except OSError:
        return  # only costs time next run


def _settled_environment(
    contract_map: ContractMap, registry: SchemaRegistry
) -> list[tuple[str, list[int]]] | None:
    """The names and stats of the environment files (``_environment_names``) when each stat,
    taken before its file is read again here, stands for what this run loaded: contracts.toml
    and the schemas read back give the fingerprints loaded, the harness sources the harness
    version, the libraries are those this process found when it started (and imported, for
    those it imported); else None."""
    from ..contracts.registry import schema_fingerprint

    schemas = schema_files(registry.root)
    start = _libraries_at_start()
    libraries = _library_files()
    if (
        start is None
        or libraries is None
        or "jsonschema" not in sys.modules
        or [(module, origin) for module, origin, _ in start] != libraries
    ):
        return None
    names = _environment_names(contract_map.path, schemas, [origin for _, origin in libraries])
    at = _now_ns()
    environment = _stats(names)
    if environment is None or not all(_settled(row, at) for _, row in environment):
        return None
    if [tuple(row) for _, row in environment[-len(start) :]] != [row for _, _, row in start]:
        return None  # a library replaced since this process started
    try:
        contracts = hashlib.sha256(contract_map.path.read_bytes()).hexdigest()
        harness = _harness_digest(_library_versions())
    except OSError:
        return None
    if (
        contracts != contract_map.fingerprint
        or schema_fingerprint(registry.root, schemas) != registry.fingerprint
        or harness != _harness_version()
    ):
        return None
    return environment
