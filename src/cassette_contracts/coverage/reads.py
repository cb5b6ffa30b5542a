"""The reads of a run: :class:`ReadRecorder` keeps each JSON path read per contract (or per
request before there are contracts), with the file and line of the reading code.

Several workers (pytest-xdist) each :meth:`ReadRecorder.save` one JSON file into the run folder
(``runfiles``); :meth:`ReadRecorder.load_all` merges them. Merging keeps every distinct read site
and is order-independent, so the merged result equals the one a serial run records.
"""

from __future__ import annotations

import json
import json.encoder
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import CodeType

from ..errors import InputError
from ..jsonpath import items, parse
from ..runfiles import REQUESTS_DIR, clear_worker_files, read_worker_files, save_worker_file
from .tracking import ITEM, Node, Raw, segment_path

__all__ = ["COVERAGE_DIR", "FieldRead", "ReadRecorder"]

#: The run folder the per-worker read files go to (relative to the rootdir).
COVERAGE_DIR = Path(".cassette-contracts") / "coverage"

_FILE_FORMAT = "cassette-contracts/coverage-reads"
_FILE_VERSION = 1
Site = tuple[str, int]


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
        self._required: set[Raw] = set()
        self._optional: set[Raw] = set()
        self._roots: dict[str, Node] = {}
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

    def _see(self, raw: Raw, code: CodeType, optional: bool) -> None:
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
                path = items(node.path) if key is ITEM else segment_path(node.path, key)
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
