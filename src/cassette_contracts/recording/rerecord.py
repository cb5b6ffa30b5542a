"""Safe re-recording (``rerecord``): record into staging, check, replay, then promote.

``rerecord`` never writes into the committed cassette folder until everything has been checked:

1. **record** — the tests that record (settings ``rerecord_tests``: paths, default pytest's
   testpaths; ``rerecord_marker``: a marker expression, default ``vcr``, every test that uses
   a cassette; never ``frozen_cassette``; plus ``--only`` as ``-k``) run in a
   ``sys.executable`` pytest subprocess, record mode ``once``, into a fresh staging folder
   ``.staging/rerecord-<UTC>-<n>/cassettes`` (``--contract-cassettes``), with the variables of
   ``rerecord_env`` set unless the environment sets them. The plugin scrubs secrets and stores
   the real hosts (``upstreams``) before vcrpy writes anything. Output goes to
   ``staging/pytest.log``. A failure that comes from the upstream stops here: the recording
   pytest loads :mod:`.probe`, which reports each failed test as data — a connection or
   timeout error of requests, urllib3, httpx or aiohttp anywhere in its exception chain, or a
   5xx / 429 response recorded into its cassette; so does a killed pytest.
2. **replay**, when some tests failed while recording: some only make sense on replay (they
   count plays, or read the cassette before sending). The same tests then replay the
   fresh cassettes (over a copy of the committed ones, so tests whose cassettes were not
   re-recorded still find theirs) with record mode ``none``, and their result decides: the
   fresh recordings must satisfy the tests. (Done after steps 3-6, before promotion.)
3. **provenance** — each fresh cassette gets ``recorded_at``, tool versions, the upstream
   version headers and the real base URLs (:func:`~.provenance.stamp_provenance`).
4. **scan** — any secret-looking value under the staging folder stops the run.
5. **contracts** — every fresh interaction is checked against its contract.
6. **drift** — fresh against committed, interactions paired by contract and grouped per
   endpoint; the markdown report is written to ``staging/drift.md``.
7. **promote** — only when the contracts hold and no drift breaks (or ``accept_breaking``),
   the re-recorded cassettes replace their committed counterparts as one set, all or nothing
   (a journal; :func:`~.promote.promote`). Cassettes the run did not re-record (``--only``)
   stay; none is ever deleted. Then the staging folder is removed; a failed run keeps it.

**Pruning.** Recording goes into an empty staging folder with record mode ``once``, so a fresh
cassette holds exactly the requests its tests made: promoting it drops the interactions of the
committed cassette that no test requests any more. The outcome names each one (file, index,
line, request; :func:`stale_interactions`): a committed interaction with no fresh one for the
same method and URL (counted, so a request made once less is one dropped). Cassettes the run
did not re-record (frozen, not selected) are never touched, so never pruned.

The whole run holds the cassettes lock (:func:`~.promote.cassettes_lock`), after finishing or
undoing any promotion a killed run left (:func:`~.promote.recover`), and refuses a symlink
that leads out of the cassettes folder.

``drift`` records the same way into ``.staging/drift-...`` (steps 1, 3, 6; never promoted), or
compares two folders offline (``baseline`` / ``fresh``).

Exit codes (:attr:`RerecordOutcome.exit_code`, :attr:`DriftOutcome.exit_code`): 0 promoted /
no breaking drift; 1 not promoted because the fresh cassettes do not hold (contracts, breaking
drift, secrets, replay; the reason is one line) / breaking drift; 2 usage and input errors
(raised); 3 could not record or promote (upstream fault, killed or cut-off recording, disk
full, another run holds the lock).

Length: one job, the ``rerecord`` pipeline (record, check, replay, scan, promote) in order,
so each step's failure and exit code reads in sequence.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import RecordingFailed
from .promote import JOURNAL, cassettes_lock, fault_point, promote, recover, refuse_links_out
from .provenance import new_staging_dir

if TYPE_CHECKING:
    from ..cassettes.interaction import Interaction
    from ..checking.run import CheckResult
    from ..contracts.mapping import ContractMap
    from ..contracts.registry import SchemaRegistry
    from ..drift.changes import DriftReport
    from ..settings import Settings
    from .scan import Finding
from .promote import STAGING, lock_file
from .pytest_run import (
    LOG_OPTIONS,
    Recording,
    fingerprint,
    first_failure,
    os_error_text,
    pytest_summary,
    record,
    recording_only,
    restore,
    run_pytest,
    selection,
    signal_name,
    test_paths,
)

__all__ = ["RerecordOutcome", "rerecord", "stale_interactions"]


#: Exit code of a run that could not record or promote (upstream fault, killed, disk full).
COULD_NOT_RECORD = RecordingFailed.exit_code


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


def _replay(
    settings: Settings,
    recording: Recording,
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
        if k not in recording_only(settings)
    }
    before = fingerprint(settings.cassettes)
    run = run_pytest(
        settings.root,
        [
            *test_paths(settings, tests),
            "--record-mode=none",
            "--contract-cassettes",
            str(overlay),
            *selection(settings, only),
            "-p",
            "no:cacheprovider",
            "--no-contract-coverage",
            "--no-play-counts",
            *LOG_OPTIONS,
            *pytest_args,
        ],
        replay_env,
        recording.staging / "replay.log",
        recording=False,
    )
    if restore(settings.cassettes, before):
        return f"the tests wrote into {settings.cassettes} while replaying (restored)"
    if run.returncode < 0:
        return f"the replay pytest was killed by {signal_name(run.returncode)}"
    if run.returncode != 0:
        text = run.text()
        first = first_failure(text)
        where = f"; first: {first}" if first else ""
        return (
            f"the tests fail on the fresh cassettes: {pytest_summary(text)}{where} (log: {run.log})"
        )
    return None


def stale_interactions(committed: Path, fresh: Path) -> list[Interaction]:
    """The interactions of the ``committed`` cassette that the ``fresh`` recording of it no
    longer holds: no fresh interaction with the same method and URL (counted, so a request
    made once less leaves one behind). Promoting ``fresh`` drops them."""
    from ..cassettes.load import load_cassette

    made = Counter((i.method.upper(), i.uri) for i in load_cassette(fresh).interactions)
    stale = []
    for interaction in load_cassette(committed).interactions:
        key = (interaction.method.upper(), interaction.uri)
        if made[key] > 0:
            made[key] -= 1
        else:
            stale.append(interaction)
    return stale


def _dropped_lines(settings: Settings, recording: Recording) -> list[str]:
    """One line per committed interaction that promoting the fresh cassettes drops."""
    from ..errors import display_path

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
    from ..contracts.mapping import ContractMap
    from ..contracts.registry import SchemaRegistry

    test_paths(settings, tests)
    contract_map = ContractMap.load(settings.contracts)
    registry = SchemaRegistry.load(settings.schemas, settings.cache_dir)
    with cassettes_lock(lock_file(settings), "rerecord"):
        recovered = recover(settings.cassettes)
        refuse_links_out(settings.cassettes)
        try:
            staging = new_staging_dir(staging_root or settings.root / STAGING, "rerecord")
        except OSError as exc:
            raise RecordingFailed(
                f"could not create a staging folder: {os_error_text(exc)}"
            ) from None
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
            outcome.reason = f"could not record or promote: {os_error_text(exc)}"
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
    from ..cassettes.atomic import atomic_write_bytes
    from ..checking.run import check
    from ..drift.folders import compare_folders  # a later stage: imported when used
    from ..rendering.drift import render_markdown
    from .scan import scan
    from .scrub import Scrubber

    recording = record(
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
                f"promotion interrupted after its commit: {os_error_text(exc)}; the next "
                "cassette-contracts command finishes it"
            )
        else:
            outcome.reason = (
                f"could not promote: {os_error_text(exc)}; {settings.cassettes} unchanged"
            )


def _scan_logs(staging: Path, secrets: Sequence[str]) -> list[Finding]:
    """Literal secrets in the text files of the staging folder (logs, reports)."""
    from .scan import Finding

    found = []
    for path in sorted(staging.glob("*.log")) + sorted(staging.glob("*.md")):
        for number, line in enumerate(
            path.read_text(encoding="utf-8", errors="replace").splitlines(), 1
        ):
            for secret in secrets:
                if secret in line:
                    found.append(Finding(path, number, "text", "known-secret", f"{secret[:4]}***"))
    return found
