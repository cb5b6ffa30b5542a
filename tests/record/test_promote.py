"""Promotion of staged cassettes: atomic, file by file, with provenance."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from cassette_contracts._record import atomic_write_bytes, promote, stamp_provenance

CASSETTE = """\
interactions:
- request:
    body: null
    headers: {}
    method: GET
    uri: https://api.github.com/repos/o/r
  response:
    body: {string: '{"stargazers_count": 1}'}
    headers:
      X-GitHub-Api-Version-Selected: ['2022-11-28']
    status: {code: 200, message: OK}
version: 1
"""


def test_atomic_write_replaces_the_file(tmp_path: Path) -> None:
    """The target ends up with exactly the new bytes and no temporary file is left."""
    target = tmp_path / "c.yaml"
    target.write_bytes(b"old")
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.yaml"]


def test_crash_during_write_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the process dies between writing and renaming, the old cassette is intact."""
    target = tmp_path / "c.yaml"
    target.write_bytes(b"old")

    def crash(src: object, dst: object) -> None:
        raise KeyboardInterrupt  # stands in for a kill between write and rename

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(target, b"new" * 1000)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.yaml"]


def test_promote_copies_only_the_named_cassettes(tmp_path: Path) -> None:
    """Only the staged files named are promoted; other committed files are untouched."""
    staged, committed = tmp_path / "staged", tmp_path / "committed"
    (staged / "github").mkdir(parents=True)
    (committed / "github").mkdir(parents=True)
    (staged / "github" / "a.yaml").write_bytes(b"fresh a")
    (committed / "github" / "a.yaml").write_bytes(b"old a")
    (committed / "github" / "b.yaml").write_bytes(b"old b")
    promoted = promote(staged, committed, [Path("github/a.yaml")])
    assert promoted == [committed / "github" / "a.yaml"]
    assert (committed / "github" / "a.yaml").read_bytes() == b"fresh a"
    assert (committed / "github" / "b.yaml").read_bytes() == b"old b"


def test_stamp_provenance_records_time_versions_and_upstream_headers(tmp_path: Path) -> None:
    """Provenance names recorded_at, harness/vcrpy/requests versions and upstream headers."""
    path = tmp_path / "c.yaml"
    path.write_text(CASSETTE)
    stamp_provenance(
        path,
        recorded_at=datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc),
        upstreams={"GITHUB_API_URL": "https://api.github.com"},
    )
    provenance = yaml.safe_load(path.read_text())["metadata"]["provenance"]
    assert provenance["recorded_at"] == "2026-11-23T12:00:00Z"
    assert set(provenance["recorded_with"]) == {"cassette-contracts", "vcrpy", "requests"}
    assert provenance["upstream_version_headers"] == {"X-GitHub-Api-Version-Selected": "2022-11-28"}


def test_stamped_cassette_still_loads_with_plain_vcrpy(tmp_path: Path) -> None:
    """After stamping, vcrpy loads the interactions and the metadata."""
    from vcr.serialize import deserialize
    from vcr.serializers import yamlserializer

    path = tmp_path / "c.yaml"
    path.write_text(CASSETTE)
    stamp_provenance(path)
    requests, _responses, metadata = deserialize(path.read_text(), yamlserializer)
    assert [r.uri for r in requests] == ["https://api.github.com/repos/o/r"]
    assert "provenance" in metadata
