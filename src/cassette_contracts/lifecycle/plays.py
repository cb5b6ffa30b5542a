"""Play counts: which recorded interactions the tests of a replay run played back.

The pytest plugin hands every replayed vcrpy cassette to :meth:`PlayRecorder.record` when its
test ends; vcrpy's ``Cassette.play_counts`` says which interactions (by index) were played.
``cassette-contracts audit`` reads the result to report interactions no test plays and cassette
files no test loads.

Extra cassettes
    pytest-recording's ``@pytest.mark.vcr("shared.yaml")`` loads extra files after the test's
    own cassette into one vcrpy cassette. The recorder splits the indices back per file by the
    number of interactions each file holds, in the order they were loaded. When the counts do
    not add up (a ``before_playback`` hook of the project dropped some interactions, or a file
    changed during the run) the files are marked as loaded with *unknown* plays, and the audit
    reports none of their interactions as unused rather than guessing.

Like contract coverage, every pytest process (xdist worker, or ``main``) saves one JSON file
into the run folder (:func:`plays_dir`); :meth:`PlayRecorder.load_all` merges them. Merging is a
union, so it is order-independent and a serial run and an ``-n 2`` run give the same data.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CassetteContractsError, InputError
from ..runfiles import clear_worker_files, read_worker_files, save_worker_file
from ..settings import Settings

__all__ = ["FilePlays", "PlayRecorder", "held_counts", "plays_dir"]

_FILE_FORMAT = "cassette-contracts/cassette-plays"
_FILE_VERSION = 1


def plays_dir(settings: Settings) -> Path:
    """Where the play counts of the last replay run live: ``<coverage_dir>/plays``."""
    return settings.coverage_dir / "plays"


@dataclass
class FilePlays:
    """One cassette file as a run saw it.

    ``interactions`` is the number of interactions the file held when it was loaded, or None
    when its plays are unknown (see the module docstring); ``played`` the indices played.
    """

    interactions: int | None
    played: set[int] = field(default_factory=set)
    #: A test marked ``frozen_cassette`` loaded it: it cannot be re-recorded on demand.
    frozen: bool = False


class PlayRecorder:
    """The cassette files a run loaded, and which of their interactions it played."""

    def __init__(self, cassettes: Iterable[str] = ()) -> None:
        #: The cassette folders the run(s) replayed (absolute paths).
        self.cassettes: set[str] = set(cassettes)
        #: Absolute cassette file path -> what was played of it.
        self.files: dict[str, FilePlays] = {}
        self._counts: dict[str, int | None] = {}

    # -- recording ---------------------------------------------------------------------------

    def _count(self, path: str) -> int | None:
        if path not in self._counts:
            from ..cassettes.load import load_cassette

            try:
                self._counts[path] = len(load_cassette(path).interactions)
            except CassetteContractsError:
                self._counts[path] = None
        return self._counts[path]

    def record(
        self,
        path: str,
        extra_paths: Sequence[str],
        loaded: int,
        play_counts: Mapping[int, int],
        *,
        frozen: bool = False,
        held: Mapping[str, int] | None = None,
    ) -> None:
        """Note a replayed cassette: its file, the extra files merged into it, how many
        interactions vcrpy loaded, and vcrpy's ``play_counts`` (index -> times played);
        ``frozen`` when the test is marked ``frozen_cassette``; ``held``: how many
        interactions each file held as the persister read it for this test (see
        :func:`held_counts`; a file it does not name is read again to count them)."""
        paths = [
            os.path.abspath(p) for p in dict.fromkeys([path, *extra_paths]) if os.path.isfile(p)
        ]
        known_held = {os.path.abspath(p): n for p, n in (held or {}).items()}
        counts = [known_held[p] if p in known_held else self._count(p) for p in paths]
        known = all(n is not None for n in counts) and sum(n or 0 for n in counts) == loaded
        played = {index for index, times in play_counts.items() if times}
        offset = 0
        for file, count in zip(paths, counts, strict=True):
            if known and count is not None:
                mine = {i - offset for i in played if offset <= i < offset + count}
                self._add(file, FilePlays(count, mine, frozen))
                offset += count
            else:
                self._add(file, FilePlays(None, frozen=frozen))

    def _add(self, file: str, plays: FilePlays) -> None:
        known = self.files.get(file)
        if known is None:
            self.files[file] = FilePlays(plays.interactions, set(plays.played), plays.frozen)
            return
        if known.interactions != plays.interactions:
            known.interactions = None  # changed between loads, or unknown once: unknown
        known.played |= plays.played
        known.frozen |= plays.frozen

    # -- files -------------------------------------------------------------------------------

    def to_json(self) -> str:
        document = {
            "format": _FILE_FORMAT,
            "version": _FILE_VERSION,
            "cassettes": sorted(self.cassettes),
            "files": {
                file: {
                    "interactions": plays.interactions,
                    "played": sorted(plays.played),
                    "frozen": plays.frozen,
                }
                for file, plays in sorted(self.files.items())
            },
        }
        return json.dumps(document, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str, *, source: str | os.PathLike[str] | None = None) -> PlayRecorder:
        """The recorder saved as ``text``; :class:`InputError` names the file when invalid."""

        def bad(message: str) -> InputError:
            return InputError(
                f"{message}; delete {Path(source).parent if source else 'it'} and re-run pytest",
                file=source,
            )

        try:
            document = json.loads(text)
        except ValueError as exc:
            raise bad(f"not JSON play-count data ({exc})") from None
        if not isinstance(document, dict) or document.get("format") != _FILE_FORMAT:
            raise bad(f"not a {_FILE_FORMAT} file (no 'format' marker)")
        if document.get("version") != _FILE_VERSION:
            raise bad(f"play-count data version {document.get('version')!r} is not supported")
        try:
            recorder = cls(str(c) for c in document["cassettes"])
            for file, entry in document["files"].items():
                count = entry["interactions"]
                if count is not None and not isinstance(count, int):
                    raise TypeError("'interactions' must be an integer or null")
                frozen = entry["frozen"]
                if not isinstance(frozen, bool):
                    raise TypeError("'frozen' must be true or false")
                played = {int(i) for i in entry["played"]}
                recorder._add(str(file), FilePlays(count, played, frozen))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise bad(f"malformed play-count data ({exc!r})") from None
        return recorder

    @classmethod
    def merge(cls, recorders: Iterable[PlayRecorder]) -> PlayRecorder:
        """One recorder holding everything ``recorders`` saw; independent of their order."""
        merged = cls()
        for recorder in recorders:
            merged.cassettes |= recorder.cassettes
            for file, plays in recorder.files.items():
                merged._add(file, plays)
        return merged

    def save(self, directory: str | os.PathLike[str], worker_id: str) -> Path:
        """Write ``<directory>/<worker_id>.json`` atomically."""
        return save_worker_file(directory, worker_id, self.to_json())

    @classmethod
    def load_all(cls, directory: str | os.PathLike[str]) -> PlayRecorder | None:
        """The merged play counts of the last run saved in ``directory``; None when no run."""
        files = read_worker_files(directory, "play-count data")
        if not files:
            return None
        return cls.merge(cls.from_json(text, source=path) for path, text in files)

    @staticmethod
    def clear(directory: str | os.PathLike[str]) -> None:
        """Remove the worker files of an earlier run (the start of a replay run)."""
        clear_worker_files(directory)


def cassette_paths(cassette: Any) -> tuple[str, list[str], int]:
    """A vcrpy cassette's file, the extra files pytest-recording merged into it, and how many
    interactions vcrpy loaded from them."""
    persister = getattr(cassette, "_persister", None)
    extra = [str(p) for p in getattr(persister, "extra_paths", None) or []]
    loaded = getattr(cassette, "_loaded_count", None)
    return str(cassette._path), extra, len(cassette.data) if loaded is None else int(loaded)


def held_counts(cassette: Any) -> dict[str, int] | None:
    """How many interactions each file of a vcrpy cassette held when the plugin's persister
    read them (``MetadataAwarePersister.origins``), so they need not be read again; None
    when another persister loaded it."""
    persister = getattr(cassette, "_persister", None)
    origins = getattr(persister, "origins", {}).get(str(cassette._path))
    if origins is None:
        return None
    extra = [str(p) for p in getattr(persister, "extra_paths", None) or []]
    held = dict.fromkeys(dict.fromkeys([str(cassette._path), *extra]), 0)
    for file, _index in origins:
        held[file] = held.get(file, 0) + 1
    return held
