"""Fault injection: `cassette-contracts rerecord` killed at each phase, a full disk, two runs at
once. After the fault and the next command (which finishes or undoes a promotion first),
`cassettes/` holds the whole old set or the whole new set, byte for byte, and nothing else.

The runs are real subprocesses against the local upstream on 127.0.0.1. To stop one at an exact
phase the test-only hook ``CASSETTE_CONTRACTS_FAULT=<phase>`` makes it SIGKILL itself there
(``cassette_contracts.recording.promote.FAULT_PHASES``).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from ..conftest import read_yaml, run_cli
from .conftest import tree_digest
from .upstream import Upstream, wait_for

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1", "localhost"])

#: Two small cassettes in two folders, so that promotion has a first and a last rename.
TWO = "test_prolific_with_71_repos or test_get_user_returns_the_user_dict"
#: What the next command checks (any command that reads cassettes recovers first).
SMALL = "cassettes/notifications/publish.yaml"
#: The test-only hook (documented in docs/DESIGN.md): SIGKILL at the named phase.
FAULT_ENV = "CASSETTE_CONTRACTS_FAULT"
COMMANDS = ("rerecord", "drift")
CLI = [sys.executable, "-c", "from cassette_contracts.cli import run; run()"]


def command(project: Path, upstream: Upstream, *argv: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*CLI, *argv],
        cwd=project,
        env={**os.environ, **upstream.environ(), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


def staged_set(project: Path, committed: dict[str, str]) -> dict[str, str]:
    """The committed set with every cassette of the (one) staging folder in its place."""
    (staging,) = (project / ".staging").glob("rerecord-*")
    fresh = tree_digest(staging / "cassettes")
    assert fresh, "the run was killed before anything was recorded"
    return {**committed, **fresh}


def next_command(project: Path) -> str:
    """`cassette-contracts check`, the next command after the fault; its stderr.

    In-process: what is under test is the state the killed process left behind, which the
    next command finishes or undoes (a process of its own would show the same)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(project)
        result = run_cli("check", "--no-cache", SMALL)
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    return result.err


@pytest.mark.parametrize(
    ("phase", "expect"),
    [
        ("record:after-staging", "old"),
        ("promote:after-first-rename", "new"),
        ("promote:after-renames", "new"),
        ("rerecord:before-cleanup", "new"),
    ],
)
def test_sigkill_at_a_phase_then_next_command_leaves_one_whole_set(
    project: Path, upstream: Upstream, committed: dict[str, str], phase: str, expect: str
) -> None:
    """SIGKILL at ``phase``: after the next command, the whole old set or the whole new set.
    (Every phase of promotion is also killed in-process, faster: recording/test_promote.py.)"""
    proc = command(project, upstream, "rerecord", "--only", TWO, **{FAULT_ENV: phase})
    code, _out, _err = finish(proc)
    assert code == -signal.SIGKILL
    new = staged_set(project, committed)
    assert new != committed
    next_command(project)
    assert tree_digest(project / "cassettes") == {"old": committed, "new": new}[expect]


def test_sigkill_while_recording_then_next_command_leaves_the_old_set(
    project: Path, upstream: Upstream, committed: dict[str, str]
) -> None:
    """The whole process group killed while the recording waits on the upstream."""
    release = threading.Event()
    upstream.on_request = lambda url: release.wait(30)
    proc = command(project, upstream, "rerecord", "--only", TWO)
    try:
        assert wait_for(upstream.first_request.is_set, timeout=60)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        release.set()
    code, _out, _err = finish(proc)
    assert code == -signal.SIGKILL
    next_command(project)
    assert tree_digest(project / "cassettes") == committed


def test_two_runs_at_once_only_one_records_and_promotes(
    project: Path, upstream: Upstream, committed: dict[str, str]
) -> None:
    """A second rerecord or drift while one runs exits at once (3, one line); one promotes."""
    first = command(project, upstream, "rerecord", "--only", TWO)
    holder = f"rerecord (pid {first.pid})"
    lock = project / ".staging" / "lock"
    assert wait_for(lambda: lock.is_file() and lock.read_text() == holder, timeout=60)
    os.killpg(first.pid, signal.SIGSTOP)  # frozen while it holds the lock, however slow we are
    try:
        seconds = [finish(command(project, upstream, cmd, "--only", TWO)) for cmd in COMMANDS]
    finally:
        os.killpg(first.pid, signal.SIGCONT)
    code, out, err = finish(first)
    assert code == 0, err
    assert out.startswith("rerecord: promoted 2 cassette(s)")
    for second_code, second_out, second_err in seconds:
        assert second_code == 3
        assert second_out == ""
        assert "another rerecord or drift is running" in second_err
        assert second_err.count("\n") == 1
    after = tree_digest(project / "cassettes")
    assert set(after) == set(committed)
    changed = {rel for rel in after if after[rel] != committed[rel]}
    assert changed == {"github/user_yurinnick.yaml", "jsonplaceholder/user_1.yaml"}
    for rel in changed:
        assert (
            "recorded_at"
            in read_yaml((project / "cassettes" / rel).read_text())["metadata"]["provenance"]
        )


# -- a full disk -------------------------------------------------------------------------------

#: Run inside a private mount namespace: the cassettes on a small tmpfs, almost full.
FULL_DISK = textwrap.dedent(
    """\
    set -e
    mkdir -p disk after
    mount -t tmpfs -o size=1m tmpfs disk
    cp -a cassettes disk/cassettes
    # Fill the disk but 8 KiB: the first fresh cassette (5 KB) fits, the second does not.
    head -c $(( $(df -B1 --output=avail disk | tail -1) - 8192 )) /dev/zero > disk/filler
    set +e
    "$@" rerecord --only "$ONLY" --cassettes disk/cassettes > rerecord.out 2> rerecord.err
    echo $? > rerecord.code
    "$@" check --no-cache --cassettes disk/cassettes "$SMALL" > check.out 2> check.err
    echo $? > check.code
    cp -a disk/cassettes/. after/
    """
)


def _can_mount_tmpfs() -> str | None:
    """Why a private tmpfs cannot be mounted here, or None."""
    if shutil.which("unshare") is None:
        return "unshare(1) is not installed"
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        return f"cannot mount a tmpfs in a user namespace: {probe.stderr.strip()}"
    return None


def test_full_disk_during_promotion_leaves_the_old_set(
    project: Path, upstream: Upstream, committed: dict[str, str]
) -> None:
    """ENOSPC while promoting: exit 3 and one line, the old set intact, no temporary file."""
    reason = _can_mount_tmpfs()
    if reason is not None:
        pytest.skip(reason)
    script = project / "full_disk.sh"
    script.write_text(FULL_DISK)
    subprocess.run(
        ["unshare", "-rm", "sh", str(script), *CLI],
        cwd=project,
        env={**os.environ, **upstream.environ(), "ONLY": TWO, "SMALL": SMALL},
        check=True,
        timeout=120,
    )
    err = (project / "rerecord.err").read_text()
    assert (project / "rerecord.code").read_text().strip() == "3", err
    assert "could not promote: No space left on device" in err
    assert "Traceback" not in err + (project / "check.err").read_text()
    assert (project / "check.code").read_text().strip() == "0"
    assert tree_digest(project / "after") == committed
