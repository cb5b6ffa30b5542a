"""Promotion of staged cassettes: all or nothing per set, under a lock, with provenance."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from cassette_contracts.cassettes.atomic import atomic_write_bytes
from cassette_contracts.errors import CassetteError, InputError, RecordingFailed
from cassette_contracts.recording.promote import (
    FAULT_ENV,
    cassettes_lock,
    promote,
    recover,
    refuse_links_out,
)
from cassette_contracts.recording.provenance import stamp_provenance

from ..conftest import ROOT, read_yaml

TWEEPY = ROOT / "tests" / "data" / "vcr_cassettes" / "tweepy"

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
      Server: [github.com]
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
    """Provenance names recorded_at, harness/vcrpy/requests versions and the headers asked for."""
    path = tmp_path / "c.yaml"
    path.write_text(CASSETTE)
    stamp_provenance(
        path,
        recorded_at=datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc),
        upstreams={"GITHUB_API_URL": "https://api.github.com"},
        headers=["x-github-api-version-selected"],
    )
    provenance = read_yaml(path.read_text())["metadata"]["provenance"]
    assert provenance["recorded_at"] == "2026-11-23T12:00:00Z"
    assert set(provenance["recorded_with"]) == {"cassette-contracts", "vcrpy", "requests"}
    assert provenance["upstream_version_headers"] == {"x-github-api-version-selected": "2022-11-28"}
    assert provenance["upstreams"] == {"GITHUB_API_URL": "https://api.github.com"}


def test_stamp_provenance_keeps_generic_headers_and_no_upstreams_by_default(
    tmp_path: Path,
) -> None:
    """Without settings: the generic version headers (Server, ...), and no upstreams at all."""
    path = tmp_path / "c.yaml"
    path.write_text(CASSETTE)
    stamp_provenance(path)
    provenance = read_yaml(path.read_text())["metadata"]["provenance"]
    assert provenance["upstream_version_headers"] == {"Server": "github.com"}
    assert "upstreams" not in provenance


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


def test_a_cassette_written_by_vcrpys_json_serializer_stays_json(tmp_path: Path) -> None:
    """A ``.json`` cassette (vcrpy's ``serializer="json"``) is stamped and written back as
    vcrpy's JSON serializer writes it: vcrpy still loads it, every interaction unchanged."""
    from vcr.serialize import deserialize
    from vcr.serializers import jsonserializer

    source = TWEEPY / "testaddremovelistmember.json"
    path = tmp_path / source.name
    path.write_bytes(source.read_bytes())
    before = json.loads(source.read_text())

    stamp_provenance(path)

    written = path.read_text()
    assert jsonserializer.serialize(jsonserializer.deserialize(written)) == written
    after = json.loads(written)
    assert after["interactions"] == before["interactions"]
    _requests, _responses, metadata = deserialize(written, jsonserializer)
    assert "provenance" in metadata


#: The work of the `rerecord` / `drift` command's own process after the recording pytest ends
#: (stamping a fresh cassette, reading the probe's failures back); which heavy packages it imported.
_COMMAND_SIDE = """
import sys
from datetime import datetime, timezone
from pathlib import Path
from cassette_contracts.recording.probe import load_failures
from cassette_contracts.recording.provenance import stamp_provenance
from cassette_contracts.recording.rerecord import rerecord
path = Path(sys.argv[1])
stamp_provenance(path, recorded_at=datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc))
load_failures(path.parent)
print(sorted(name for name in ("vcr", "pytest", "aiohttp", "httpx") if name in sys.modules))
"""


def test_the_command_side_of_a_recording_imports_neither_vcrpy_nor_pytest(
    tmp_path: Path,
) -> None:
    """Stamping and reading failures import neither pytest nor the vcr package (which imports
    every HTTP library vcrpy can patch); the cassette is still written as vcrpy writes it."""
    from vcr.serializers import yamlserializer

    path = tmp_path / "c.yaml"
    path.write_text(CASSETTE)
    done = subprocess.run(
        [sys.executable, "-c", _COMMAND_SIDE, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "[]"
    written = path.read_text()
    assert yamlserializer.serialize(yamlserializer.deserialize(written)) == written
    assert read_yaml(written)["metadata"]["provenance"]["recorded_at"] == "2026-11-23T12:00:00Z"


# -- all-or-nothing promotion of a set -------------------------------------------------------

RELS = [Path("a/one.yaml"), Path("a/two.yaml"), Path("b/three.yaml")]


def make_sets(tmp_path: Path) -> tuple[Path, Path, dict[str, bytes], dict[str, bytes]]:
    """Committed a/one, a/two, c/keep; staged a/one, a/two and the new b/three."""
    staged, committed = tmp_path / "staged", tmp_path / "committed"
    old = {"a/one.yaml": b"old one", "a/two.yaml": b"old two", "c/keep.yaml": b"kept"}
    new = {**old, "a/one.yaml": b"new one", "a/two.yaml": b"new two", "b/three.yaml": b"new 3"}
    for rel, data in old.items():
        (committed / rel).parent.mkdir(parents=True, exist_ok=True)
        (committed / rel).write_bytes(data)
    for rel in RELS:
        (staged / rel).parent.mkdir(parents=True, exist_ok=True)
        (staged / rel).write_bytes(new[rel.as_posix()])
    return staged, committed, old, new


def contents(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones included) by relative path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def killed_at(phase: str, staged: Path, committed: Path) -> None:
    """Run promote() in a forked child that SIGKILLs itself at ``phase`` (the test hook)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.environ[FAULT_ENV] = phase
            promote(staged, committed, RELS)
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status), f"the child was not killed at {phase}"
    assert os.WTERMSIG(status) == signal.SIGKILL


def test_promote_replaces_the_whole_set_and_leaves_nothing_else(tmp_path: Path) -> None:
    """After promote() the folder is the new set exactly: no journal, backup or temp file."""
    staged, committed, _old, new = make_sets(tmp_path)
    promote(staged, committed, RELS)
    assert contents(committed) == new


@pytest.mark.parametrize(
    ("phase", "expect"),
    [
        ("promote:after-prepare", "old"),
        ("promote:after-journal", "new"),
        ("promote:after-first-rename", "new"),
        ("promote:after-renames", "new"),
    ],
)
def test_sigkill_during_promotion_then_recover_gives_one_whole_set(
    tmp_path: Path, phase: str, expect: str
) -> None:
    """SIGKILL at each phase, then recover(): the whole old set before the journal is
    committed, the whole new set after it, byte for byte, and no temporary file."""
    staged, committed, old, new = make_sets(tmp_path)
    killed_at(phase, staged, committed)
    assert recover(committed) is not None
    assert contents(committed) == {"old": old, "new": new}[expect]


def test_recover_rolls_back_from_backups_when_a_new_file_is_lost(tmp_path: Path) -> None:
    """Journal committed, but a staged .new file vanished: every target comes back old."""
    staged, committed, old, _new = make_sets(tmp_path)
    killed_at("promote:after-first-rename", staged, committed)
    (lost,) = (committed / "a").glob(".cassette-contracts-two.yaml.new")
    lost.unlink()
    assert "rolled back" in (recover(committed) or "")
    assert contents(committed) == old


def test_recover_with_nothing_to_do_changes_nothing(tmp_path: Path) -> None:
    """A clean folder: recover() says nothing and touches nothing."""
    _staged, committed, old, _new = make_sets(tmp_path)
    assert recover(committed) is None
    assert contents(committed) == old


def test_full_disk_while_preparing_leaves_the_old_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC on the second file: OSError, the old set intact, no temporary file."""
    import cassette_contracts.recording.promote as record

    staged, committed, old, _new = make_sets(tmp_path)
    real_write = record.write_synced
    calls = []

    def full_disk(path: Path, data: bytes) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real_write(path, data)

    monkeypatch.setattr(record, "write_synced", full_disk)
    with pytest.raises(OSError, match="No space left"):
        promote(staged, committed, RELS)
    assert contents(committed) == old


def test_promote_refuses_a_symlink_leading_out_of_the_cassettes(tmp_path: Path) -> None:
    """A symlinked folder pointing outside: one-line InputError, nothing written there."""
    staged, committed, _old, _new = make_sets(tmp_path)
    outside = tmp_path / "outside"
    (committed / "a").rename(outside)
    (committed / "a").symlink_to(outside, target_is_directory=True)
    before = contents(outside)
    with pytest.raises(InputError, match="symlink leads outside") as caught:
        promote(staged, committed, RELS)
    assert "\n" not in str(caught.value)
    assert contents(outside) == before


def test_a_symlink_inside_the_cassettes_is_allowed(tmp_path: Path) -> None:
    """A symlink that stays inside the cassettes folder is no reason to refuse."""
    _staged, committed, _old, _new = make_sets(tmp_path)
    (committed / "alias").symlink_to(committed / "c", target_is_directory=True)
    refuse_links_out(committed)


def test_second_lock_holder_is_refused_at_once(tmp_path: Path) -> None:
    """While one run holds the lock, another gets RecordingFailed (exit 3) in one line."""
    lock = tmp_path / ".staging" / "lock"
    busy = pytest.raises(RecordingFailed, match="another rerecord or drift is running")
    with cassettes_lock(lock, "rerecord"), busy as err, cassettes_lock(lock, "drift"):
        pass
    assert err.value.exit_code == 3
    assert "\n" not in str(err.value)


def test_lock_of_a_killed_holder_is_free(tmp_path: Path) -> None:
    """The kernel releases the lock of a SIGKILLed holder: the next run gets it."""
    lock = tmp_path / ".staging" / "lock"
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            with cassettes_lock(lock, "rerecord"):
                os.kill(os.getpid(), signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    with cassettes_lock(lock, "rerecord"):
        pass


@pytest.mark.parametrize(
    "cut",
    [
        pytest.param(lambda text: text[: len(text) // 2], id="half"),
        pytest.param(lambda text: text[: text.index("response:")], id="before-response"),
        pytest.param(lambda text: "", id="empty"),
    ],
)
def test_truncated_staging_cassette_is_a_one_line_cassette_error(tmp_path: Path, cut: Any) -> None:
    """A cassette cut off while being written: CassetteError naming the file, no traceback."""
    path = tmp_path / "c.yaml"
    path.write_text(cut(CASSETTE))
    with pytest.raises(CassetteError, match="not a whole cassette") as caught:
        stamp_provenance(path)
    assert str(path.name) in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("keep", [0.5, 0.0], ids=["half", "empty"])
def test_truncated_json_staging_cassette_is_a_one_line_cassette_error(
    tmp_path: Path, keep: float
) -> None:
    """A ``.json`` cassette cut off while being written: CassetteError naming the file and line."""
    text = (TWEEPY / "testaddremovelistmember.json").read_text()
    path = tmp_path / "c.json"
    path.write_text(text[: int(len(text) * keep)])
    with pytest.raises(CassetteError, match="not a whole cassette") as caught:
        stamp_provenance(path)
    assert str(path.name) in str(caught.value)
    assert "\n" not in str(caught.value)
    assert caught.value.line is not None
