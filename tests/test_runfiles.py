"""Per-run data files are replaced whole but not fsynced (the next run writes them again);
every other atomic write stays durable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cassette_contracts.cassettes.atomic import atomic_write_bytes
from cassette_contracts.runfiles import read_worker_files, save_worker_file


@pytest.fixture
def fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = os.fsync

    def counted(fd: int) -> None:
        calls.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", counted)
    return calls


def test_worker_file_is_written_whole_without_fsync(tmp_path: Path, fsyncs: list[int]) -> None:
    """A worker file replaces the last one by a rename, with no fsync."""
    save_worker_file(tmp_path, "gw0", '{"old": 1}')
    save_worker_file(tmp_path, "gw0", '{"new": 2}')
    assert read_worker_files(tmp_path, "data") == [(tmp_path / "gw0.json", '{"new": 2}')]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gw0.json"]  # no temporary left
    assert fsyncs == []


def test_other_atomic_writes_stay_durable(tmp_path: Path, fsyncs: list[int]) -> None:
    """The default atomic write fsyncs the data and the folder."""
    atomic_write_bytes(tmp_path / "cassette.yaml", b"interactions: []\n")
    assert len(fsyncs) == 2
