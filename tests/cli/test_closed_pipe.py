"""Output into a pipe whose reader went away mid-way ends with exit 141, however large the
output: a large write into a closed pipe used to be cut short silently (exit 1)."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import dump_yaml, read_yaml, run_cli

PROJECT = Path(__file__).parents[1] / "data" / "corpus" / "project"
CLI = [sys.executable, "-c", "from cassette_contracts.cli import run; run()"]


def _many_violations(root: Path, count: int) -> None:
    """A cassette of ``count`` copies of a real interaction, each with a retyped field."""
    data = read_yaml((root / "cassettes" / "github" / "user.yaml").read_text())
    interaction = data["interactions"][0]
    body = json.loads(interaction["response"]["body"]["string"])
    body["public_repos"] = "many"  # the schema wants an integer
    interaction["response"]["body"]["string"] = json.dumps(body)
    data["interactions"] = [copy.deepcopy(interaction) for _ in range(count)]
    (root / "cassettes" / "github" / "many.yaml").write_text(dump_yaml(data))


def test_large_output_into_a_pipe_closed_mid_way_exits_141(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`check --format json | head -c 1` with > 200 KB of output: exit 141, nothing on stderr."""
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    _many_violations(root, 500)
    # The whole output, in-process (the same command and output; only the run below is
    # about a separate process whose reader goes away).
    monkeypatch.chdir(root)
    full = run_cli("check", "--no-cache", "--format", "json")
    assert full.code == 1
    assert len(full.out.encode("utf-8")) > 200_000
    with subprocess.Popen(
        [*CLI, "check", "--no-cache", "--format", "json"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        assert proc.stdout.read(1) == b"{"
        proc.stdout.close()  # the reader goes away after the first byte, as `head -c 1` does
        stderr = proc.stderr.read()
        code = proc.wait(timeout=120)
    assert (code, stderr) == (141, b"")
