"""The recording run: the project's tests under pytest in record mode, into a staging folder.

Runs pytest in a subprocess (with the recording environment kept for every test), parses its
log and outcome signal into one-line reasons, and leaves only the fresh cassettes it wrote.
Both ``rerecord`` and ``drift`` record through :func:`record`.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..cassettes.discover import iter_cassette_paths
from ..errors import CassetteContractsError, CassetteError, UsageError
from .promote import fault_point
from .provenance import stamp_provenance
from .secrets import is_secret_variable

if TYPE_CHECKING:
    from ..settings import Settings

#: Variables the recording pytest gets back for every test (a project conftest may clear them).
#: Tests marked so are never re-recorded: their cassette captures an event the live API
#: cannot reproduce on demand.
FROZEN_MARKER = "frozen_cassette"
KEEP_ENV = "CASSETTE_CONTRACTS_RECORDING_ENV"
_SUMMARY = re.compile(r"^=*\s*(.*\b(failed|passed|error|errors|no tests ran)\b.*?)\s*=*$")
_FAILED_LINE = re.compile(r"^(FAILED|ERROR) (.+)$")


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


def run_pytest(
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
    _scrub_kept(log, env)
    return _Run(proc.returncode, log)


#: How the recording and replaying pytest runs write their logs: whole values in assertion
#: messages (-vv, without -q), since a value pytest shortens ('AKIAR7TQ2XKM...ke-5521-north')
#: is a fragment of a secret no detector recognises any more, and the kept logs are scrubbed.
LOG_OPTIONS = ("--tb=short", "-vv")


def _scrub_kept(path: Path, env: Mapping[str, str]) -> None:
    """Redact secrets in a log kept in staging, as the recording scrubs cassettes: by value,
    and the literal values of the secret variables (a failing test prints what it compared)."""
    from ..cassettes.atomic import atomic_write_bytes
    from .scrub import Scrubber

    try:
        data = path.read_bytes()
    except OSError:
        return
    scrubbed = Scrubber.from_environ(env).scrub_body(data, "text/plain")
    if scrubbed is not data:
        atomic_write_bytes(path, scrubbed)


def signal_name(returncode: int) -> str:
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


def first_failure(log_text: str) -> str | None:
    for line in log_text.splitlines():
        match = _FAILED_LINE.match(line.strip())
        if match:
            return f"{match.group(1)} {match.group(2)}"
    return None


def fingerprint(folder: Path) -> dict[Path, bytes]:
    """Content of every file under ``folder`` (small: cassettes), to prove it untouched."""
    if not folder.is_dir():
        return {}
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def restore(folder: Path, before: Mapping[Path, bytes]) -> list[Path]:
    """Put ``folder`` back as ``before`` recorded it; the paths that had changed."""
    from ..cassettes.atomic import atomic_write_bytes

    changed = []
    now = fingerprint(folder)
    for path, data in before.items():
        if now.get(path) != data:
            atomic_write_bytes(path, data)
            changed.append(path)
    for path in now.keys() - before.keys():
        path.unlink()
        changed.append(path)
    return changed


@dataclass
class Recording:
    staging: Path
    fresh: Path  # staging/cassettes
    recorded: list[Path]  # relative paths of the fresh cassettes
    reason: str | None = None
    notes: list[str] = field(default_factory=list)


def _upstreams(settings: Settings) -> dict[str, str]:
    """Base-URL variable -> real service: only what ``upstreams`` lists."""
    return dict(settings.upstreams)


def test_paths(settings: Settings, tests: Sequence[Path] | None) -> list[str]:
    """The test paths of the recording pytest (none: pytest's own testpaths)."""
    paths = list(settings.rerecord_tests if tests is None else tests)
    for path in paths:
        if not path.exists():
            raise UsageError(
                f"rerecord_tests: no such test path {path} ([tool.cassette_contracts] "
                "rerecord_tests lists the tests that record cassettes)"
            )
    return [str(path) for path in paths]


def selection(settings: Settings, only: str | None) -> list[str]:
    """``-m`` (the recording tests, never frozen ones) and ``-k`` (``--only``) for pytest."""
    marker = f"({settings.rerecord_marker}) and not {FROZEN_MARKER}"
    return ["-m", marker, *(["-k", only] if only else [])]


def recording_only(settings: Settings) -> set[str]:
    """Variables a recording needs and a replay must never see (upstream overrides and the
    ``rerecord_env`` ones)."""
    return set(_upstreams(settings)) | set(settings.rerecord_env)


def os_error_text(exc: OSError) -> str:
    """One line for an OSError: what failed, and on which file."""
    where = f": {exc.filename}" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"


# Same keyword-only parameters as rerecord._replay on purpose: both run the recording tests
# with the caller's options; named at each call, not bundled into one more type.
def record(
    settings: Settings,
    staging: Path,
    *,
    only: str | None,
    pytest_args: Sequence[str],
    env: Mapping[str, str] | None,
    tests: Sequence[Path] | None,
) -> Recording:
    from .probe import FAILURES_ENV, load_failures

    root = settings.root
    fresh = staging / "cassettes"
    fresh.mkdir()
    base_env = dict(os.environ if env is None else env)
    record_env = dict(base_env)
    for name, value in settings.rerecord_env.items():
        record_env.setdefault(name, value)
    upstreams = _upstreams(settings)
    keep = [n for n in record_env if n in recording_only(settings) or is_secret_variable(n)]
    record_env[KEEP_ENV] = ",".join(sorted(set(keep)))
    failures_dir = staging / "failures"
    record_env[FAILURES_ENV] = str(failures_dir)
    common = [
        "-p",
        "no:cacheprovider",
        "-p",
        "cassette_contracts.recording.probe",
        "--no-contract-coverage",
        "--no-play-counts",
        *LOG_OPTIONS,
    ]
    committed = settings.cassettes
    before = fingerprint(committed)

    def guard(step: str) -> None:
        changed = restore(committed, before)
        if changed:
            raise CassetteContractsError(
                f"the tests wrote into {committed} while {step} (restored "
                f"{len(changed)} file(s)); their vcr_cassette_dir must follow "
                "--contract-cassettes (fixture contract_cassettes_dir)"
            )

    run = run_pytest(
        root,
        [
            *test_paths(settings, tests),
            "--record-mode=once",
            "--contract-cassettes",
            str(fresh),
            *selection(settings, only),
            *common,
            *pytest_args,
        ],
        record_env,
        staging / "pytest.log",
        recording=True,
    )
    guard("recording")
    if failures_dir.is_dir():  # what failed tests compared, kept in staging: scrubbed like logs
        for kept in sorted(failures_dir.iterdir()):
            _scrub_kept(kept, record_env)
    recorded = recorded_cassettes(fresh)
    result = Recording(staging, fresh, recorded)
    text = run.text()
    if run.returncode < 0:
        result.reason = f"the recording pytest was killed by {signal_name(run.returncode)}"
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


def recorded_cassettes(fresh: Path) -> list[Path]:
    """The cassettes a recording run wrote under ``fresh``, relative to it: every suffix the
    cassette discovery knows (``.yaml``, ``.yml``, ``.json``); none when nothing was written."""
    found = iter_cassette_paths([fresh]) if fresh.is_dir() else []
    return [path.relative_to(fresh) for path in found]
