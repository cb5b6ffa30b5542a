"""Safe re-recording (``rerecord``), upstream drift (``drift``) and the secret ``scan``.

``rerecord`` never writes into the committed cassette folder until everything has been checked:

1. **record** — the tests that record (settings ``rerecord_tests``: paths, default pytest's
   testpaths; ``rerecord_marker``: a marker expression, default ``vcr``, every test that uses
   a cassette; never ``frozen_cassette``; plus ``--only`` as ``-k``) run in a
   ``sys.executable`` pytest subprocess, record mode ``once``, into a fresh staging folder
   ``.staging/rerecord-<UTC>-<n>/cassettes`` (``--contract-cassettes``), with the variables of
   ``rerecord_env`` set unless the environment sets them. The plugin scrubs secrets and stores
   the real hosts (``upstreams``) before vcrpy writes anything. Output goes to
   ``staging/pytest.log``. A failure that comes from the upstream stops here: the recording
   pytest loads :mod:`._probe`, which reports each failed test as data — a connection or
   timeout error of requests, urllib3, httpx or aiohttp anywhere in its exception chain, or a
   5xx / 429 response recorded into its cassette; so does a killed pytest.
2. **replay**, when some tests failed while recording: some only make sense on replay (they
   count plays, or read the cassette before sending). The same tests then replay the
   fresh cassettes (over a copy of the committed ones, so tests whose cassettes were not
   re-recorded still find theirs) with record mode ``none``, and their result decides: the
   fresh recordings must satisfy the tests. (Done after steps 3-6, before promotion.)
3. **provenance** — each fresh cassette gets ``recorded_at``, tool versions, the upstream
   version headers and the real base URLs (:func:`~._record.stamp_provenance`).
4. **scan** — any secret-looking value under the staging folder stops the run.
5. **contracts** — every fresh interaction is checked against its contract.
6. **drift** — fresh against committed, interactions paired by contract and grouped per
   endpoint; the markdown report is written to ``staging/drift.md``.
7. **promote** — only when the contracts hold and no drift breaks (or ``accept_breaking``),
   the re-recorded cassettes replace their committed counterparts as one set, all or nothing
   (a journal; :func:`~._record.promote`). Cassettes the run did not re-record (``--only``)
   stay; none is ever deleted. Then the staging folder is removed; a failed run keeps it.

**Pruning.** Recording goes into an empty staging folder with record mode ``once``, so a fresh
cassette holds exactly the requests its tests made: promoting it drops the interactions of the
committed cassette that no test requests any more. The outcome names each one (file, index,
line, request; :func:`stale_interactions`): a committed interaction with no fresh one for the
same method and URL (counted, so a request made once less is one dropped). Cassettes the run
did not re-record (frozen, not selected) are never touched, so never pruned.

The whole run holds the cassettes lock (:func:`~._record.cassettes_lock`), after finishing or
undoing any promotion a killed run left (:func:`~._record.recover`), and refuses a symlink
that leads out of the cassettes folder.

``drift`` records the same way into ``.staging/drift-...`` (steps 1, 3, 6; never promoted), or
compares two folders offline (``baseline`` / ``fresh``).

Exit codes (:attr:`RerecordOutcome.exit_code`, :attr:`DriftOutcome.exit_code`): 0 promoted /
no breaking drift; 1 not promoted because the fresh cassettes do not hold (contracts, breaking
drift, secrets, replay; the reason is one line) / breaking drift; 2 usage and input errors
(raised); 3 could not record or promote (upstream fault, killed or cut-off recording, disk
full, another run holds the lock).
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._record import (
    JOURNAL,
    cassettes_lock,
    fault_point,
    new_staging_dir,
    promote,
    recover,
    refuse_links_out,
    stamp_provenance,
)
from .errors import CassetteContractsError, CassetteError, RecordingFailed, UsageError

if TYPE_CHECKING:
    from ._cassette import Interaction
    from ._check import CheckResult
    from ._config import Settings
    from ._contracts import ContractMap
    from ._drift import Change, DriftReport
    from ._schemas import SchemaRegistry
    from ._scrub import Finding

__all__ = [
    "DriftOutcome",
    "RecordingFailed",
    "RerecordOutcome",
    "compare_folders",
    "drift",
    "recover_interrupted",
    "rerecord",
    "stale_interactions",
]

#: Tests marked so are never re-recorded: their cassette captures an event the live API
#: cannot reproduce on demand.
FROZEN_MARKER = "frozen_cassette"
#: Staging folders live here, relative to the project root (gitignored).
STAGING = ".staging"
#: Variables the recording pytest gets back for every test (a project conftest may clear them).
KEEP_ENV = "CASSETTE_CONTRACTS_RECORDING_ENV"
_SUMMARY = re.compile(r"^=*\s*(.*\b(failed|passed|error|errors|no tests ran)\b.*?)\s*=*$")
_FAILED_LINE = re.compile(r"^(FAILED|ERROR) (.+)$")


#: Exit code of a run that could not record or promote (upstream fault, killed, disk full).
COULD_NOT_RECORD = RecordingFailed.exit_code


def lock_file(settings: Settings) -> Path:
    """The lock one ``rerecord`` / ``drift`` holds while it runs (in the gitignored staging)."""
    return settings.root / STAGING / "lock"


def recover_interrupted(settings: Settings) -> str | None:
    """Before reading the cassettes: finish or undo a promotion a killed run left, unless
    another run holds the lock (it will). One line saying what was done, or None."""
    from ._record import recover_if_free

    return recover_if_free(settings.cassettes, lock_file(settings))


# --------------------------------------------------------------------------------------------
# Outcomes
# --------------------------------------------------------------------------------------------


@dataclass
class RerecordOutcome:
    """What ``rerecord`` did. ``reason`` (one line) says why nothing was promoted."""

    staging: Path
    recorded: list[Path] = field(default_factory=list)  # relative to the cassettes folder
    promoted: list[Path] = field(default_factory=list)  # absolute, committed paths
    reason: str | None = None
    report: DriftReport | None = None
    check: CheckResult | None = None
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: The committed interactions no test requests any more, one line each (file:line,
    #: index, request): promotion drops them.
    dropped: list[str] = field(default_factory=list)
    #: The exit code when ``reason`` is set: 1 the fresh cassettes do not hold (contracts,
    #: breaking drift, secrets, replay), 3 they could not be recorded or promoted.
    code: int = 1

    @property
    def exit_code(self) -> int:
        return self.code if self.reason is not None else 0

    def summary(self) -> str:
        """A few lines for the terminal."""
        lines = []
        if self.reason is not None:
            lines.append(f"rerecord: nothing promoted: {self.reason}")
        else:
            lines.append(
                f"rerecord: promoted {len(self.promoted)} cassette(s): "
                + ", ".join(p.as_posix() for p in self.recorded)
            )
            if self.dropped:
                lines.append(
                    f"rerecord: dropped {len(self.dropped)} stale interaction(s) no test "
                    "requests any more:"
                )
                lines += [f"  {line}" for line in self.dropped]
        if self.report is not None:
            where = f" (report: {self.staging / 'drift.md'})" if self.staging.exists() else ""
            lines.append(f"drift: {self.report.summary()}{where}")
        lines += [f"note: {note}" for note in self.notes]
        if self.staging.exists():
            lines.append(f"staging folder kept for inspection: {self.staging}")
        else:
            lines.append(f"staging folder removed: {self.staging}")
        return "\n".join(lines) + "\n"


@dataclass
class DriftOutcome:
    """The drift report, and where the fresh recording is (None when compared offline)."""

    report: DriftReport
    fmt: str
    staging: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.report.breaking else 0

    def render(self) -> str:
        from ._drift import render

        return render(self.report, self.fmt)


# --------------------------------------------------------------------------------------------
# Recording in a subprocess
# --------------------------------------------------------------------------------------------


# The recording subprocess: pytest plus one small plugin that, before each test runs (after
# its fixtures), puts back the upstream overrides, tokens and `rerecord_env` variables named in
# $CASSETTE_CONTRACTS_RECORDING_ENV. A project conftest that clears them for offline replays
# would otherwise send the recording to the real host. Nothing of cassette_contracts is
# imported before pytest starts (its plugin must be imported by pytest, for assertion rewriting).
_RUNNER = f"""\
import os, sys, pytest
_names = os.environ.get({KEEP_ENV!r}, "").split(",")
_values = {{n: os.environ[n] for n in _names if n in os.environ}}
class KeepRecordingEnvironment:
    @pytest.hookimpl(trylast=True)
    def pytest_runtest_setup(self, item):
        os.environ.update(_values)
sys.exit(pytest.main(sys.argv[1:], plugins=[KeepRecordingEnvironment()]))
"""


@dataclass
class _Run:
    returncode: int
    log: Path

    def text(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""


def _pytest(
    root: Path, args: Sequence[str], env: Mapping[str, str], log: Path, *, recording: bool
) -> _Run:
    command = [sys.executable]
    command += ["-c", _RUNNER] if recording else ["-m", "pytest"]
    with log.open("wb") as out:
        proc = subprocess.run(
            [*command, *args],
            cwd=root,
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    return _Run(proc.returncode, log)


def _signal_name(returncode: int) -> str:
    try:
        return f"{signal.Signals(-returncode).name} ({-returncode})"
    except ValueError:
        return f"signal {-returncode}"


def pytest_summary(log_text: str) -> str:
    """pytest's closing summary line (``2 failed, 3 passed in 1.2s``), or the last line."""
    lines = [line.strip() for line in log_text.splitlines() if line.strip()]
    for line in reversed(lines):
        match = _SUMMARY.match(line)
        if match:
            return match.group(1)
    return lines[-1] if lines else "no output"


def _first_failure(log_text: str) -> str | None:
    for line in log_text.splitlines():
        match = _FAILED_LINE.match(line.strip())
        if match:
            return f"{match.group(1)} {match.group(2)}"
    return None


def _fingerprint(folder: Path) -> dict[Path, bytes]:
    """Content of every file under ``folder`` (small: cassettes), to prove it untouched."""
    if not folder.is_dir():
        return {}
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _restore(folder: Path, before: Mapping[Path, bytes]) -> list[Path]:
    """Put ``folder`` back as ``before`` recorded it; the paths that had changed."""
    from ._record import atomic_write_bytes

    changed = []
    now = _fingerprint(folder)
    for path, data in before.items():
        if now.get(path) != data:
            atomic_write_bytes(path, data)
            changed.append(path)
    for path in now.keys() - before.keys():
        path.unlink()
        changed.append(path)
    return changed


@dataclass
class _Recording:
    staging: Path
    fresh: Path  # staging/cassettes
    recorded: list[Path]  # relative paths of the fresh cassettes
    reason: str | None = None
    notes: list[str] = field(default_factory=list)


def _upstreams(settings: Settings) -> dict[str, str]:
    """Base-URL variable -> real service: only what ``upstreams`` lists."""
    return dict(settings.upstreams)


def _test_paths(settings: Settings, tests: Sequence[Path] | None) -> list[str]:
    """The test paths of the recording pytest (none: pytest's own testpaths)."""
    paths = list(settings.rerecord_tests if tests is None else tests)
    for path in paths:
        if not path.exists():
            raise UsageError(
                f"rerecord_tests: no such test path {path} ([tool.cassette_contracts] "
                "rerecord_tests lists the tests that record cassettes)"
            )
    return [str(path) for path in paths]


def _selection(settings: Settings, only: str | None) -> list[str]:
    """``-m`` (the recording tests, never frozen ones) and ``-k`` (``--only``) for pytest."""
    marker = f"({settings.rerecord_marker}) and not {FROZEN_MARKER}"
    return ["-m", marker, *(["-k", only] if only else [])]


def _recording_only(settings: Settings) -> set[str]:
    """Variables a recording needs and a replay must never see (upstream overrides and the
    ``rerecord_env`` ones)."""
    return set(_upstreams(settings)) | set(settings.rerecord_env)


def _os_error(exc: OSError) -> str:
    """One line for an OSError: what failed, and on which file."""
    where = f": {exc.filename}" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"


def _record(
    settings: Settings,
    staging: Path,
    *,
    only: str | None,
    pytest_args: Sequence[str],
    env: Mapping[str, str] | None,
    tests: Sequence[Path] | None,
) -> _Recording:
    from ._probe import FAILURES_ENV, load_failures

    root = settings.root
    fresh = staging / "cassettes"
    fresh.mkdir()
    base_env = dict(os.environ if env is None else env)
    record_env = dict(base_env)
    for name, value in settings.rerecord_env.items():
        record_env.setdefault(name, value)
    upstreams = _upstreams(settings)
    keep = [n for n in record_env if n in _recording_only(settings) or _is_secret_variable(n)]
    record_env[KEEP_ENV] = ",".join(sorted(set(keep)))
    failures_dir = staging / "failures"
    record_env[FAILURES_ENV] = str(failures_dir)
    common = [
        "-p",
        "no:cacheprovider",
        "-p",
        "cassette_contracts._probe",
        "-q",
        "--no-contract-coverage",
        "--no-play-counts",
        "--tb=short",
    ]
    committed = settings.cassettes
    before = _fingerprint(committed)

    def guard(step: str) -> None:
        changed = _restore(committed, before)
        if changed:
            raise CassetteContractsError(
                f"the tests wrote into {committed} while {step} (restored "
                f"{len(changed)} file(s)); their vcr_cassette_dir must follow "
                "--contract-cassettes (fixture contract_cassettes_dir)"
            )

    run = _pytest(
        root,
        [
            *_test_paths(settings, tests),
            "--record-mode=once",
            "--contract-cassettes",
            str(fresh),
            *_selection(settings, only),
            *common,
            *pytest_args,
        ],
        record_env,
        staging / "pytest.log",
        recording=True,
    )
    guard("recording")
    recorded = sorted(p.relative_to(fresh) for p in fresh.rglob("*.yaml"))
    result = _Recording(staging, fresh, recorded)
    text = run.text()
    if run.returncode < 0:
        result.reason = f"the recording pytest was killed by {_signal_name(run.returncode)}"
        return result
    failed = load_failures(failures_dir) if run.returncode != 0 else []
    upstream = [f for f in failed if f.upstream]
    if upstream:
        more = f" (and {len(upstream) - 1} more)" if len(upstream) > 1 else ""
        result.reason = f"recording failed: {upstream[0].one_line()}{more} (log: {run.log})"
        return result
    if run.returncode not in (0, 1):  # 2 interrupted, 3 internal error, 4 usage, 5 no tests
        result.reason = f"pytest could not record: {pytest_summary(text)} (log: {run.log})"
        return result
    if not recorded and run.returncode == 0:
        result.reason = (
            f"the tests passed ({pytest_summary(text)}) but wrote no cassette into "
            f"{fresh}: they replayed cassettes from elsewhere; their vcr_cassette_dir must "
            "follow --contract-cassettes (fixture contract_cassettes_dir)"
        )
        return result
    if not recorded:
        result.reason = f"no test recorded a cassette ({pytest_summary(text)})"
        if only:
            result.reason += f"; does --only {only!r} select tests that use a cassette?"
        return result
    if run.returncode != 0:
        result.notes.append(
            f"while recording: {pytest_summary(text)} (tests that only hold on replay); "
            "the replay of the fresh cassettes judges"
        )
    for rel in recorded:
        try:
            stamp_provenance(fresh / rel, upstreams=upstreams, headers=settings.provenance_headers)
        except CassetteError as exc:
            result.reason = f"recording failed: a fresh cassette is cut off: {exc}"
            return result
    fault_point("record:after-staging")
    return result


def _is_secret_variable(name: str) -> bool:
    from ._scrub import is_secret_variable

    return is_secret_variable(name)


def _replay(
    settings: Settings,
    recording: _Recording,
    *,
    only: str | None,
    pytest_args: Sequence[str],
    env: Mapping[str, str] | None,
    tests: Sequence[Path] | None,
) -> str | None:
    """Replay the recording tests on committed + fresh cassettes; why they fail, or None."""
    overlay = recording.staging / "replay"
    if settings.cassettes.is_dir():
        shutil.copytree(settings.cassettes, overlay)
    for rel in recording.recorded:
        (overlay / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(recording.fresh / rel, overlay / rel)
    replay_env = {
        k: v
        for k, v in (os.environ if env is None else env).items()
        if k not in _recording_only(settings)
    }
    before = _fingerprint(settings.cassettes)
    run = _pytest(
        settings.root,
        [
            *_test_paths(settings, tests),
            "--record-mode=none",
            "--contract-cassettes",
            str(overlay),
            *_selection(settings, only),
            "-p",
            "no:cacheprovider",
            "-q",
            "--no-contract-coverage",
            "--no-play-counts",
            "--tb=short",
            *pytest_args,
        ],
        replay_env,
        recording.staging / "replay.log",
        recording=False,
    )
    if _restore(settings.cassettes, before):
        return f"the tests wrote into {settings.cassettes} while replaying (restored)"
    if run.returncode < 0:
        return f"the replay pytest was killed by {_signal_name(run.returncode)}"
    if run.returncode != 0:
        text = run.text()
        first = _first_failure(text)
        where = f"; first: {first}" if first else ""
        return (
            f"the tests fail on the fresh cassettes: {pytest_summary(text)}{where} (log: {run.log})"
        )
    return None


# --------------------------------------------------------------------------------------------
# Drift between two sets of cassettes
# --------------------------------------------------------------------------------------------


def _load_interactions(paths: Iterable[Path]) -> list[Interaction]:
    from ._cassette import load_cassette

    found: list[Interaction] = []
    for path in paths:
        found += load_cassette(path).interactions
    return found


def _pins(registry: SchemaRegistry, schema: str | None) -> dict[str, Any]:
    from ._pinned import pinned_fields

    if schema is None or registry.error(schema) is not None:
        return {}
    return dict(
        pinned_fields(registry.schema(schema), registry.referencing, base_uri=registry.uri(schema))
    )


def compare(
    baseline: Sequence[Interaction],
    fresh: Sequence[Interaction],
    contract_map: ContractMap,
    registry: SchemaRegistry,
) -> tuple[DriftReport, list[str]]:
    """Drift from ``baseline`` to ``fresh``: interactions grouped per endpoint (method + URL
    template) and paired by contract. Status codes are compared per request
    (:func:`~._drift.diff_statuses`): only a request both sides recorded can change status; a
    status or endpoint one side alone recorded is informational (``new`` / ``not
    re-recorded``). Bodies are compared per contract both sides recorded."""
    from ._drift import DriftReport, diff_endpoint, diff_statuses

    def group(interactions: Sequence[Interaction]) -> dict[str, dict[str, list[Interaction]]]:
        out: dict[str, dict[str, list[Interaction]]] = {}
        for interaction in interactions:
            contract = contract_map.match(interaction)
            out.setdefault(contract.request, {}).setdefault(contract.name, []).append(interaction)
        return out

    by_name = {c.name: c for c in contract_map.contracts}
    base_groups, fresh_groups = group(baseline), group(fresh)
    changes: list[Change] = []
    compared: list[str] = []
    notes: list[str] = []
    for endpoint in sorted(base_groups.keys() | fresh_groups.keys()):
        base, new = base_groups.get(endpoint, {}), fresh_groups.get(endpoint, {})
        statuses = diff_statuses(base, new)
        compared += sorted(base.keys() & new.keys()) + [c.contract for c in statuses]
        for name in sorted(base.keys() & new.keys()):
            changes += diff_endpoint(
                name,
                _pins(registry, by_name[name].json_body_schema),
                base[name],
                new[name],
                statuses=False,
            )
        changes += statuses
    return DriftReport.from_changes(changes, dict.fromkeys(compared)), notes


def _select(folder: Path, only: str | None) -> dict[Path, Path]:
    """Relative path -> file of the cassettes under ``folder`` matching ``only``."""
    from ._cassette import iter_cassette_paths

    found = {}
    for path in iter_cassette_paths([folder]):
        rel = path.relative_to(folder)
        text = rel.as_posix()
        if only and not (only in text or fnmatch.fnmatch(text, only)):
            continue
        found[rel] = path
    return found


def compare_folders(
    settings: Settings,
    baseline: Path,
    fresh: Path,
    *,
    only: str | None = None,
    relative: Iterable[Path] | None = None,
) -> tuple[DriftReport, list[str]]:
    """Drift between two cassette folders (every cassette of each, or only ``relative``)."""
    from ._contracts import ContractMap
    from ._schemas import SchemaRegistry

    for role, folder in (("baseline", baseline), ("fresh", fresh)):
        if role == "baseline" and relative is not None:
            continue  # a first recording: no committed cassettes yet, everything is new
        if not folder.is_dir():
            raise UsageError(f"--{role} {folder}: no such folder of cassettes")
    if relative is None:
        base_files = list(_select(baseline, only).values())
        fresh_files = list(_select(fresh, only).values())
    else:
        rels = list(relative)
        base_files = [baseline / r for r in rels if (baseline / r).is_file()]
        fresh_files = [fresh / r for r in rels]
    if not fresh_files:
        raise UsageError(
            f"no cassettes to compare under {fresh}" + (f" matching {only!r}" if only else "")
        )
    contract_map = ContractMap.load(settings.contracts)
    registry = SchemaRegistry.load(settings.schemas)
    return compare(
        _load_interactions(base_files), _load_interactions(fresh_files), contract_map, registry
    )


def stale_interactions(committed: Path, fresh: Path) -> list[Interaction]:
    """The interactions of the ``committed`` cassette that the ``fresh`` recording of it no
    longer holds: no fresh interaction with the same method and URL (counted, so a request
    made once less leaves one behind). Promoting ``fresh`` drops them."""
    from ._cassette import load_cassette

    made = Counter((i.method.upper(), i.uri) for i in load_cassette(fresh).interactions)
    stale = []
    for interaction in load_cassette(committed).interactions:
        key = (interaction.method.upper(), interaction.uri)
        if made[key] > 0:
            made[key] -= 1
        else:
            stale.append(interaction)
    return stale


def _dropped_lines(settings: Settings, recording: _Recording) -> list[str]:
    """One line per committed interaction that promoting the fresh cassettes drops."""
    from .errors import display_path

    lines = []
    for rel in recording.recorded:
        committed = settings.cassettes / rel
        if not committed.is_file():
            continue
        for stale in stale_interactions(committed, recording.fresh / rel):
            where = display_path(committed)
            where += f":{stale.line}" if stale.line else ""
            lines.append(
                f"{where}: interaction {stale.index} ({stale.method.upper()} {stale.uri}) "
                "dropped: no test requests it any more"
            )
    return lines


# --------------------------------------------------------------------------------------------
# The commands
# --------------------------------------------------------------------------------------------


def rerecord(
    settings: Settings,
    *,
    only: str | None = None,
    accept_breaking: bool = False,
    staging_root: Path | None = None,
    pytest_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    tests: Sequence[Path] | None = None,
) -> RerecordOutcome:
    """Record fresh cassettes into staging, check them, and promote them when they hold.

    ``env`` is the environment of the recording (default: ``os.environ``): base-URL overrides
    and tokens come from it. Never raises for a failed recording: the outcome's ``reason``
    says what happened (and ``code``: 1 the fresh cassettes do not hold, 3 they could not be
    recorded or promoted). Holds the cassettes lock throughout (RecordingFailed, exit 3, when
    another run has it); first finishes or undoes an interrupted promotion. UsageError /
    InputError for bad settings, unreadable inputs, or a symlink leading out of the cassettes.
    A successful run removes its staging folder; a failed one keeps it.
    """
    from ._contracts import ContractMap
    from ._schemas import SchemaRegistry

    _test_paths(settings, tests)
    contract_map = ContractMap.load(settings.contracts)
    registry = SchemaRegistry.load(settings.schemas)
    with cassettes_lock(lock_file(settings), "rerecord"):
        recovered = recover(settings.cassettes)
        refuse_links_out(settings.cassettes)
        try:
            staging = new_staging_dir(staging_root or settings.root / STAGING, "rerecord")
        except OSError as exc:
            raise RecordingFailed(f"could not create a staging folder: {_os_error(exc)}") from None
        outcome = RerecordOutcome(staging=staging, notes=[recovered] if recovered else [])
        try:
            _rerecord_into(
                outcome,
                settings,
                contract_map,
                registry,
                only=only,
                accept_breaking=accept_breaking,
                pytest_args=pytest_args,
                env=env,
                tests=tests,
            )
        except OSError as exc:
            outcome.reason = f"could not record or promote: {_os_error(exc)}"
            outcome.code = COULD_NOT_RECORD
            outcome.promoted = []
        if outcome.reason is None:
            fault_point("rerecord:before-cleanup")
            shutil.rmtree(staging, ignore_errors=True)
        return outcome


def _rerecord_into(
    outcome: RerecordOutcome,
    settings: Settings,
    contract_map: ContractMap,
    registry: SchemaRegistry,
    *,
    only: str | None,
    accept_breaking: bool,
    pytest_args: Sequence[str],
    env: Mapping[str, str] | None,
    tests: Sequence[Path] | None,
) -> None:
    """The steps of :func:`rerecord` after the lock is held; sets ``outcome``."""
    from ._check import check
    from ._drift import render_markdown
    from ._record import atomic_write_bytes
    from ._scrub import Scrubber, scan

    recording = _record(
        settings,
        outcome.staging,
        only=only,
        pytest_args=pytest_args,
        env=env,
        tests=tests,
    )
    outcome.recorded = recording.recorded
    outcome.notes += recording.notes
    if recording.reason is not None:
        outcome.reason = recording.reason
        outcome.code = COULD_NOT_RECORD
        return

    secrets = Scrubber.from_environ(os.environ if env is None else env).secrets
    outcome.findings = scan(
        [recording.staging], secrets=secrets, allow=settings.secrets_allow
    ) + _scan_logs(recording.staging, secrets)
    if outcome.findings:
        first = outcome.findings[0]
        outcome.reason = (
            f"{len(outcome.findings)} secret-looking value(s) in staging; first: {first}"
        )
        return

    result = check(
        [recording.fresh / rel for rel in recording.recorded],
        contract_map,
        registry,
        cache_dir=None,
        strict=settings.strict,
        jobs=1,
    )
    outcome.check = result
    report, notes = compare_folders(
        settings, settings.cassettes, recording.fresh, relative=recording.recorded
    )
    outcome.report = report
    outcome.notes += notes
    atomic_write_bytes(recording.staging / "drift.md", render_markdown(report).encode("utf-8"))
    if not result.ok:
        problem = result.errors[0] if result.errors else result.violations[0].one_line()
        outcome.reason = (
            f"{len(result.violations)} contract violation(s), {len(result.errors)} error(s) in "
            f"the fresh cassettes; first: {problem}"
        )
        return

    failure = None
    if recording.notes:  # some tests failed while recording: their replay decides
        failure = _replay(
            settings,
            recording,
            only=only,
            pytest_args=pytest_args,
            env=env,
            tests=tests,
        )
    if failure is not None:
        outcome.reason = failure
        return
    if report.breaking and not accept_breaking:
        first_change = report.breaking_changes[0]
        outcome.reason = (
            f"breaking drift: {report.summary()}; first: {first_change.contract} "
            f"{first_change.one_line()} (read {recording.staging / 'drift.md'}, then "
            "--accept-breaking to promote anyway)"
        )
        return
    outcome.dropped = _dropped_lines(settings, recording)
    try:
        outcome.promoted = promote(recording.fresh, settings.cassettes, recording.recorded)
    except OSError as exc:
        outcome.code = COULD_NOT_RECORD
        if (settings.cassettes / JOURNAL).exists():  # committed: the next command finishes it
            outcome.reason = (
                f"promotion interrupted after its commit: {_os_error(exc)}; the next "
                "cassette-contracts command finishes it"
            )
        else:
            outcome.reason = f"could not promote: {_os_error(exc)}; {settings.cassettes} unchanged"


def _scan_logs(staging: Path, secrets: Sequence[str]) -> list[Finding]:
    """Literal secrets in the text files of the staging folder (logs, reports)."""
    from ._scrub import Finding

    found = []
    for path in sorted(staging.glob("*.log")) + sorted(staging.glob("*.md")):
        for number, line in enumerate(
            path.read_text(encoding="utf-8", errors="replace").splitlines(), 1
        ):
            for secret in secrets:
                if secret in line:
                    found.append(Finding(path, number, "text", "known-secret", f"{secret[:4]}***"))
    return found


def drift(
    settings: Settings,
    *,
    baseline: Path | None = None,
    fresh: Path | None = None,
    fmt: str = "text",
    only: str | None = None,
    staging_root: Path | None = None,
    pytest_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    tests: Sequence[Path] | None = None,
) -> DriftOutcome:
    """What changed upstream: ``baseline`` vs ``fresh`` folders offline, or, without them, a
    fresh recording (into ``.staging/drift-...``, never promoted) vs the committed cassettes.

    RecordingFailed (exit 3) when the fresh recording cannot be made, or another run holds
    the lock. The staging folder is removed unless the drift breaks (then a note names it).
    """
    from ._drift import RENDERERS

    if fmt not in RENDERERS:
        raise UsageError(f"unknown drift format {fmt!r}; choose one of: {', '.join(RENDERERS)}")
    if (baseline is None) != (fresh is None):
        raise UsageError("give both --baseline DIR and --fresh DIR, or neither (record fresh)")
    if baseline is not None and fresh is not None:
        report, notes = compare_folders(settings, baseline, fresh, only=only)
        return DriftOutcome(report, fmt, notes=notes)
    _test_paths(settings, tests)
    with cassettes_lock(lock_file(settings), "drift"):
        recovered = recover(settings.cassettes)
        try:
            staging = new_staging_dir(staging_root or settings.root / STAGING, "drift")
            recording = _record(
                settings,
                staging,
                only=only,
                pytest_args=pytest_args,
                env=env,
                tests=tests,
            )
        except OSError as exc:
            raise RecordingFailed(f"could not record: {_os_error(exc)}") from None
        if recording.reason is not None:
            raise RecordingFailed(f"{recording.reason} (staging folder kept: {recording.staging})")
        report, notes = compare_folders(
            settings, settings.cassettes, recording.fresh, relative=recording.recorded
        )
    notes = ([recovered] if recovered else []) + recording.notes + notes
    if report.breaking:
        notes.append(f"the fresh recording is kept for inspection in {staging}")
    else:
        shutil.rmtree(staging, ignore_errors=True)
    return DriftOutcome(report, fmt, staging=staging if report.breaking else None, notes=notes)
