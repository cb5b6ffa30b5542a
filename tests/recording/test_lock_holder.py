"""The lock message names the process that holds the lock now, never an earlier holder."""

from __future__ import annotations

import fcntl
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cassette_contracts.cli import main

EARLIER_RUN = """\
import sys
from pathlib import Path

from cassette_contracts.recording.promote import cassettes_lock

with cassettes_lock(Path(sys.argv[1]), "rerecord"):
    print(__import__("os").getpid())
"""


def test_lock_message_does_not_name_an_earlier_holder(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A finished rerecord held the lock; another process holds it now: its pid is not named."""
    lock = project / ".staging" / "lock"
    earlier = subprocess.run(
        [sys.executable, "-c", EARLIER_RUN, str(lock)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    earlier_pid = earlier.stdout.strip()
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held now, as a recovery check holds it
        monkeypatch.chdir(project)
        err = io.StringIO()
        code = main(["rerecord", "--only", "nothing"], io.StringIO(), err)
    finally:
        os.close(fd)
    assert code == 3
    assert "another rerecord or drift is running" in err.getvalue()
    assert f"pid {earlier_pid}" not in err.getvalue()
