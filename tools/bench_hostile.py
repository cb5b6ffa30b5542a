"""Time and memory of ``cassette-contracts check`` on each malformed input of the corpus.

The cases are those of ``tests/cli/hostile.py`` (the unit tests check what each prints;
timings stay out of unit tests). Each case is written into a fresh copy of the harness
project and checked by ``cassette-contracts check`` in its own process, with the project as
working folder; the process's wall time and peak resident memory (``wait4``'s ``ru_maxrss``)
are reported.

Targets: every case exits 2 within 5 s and 200 MB. A case is stopped after ``--timeout``
seconds (default 60) or when it reaches ``--limit-mb`` of address space (default 4096), so a
regression cannot take the machine down with it.

Usage: ``.venv/bin/python tools/bench_hostile.py [--only TEXT] [--src DIR]``; ``--src`` checks
another source tree (e.g. an older checkout's ``src``) for comparison. Exit status 1 when a
target is missed.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "cli" / "hostile.py"
SECONDS, MEGABYTES = 5.0, 200.0
_CHECK = "import sys; from cassette_contracts.cli import main; sys.exit(main(['check']))"


def _cases() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hostile", HOSTILE)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {HOSTILE}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["hostile"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _run(
    project: Path, src: Path, timeout: float, limit_mb: int
) -> tuple[int, float, float, float]:
    """(exit code, seconds, CPU seconds, peak MB) of ``check`` in ``project``; exit -9 when
    stopped."""

    def limits() -> None:
        size = limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size, size))

    env = {**os.environ, "PYTHONPATH": str(src)}
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", _CHECK],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=limits,
    )
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            child.send_signal(signal.SIGKILL)
            pid, status, usage = os.wait4(child.pid, 0)
            break
        time.sleep(0.01)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    child.returncode = code  # reaped here, not by Popen
    return code, seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="only the cases whose id contains TEXT")
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="source tree to check")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a kill")
    parser.add_argument("--limit-mb", type=int, default=4096, help="address space limit")
    args = parser.parse_args(argv)
    hostile = _cases()
    cases = [case for case in hostile.CASES if args.only in case.id]
    missed = 0
    worst_seconds, worst_mb = 0.0, 0.0
    print(f"{'case':40} {'file':32} exit  seconds      CPU  peak MB")
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp:
        # The unchanged project first: the cost of starting Python and loading the harness.
        baseline = [hostile.Case("(baseline: the valid project)", "-", b"", "")]
        for case in [*baseline, *cases]:
            project = Path(tmp) / "project"
            shutil.copytree(hostile.PROJECT, project)
            if case is not baseline[0]:
                (project / case.path).write_bytes(case.content)
            code, seconds, cpu, megabytes = _run(
                project, args.src.resolve(), args.timeout, args.limit_mb
            )
            shutil.rmtree(project)
            flag = ""
            if case is not baseline[0]:
                ok = code == 2 and seconds <= SECONDS and megabytes <= MEGABYTES
                missed += not ok
                worst_seconds, worst_mb = max(worst_seconds, seconds), max(worst_mb, megabytes)
                flag = "" if ok else "  MISSED"
            print(
                f"{case.id:40} {case.path:32} {code:4} {seconds:8.2f} {cpu:8.2f} "
                f"{megabytes:8.1f}{flag}"
            )
    print(
        f"{len(cases)} case(s): slowest {worst_seconds:.2f} s, largest {worst_mb:.1f} MB "
        f"(targets: exit 2, <= {SECONDS:.0f} s, <= {MEGABYTES:.0f} MB); {missed} missed"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
