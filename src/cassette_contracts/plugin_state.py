"""State of one pytest run for the plugin: settings, contracts, tracking, coverage.

Kept apart from ``plugin.py`` so the hooks stay thin and this module is imported only when
pytest actually configures the plugin.

Length: one job, what the plugin keeps for a session; each hook of ``plugin.py`` calls one
method here, and the engines it drives live in their stages.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import CassetteContractsError, InputError, NoContractError
from .settings import Settings, load_settings

if TYPE_CHECKING:
    import pytest

    from .contracts.mapping import ContractMap
    from .contracts.registry import SchemaRegistry
    from .coverage.reads import ReadRecorder
    from .coverage.report import CoverageReport
    from .lifecycle.plays import PlayRecorder

__all__ = ["PluginState"]

RECORD_HINT = (
    "To record it from the live API without touching the committed cassettes, run "
    "`cassette-contracts rerecord --only <pattern>`: it records into a staging folder, scrubs "
    "secrets, checks the contracts, and only then promotes."
)


def _record_mode(config: pytest.Config) -> str:
    mode = config.getoption("--record-mode", default=None)
    return str(mode or "none")


def _chain(hooks: list[Callable[[Any], Any]]) -> Callable[[Any], Any]:
    """One vcrpy hook running ``hooks`` in order; None (drop the interaction) stops the chain."""

    def run(value: Any) -> Any:
        for hook in hooks:
            if value is None:
                return None
            value = hook(value)
        return value

    return run


@dataclass
class PluginState:
    """Everything the plugin keeps for one pytest process."""

    settings: Settings
    rootdir: Path
    record_mode: str
    validate: bool
    worker_id: str | None
    #: Contract coverage is on (replaying, no ``--no-contract-coverage``).
    coverage_on: bool
    held: int = 0
    broken: int = 0
    #: Tests that replayed a cassette in this process (with xdist: in all workers).
    replayed: int = 0
    #: Played interactions that match no contract, with ``strict = false`` (warnings).
    unmatched: int = 0
    unmatched_messages: dict[str, None] = field(default_factory=dict)
    coverage: CoverageReport | None = None
    _contracts: tuple[ContractMap, SchemaRegistry] | None = None
    _loaded: bool = False
    _has_contracts: bool | None = None
    _load_error: str | None = None
    _finish_error: str | None = None
    _lines: dict[str, list[int | None]] = field(default_factory=dict)
    plays: PlayRecorder | None = None
    #: Request key (``METHOD URL STATUS``) -> the contract it matched: reads are tracked by
    #: request and saved by contract as well (``_save_reads``).
    contract_of: dict[str, str] = field(default_factory=dict)
    #: This process's reads, made at the first replay (a run replaying nothing imports none).
    recorder: ReadRecorder | None = None
    #: ``--contract-cassettes DIR`` given: (the configured cassettes folder, DIR). Cassette
    #: folders under the first are moved under the second (see :meth:`redirect_cassettes`).
    moved: tuple[Path, Path] | None = None
    #: xdist controller: the fields each contract pins, as a worker that loaded the contracts
    #: sent them (see :meth:`worker_output`), so the controller need not load any schema.
    worker_pins: dict[str, set[str]] | None = None

    @classmethod
    def from_pytest(cls, config: pytest.Config) -> PluginState:
        settings = load_settings(
            config.rootpath,
            cassettes=config.getoption("--contract-cassettes"),
            schemas=config.getoption("--contract-schemas"),
        )
        moved = None
        if config.getoption("--contract-cassettes") is not None:
            configured = load_settings(config.rootpath).cassettes
            if configured.resolve() != settings.cassettes.resolve():
                moved = (configured, settings.cassettes)
        record_mode = _record_mode(config)
        replaying = record_mode == "none" and not config.getoption("--disable-recording", False)
        worker_input = getattr(config, "workerinput", None)
        worker_id = worker_input.get("workerid") if worker_input else None
        coverage_on = replaying and not config.getoption("--no-contract-coverage")
        if coverage_on and worker_id is None:  # the controller clears before any worker starts
            from .runfiles import REQUESTS_DIR, clear_worker_files

            clear_worker_files(settings.coverage_dir)
            clear_worker_files(settings.coverage_dir / REQUESTS_DIR)
        return cls(
            settings=settings,
            rootdir=Path(config.rootpath),
            record_mode=record_mode,
            validate=replaying and not config.getoption("--no-contracts"),
            worker_id=worker_id,
            coverage_on=coverage_on,
            plays=_play_recorder(config, settings, replaying=replaying, worker_id=worker_id),
            moved=moved,
        )

    # -- contracts ---------------------------------------------------------------------------

    def _load(self) -> None:
        """Load the contract map and schemas once; remember why they cannot be used."""
        if self._loaded:
            return
        self._loaded = True
        if not self.has_contracts:
            return  # a project without contracts: nothing to hold replays to (nor to import)
        from .contracts.mapping import ContractMap
        from .contracts.registry import SchemaRegistry
        from .contracts.validate import contract_errors

        try:
            contract_map = ContractMap.load(self.settings.contracts)
            registry = SchemaRegistry.load(self.settings.schemas, self.settings.cache_dir)
        except CassetteContractsError as exc:  # the line `cassette-contracts check` prints
            self._load_error = f"cassette-contracts: error: {exc}"
            return
        errors, _unusable = contract_errors(contract_map, registry)
        if errors:  # the lines of `cassette-contracts check`'s report
            self._load_error = "\n".join(str(error) for error in errors)
            return
        self._contracts = (contract_map, registry)

    @property
    def has_contracts(self) -> bool:
        """The project has a contracts.toml (without one, the plugin is inert); looked at once
        per session, like the contracts are loaded once."""
        if self._has_contracts is None:
            self._has_contracts = self.settings.contracts.is_file()
        return self._has_contracts

    def contracts(self) -> tuple[ContractMap, SchemaRegistry] | None:
        """The contract map and schemas; None when the project has none or they are broken."""
        self._load()
        return self._contracts

    @property
    def load_error(self) -> str | None:
        """Why the contracts cannot be loaded (one line per problem), or None."""
        self._load()
        return self._load_error

    def replaying(self, cassette: Any) -> bool:
        mode = getattr(cassette, "record_mode", None)
        return str(getattr(mode, "value", mode)) == "none"

    def _line(self, path: str, index: int) -> int | None:
        if path not in self._lines:
            from .cassettes.load import load_cassette

            try:
                self._lines[path] = [i.line for i in load_cassette(path).interactions]
            except (InputError, OSError):
                self._lines[path] = []
        lines = self._lines[path]
        return lines[index] if index < len(lines) else None

    def check_played(self, cassette: Any) -> str:
        """The contract problems of the interactions the test played back ('' when none).

        When the contracts cannot be loaded, that is the problem of every replaying test.
        Each interaction is named by the file it was loaded from (the test's cassette or an
        extra one of ``@pytest.mark.vcr("other.yaml")``) and its index there.
        """
        if not self.validate:
            return ""
        if self.load_error is not None:
            return self.load_error
        loaded = self.contracts()
        if loaded is None:
            return ""
        main = str(cassette._path)
        origins = getattr(getattr(cassette, "_persister", None), "origins", {}).get(main)
        if origins is None or len(origins) != getattr(cassette, "_loaded_count", -1):
            origins = None  # a hook dropped interactions: the merged positions are all we know
        messages = []
        for position in sorted(cassette.play_counts):
            path, index = origins[position] if origins else (main, position)
            request, response = cassette.data[position]
            problems = self._problems(request, response, path, index, *loaded)
            if problems is None:
                self.unmatched += 1
            elif problems:
                self.broken += 1
                messages += problems
            else:
                self.held += 1
        return "\n\n".join(messages)

    def _problems(
        self,
        request: Any,
        response: Any,
        path: str,
        index: int,
        contract_map: ContractMap,
        registry: SchemaRegistry,
    ) -> list[str] | None:
        """What is wrong with one played interaction; its line is looked up only then.

        None: the interaction matches no contract and ``strict = false`` makes that a warning
        (kept for the summary) rather than a problem.
        """
        from .cassettes.interaction import Interaction
        from .contracts.validate import validate_interaction

        def problems(line: int | None) -> list[str] | NoContractError:
            try:
                interaction = Interaction.from_vcr(request, response, path, index, line=line)
                violations = validate_interaction(interaction, contract_map, registry)
            except NoContractError as exc:
                return [str(exc)] if self.settings.strict else exc
            except InputError as exc:
                return [str(exc)]
            return [violation.format() for violation in violations]

        if problems(None) == []:
            return []
        found = problems(self._line(path, index))
        if isinstance(found, NoContractError):
            self.unmatched_messages[str(found)] = None
            return None
        return found

    def explain_missing_request(self, exc: BaseException) -> None:
        """Add how to record the request to vcrpy's "can't play back" error."""
        from vcr.errors import CannotOverwriteExistingCassetteException

        if isinstance(exc, CannotOverwriteExistingCassetteException) and exc.args:
            exc.args = (f"{exc.args[0]}\n\n{RECORD_HINT}", *exc.args[1:])

    # -- recording ---------------------------------------------------------------------------

    def redirect_cassettes(self, vcr: Any) -> None:
        """With ``--contract-cassettes DIR``, a cassette folder inside the configured one (as
        pytest-recording's default ``tests/cassettes/<module>/`` is) moves to the same place
        under DIR, so ``rerecord`` / ``drift`` record into and replay from their staging folder
        without a ``vcr_cassette_dir`` fixture. A folder elsewhere (a project's own fixture) is
        left alone."""
        if self.moved is None:
            return
        configured, target = self.moved
        library = Path(vcr.cassette_library_dir).resolve()
        try:
            relative = library.relative_to(configured.resolve())
        except ValueError:
            return
        vcr.cassette_library_dir = str(target / relative)

    def configure_recording(self, vcr: Any) -> None:
        """While recording: refuse symlinks out of the cassettes folder; rehost overridden
        upstreams, then scrub secrets, before any write."""
        if self.record_mode == "none":
            return
        from .recording.promote import refuse_links_out
        from .recording.rehost import Rehost
        from .recording.scrub import Scrubber

        refuse_links_out(self.settings.cassettes)  # never write through a link leading out

        scrubber = Scrubber.from_environ(os.environ, allow=self.settings.secrets_allow)
        rehosts = [
            Rehost(os.environ[variable], real)
            for variable, real in self.settings.upstreams.items()
            if os.environ.get(variable) and os.environ[variable].rstrip("/") != real.rstrip("/")
        ]
        vcr.before_record_request = _chain(
            [*(r.before_record_request for r in rehosts), scrubber.request]
        )
        vcr.before_record_response = _chain(
            [*(r.before_record_response for r in rehosts), scrubber.response]
        )
        vcr.decode_compressed_response = True

    # -- contract coverage -------------------------------------------------------------------

    @contextlib.contextmanager
    def tracking(self, cassette: Any = None) -> Iterator[None]:
        """Hand the code tracked payloads from the HTTP clients' ``json()`` while a test runs.

        ``requests``, ``httpx`` (sync and async) and ``aiohttp`` are covered (``coverage.clients``).
        Afterwards, a contract of ``cassette`` whose played responses did not all reach the
        code as tracked payloads (it parsed ``r.text`` itself) is noted as untracked.
        """
        self.replayed += 1
        if not self.coverage_on or (self.has_contracts and self.contracts() is None):
            yield  # coverage off, or contracts that cannot be loaded (every test fails)
            return
        from .coverage.clients import patched
        from .coverage.reads import ReadRecorder, request_key
        from .coverage.tracking import track

        # Without contracts (a project starting out) reads are still kept, by request, for
        # `cassette-contracts init --from-coverage`.
        loaded = self.contracts()
        contract_map = loaded[0] if loaded is not None else None
        if self.recorder is None:
            self.recorder = ReadRecorder()
        recorder = self.recorder
        contract_of = self.contract_of
        handed: dict[str, dict[int, Any]] = {}  # contract -> responses handed a tracked payload

        def hand(response: Any, payload: Any, method: str, url: str, status: int) -> Any:
            key = request_key(method, url, status)
            if contract_map is not None:
                contract = contract_map.find(method, url, status)
                if contract is not None:
                    handed.setdefault(contract.name, {})[id(response)] = response
                    contract_of[key] = contract.name
            return track(payload, key, recorder)

        try:
            with patched(hand):
                yield
        finally:
            if cassette is not None and contract_map is not None:
                for name in _untracked(cassette, contract_map, handed):
                    recorder.note_untracked(name)

    def finish(self, config: pytest.Config) -> bool:
        """Save this process's reads; in the controller, judge them. True when coverage fails.

        Nothing is loaded when nothing was read: a run that replayed nothing pays nothing, and
        the xdist controller, which validates nothing itself, takes the pins from a worker (it
        loads them itself only when no worker could).
        """
        if not self.coverage_on:
            return False
        try:
            folder = self.settings.coverage_dir
            if self.recorder is not None and not self.recorder.empty:
                self._save_reads(folder, self.recorder)
            if self.worker_id is not None or not self.has_contracts:
                return False  # without contracts the reads are kept for `init` only
            if not self._saved_any(folder):
                return False
            from .coverage.reads import ReadRecorder
            from .coverage.report import coverage_report

            merged = ReadRecorder.load_all(folder)
            if merged.empty:
                return False
            loaded = self._contracts
            from .contracts.pins import contract_pins, pinned_by_contract

            if loaded is not None:
                pinned = contract_pins(*loaded)
            elif self.worker_pins is not None:
                pinned = self.worker_pins
            else:
                pinned = pinned_by_contract(self.settings)
            self.coverage = coverage_report(merged, pinned, root=self.rootdir)
        except CassetteContractsError as exc:
            self._finish_error = f"cassette-contracts: error: contract coverage: {exc}"
            return True
        return not self.coverage.ok

    def _save_reads(self, folder: Path, recorder: ReadRecorder) -> None:
        """Save this process's reads twice: by request (for ``init --from-coverage``) and by
        the contract each request matched (for the coverage report)."""
        from .coverage.reads import by_contract
        from .runfiles import REQUESTS_DIR

        worker = self.worker_id or "main"
        recorder.save(folder / REQUESTS_DIR, worker)
        contracted = by_contract(recorder, self.contract_of)
        contracted.untracked.update(recorder.untracked)
        if not contracted.empty:
            contracted.save(folder, worker)

    def _saved_any(self, folder: Path) -> bool:
        """Some process of this run saved coverage data (a cheap look before loading)."""
        return folder.is_dir() and any(folder.glob("*.json"))

    def merge_worker(self, output: dict[str, Any]) -> None:
        """Add an xdist worker's counts (its ``workeroutput``) to the controller's summary."""
        self.held += int(output.get("held", 0))
        self.broken += int(output.get("broken", 0))
        self.replayed += int(output.get("replayed", 0))
        self.unmatched += int(output.get("unmatched", 0))
        for message in output.get("unmatched_messages", []):
            self.unmatched_messages[str(message)] = None
        pins = output.get("pinned")
        if isinstance(pins, dict) and self.worker_pins is None:
            self.worker_pins = {str(name): {str(p) for p in paths} for name, paths in pins.items()}

    def worker_output(self) -> dict[str, Any]:
        """This worker's counts, for the controller's summary (see :meth:`merge_worker`), and
        the fields each contract pins when it loaded the contracts (the controller judges
        coverage with them instead of loading the schemas again)."""
        output: dict[str, Any] = {
            "held": self.held,
            "broken": self.broken,
            "replayed": self.replayed,
            "unmatched": self.unmatched,
            "unmatched_messages": list(self.unmatched_messages),
        }
        if self.coverage_on and self._contracts is not None:
            from .contracts.pins import contract_pins

            pinned = contract_pins(*self._contracts)
            output["pinned"] = {name: sorted(paths) for name, paths in pinned.items()}
        return output

    # -- play counts (for `cassette-contracts audit`) -----------------------------------------

    def record_plays(self, cassette: Any, *, frozen: bool = False) -> None:
        """Note which interactions of a replayed cassette its test played."""
        if self.plays is None or not self.replaying(cassette):
            return
        from .lifecycle.plays import cassette_paths, held_counts

        path, extra_paths, loaded = cassette_paths(cassette)
        self.plays.record(
            path,
            extra_paths,
            loaded,
            cassette.play_counts,
            frozen=frozen,
            held=held_counts(cassette),
        )

    def save_plays(self) -> None:
        """Save this process's play counts next to the contract coverage data."""
        if self.plays is not None:
            from .lifecycle.plays import plays_dir

            self.plays.save(plays_dir(self.settings), self.worker_id or "main")

    def summary_lines(self) -> list[str]:
        if self.replayed and not self.has_contracts:
            return [
                f"cassette-contracts: no contracts yet ({_shown(self.settings.contracts)} not "
                "found): replayed cassettes are not checked; `cassette-contracts init "
                "--from-coverage` starts them from the fields the tests read"
            ]
        lines = []
        counts = []
        if self.held:
            counts.append(f"{self.held} replayed interaction(s) held to their contracts")
        if self.broken:
            counts.append(
                f"{self.broken} replayed interaction(s) broke their contracts or could not be "
                "checked"
            )
        if counts:
            lines.append("cassette-contracts: " + "; ".join(counts))
        # A count line then its indented items: the same shape as rerecord's summary, other
        # data; two lines of list building are not worth a shared helper.
        if self.unmatched:
            lines.append(
                f"cassette-contracts: warning: {self.unmatched} replayed interaction(s) match no "
                "contract (strict = false):"
            )
            lines += [f"  {message}" for message in self.unmatched_messages]
        if self._finish_error is not None:
            lines.append(self._finish_error)
        if self.coverage is not None:
            lines += self.coverage.render("text").splitlines()
        return lines


def _shown(path: Path) -> str:
    """``path`` relative to the working folder when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _untracked(
    cassette: Any, contract_map: ContractMap, handed: dict[str, dict[int, Any]]
) -> set[str]:
    """Contracts of which ``cassette`` played more responses than were handed out tracked."""
    plays: dict[str, int] = {}
    for position, count in cassette.play_counts.items():
        request, response = cassette.data[position]
        status = response.get("status", {}) if isinstance(response, dict) else {}
        code = status.get("code") if isinstance(status, dict) else None
        if not isinstance(code, int):
            continue
        contract = contract_map.find(str(request.method), str(request.uri), code)
        if contract is not None:
            plays[contract.name] = plays.get(contract.name, 0) + count
    return {name for name, count in plays.items() if len(handed.get(name, ())) < count}


def _play_recorder(
    config: pytest.Config, settings: Settings, *, replaying: bool, worker_id: str | None
) -> PlayRecorder | None:
    """A play-count recorder for a run that replays the project's own cassettes folder.

    A run pointed at another folder (``--contract-cassettes``, as `rerecord` replays staged
    cassettes) leaves the last run's play counts alone: they describe the configured folder.
    """
    if not replaying or config.getoption("--no-play-counts", False):
        return None
    if config.getoption("--contract-cassettes") is not None:
        configured = load_settings(config.rootpath).cassettes
        if settings.cassettes.resolve() != configured.resolve():
            return None
    from .lifecycle.plays import PlayRecorder, plays_dir

    if worker_id is None:  # the controller clears before any worker starts
        PlayRecorder.clear(plays_dir(settings))
    return PlayRecorder([str(settings.cassettes.resolve())])
