"""The result cache: used when nothing changed, rebuilt when deleted or corrupt."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ..conftest import CORPUS, Run

CACHE = Path(".cassette-contracts/check-results.json")


def _json(run: Run) -> dict:
    return json.loads(run.out)


def test_second_run_uses_the_cache(project: Path, cli: Callable[..., Run]) -> None:
    """Unchanged cassettes are not checked again, and the report is the same."""
    shutil.copy(CORPUS / "bad_cassettes" / "type_changed.yaml", project / "cassettes")
    first = _json(cli("check", "--format", "json"))
    second = _json(cli("check", "--format", "json"))
    assert (first["cached_files"], second["cached_files"]) == (0, 5)
    for key in ("summary", "violations", "errors", "exit_code"):
        assert first[key] == second[key]


def test_deleted_cache_is_rebuilt(project: Path, cli: Callable[..., Run]) -> None:
    """Deleting the cache folder only costs time."""
    cli("check")
    shutil.rmtree(project / ".cassette-contracts")
    run = cli("check", "--format", "json")
    assert (run.code, _json(run)["cached_files"]) == (0, 0)
    assert (project / CACHE).is_file()


def test_corrupt_cache_is_rebuilt(project: Path, cli: Callable[..., Run]) -> None:
    """A cache file that is not what we wrote is ignored and replaced."""
    cli("check")
    (project / CACHE).write_text('{"environment": "x", "entries": [1, 2')
    run = cli("check", "--format", "json")
    assert (run.code, _json(run)["cached_files"]) == (0, 0)
    assert _json(cli("check", "--format", "json"))["cached_files"] == 4


def test_damaged_entry_is_checked_again(project: Path, cli: Callable[..., Run]) -> None:
    """An entry of the wrong shape is dropped and its cassette checked afresh."""
    cli("check")
    stored = json.loads((project / CACHE).read_text())
    for entry in stored["entries"].values():
        entry["violations"] = [{"nonsense": 1}]
    (project / CACHE).write_text(json.dumps(stored))
    run = cli("check", "--format", "json")
    assert (run.code, _json(run)["cached_files"]) == (0, 0)


def test_changed_cassette_is_checked_again(project: Path, cli: Callable[..., Run]) -> None:
    """Editing a cassette invalidates its entry only."""
    cli("check")
    cassette = project / "cassettes" / "github" / "user.yaml"
    cassette.write_text(cassette.read_text().replace('"bio":null', '"bio":5'))
    run = cli("check", "--format", "json")
    assert (run.code, _json(run)["cached_files"]) == (1, 3)
    assert _json(run)["violations"][0]["json_path"] == "$.bio"


def test_changed_schema_invalidates_everything(project: Path, cli: Callable[..., Run]) -> None:
    """Editing any schema (or contracts.toml) checks every cassette again."""
    cli("check")
    schema = project / "schemas" / "github" / "common.schema.json"
    schema.write_text(schema.read_text().replace('"minimum": 0', '"minimum": 1000'))
    run = cli("check", "--format", "json")
    assert (run.code, _json(run)["cached_files"]) == (1, 0)


def test_no_cache_writes_nothing(project: Path, cli: Callable[..., Run]) -> None:
    """--no-cache neither reads nor writes a cache."""
    assert cli("check", "--no-cache").code == 0
    assert not (project / ".cassette-contracts").exists()


def test_cache_folder_ignores_itself(project: Path, cli: Callable[..., Run]) -> None:
    """The cache folder carries a .gitignore, so it never shows up in git status."""
    cli("check")
    assert (project / ".cassette-contracts" / ".gitignore").read_text().endswith("*\n")


def _age(root: Path) -> None:
    """Date every cassette an hour back, as files checked out long ago are."""
    for path in (root / "cassettes").rglob("*.yaml"):
        os.utime(path, (time.time() - 3600, time.time() - 3600))


def test_unchanged_files_are_known_by_their_stat(project: Path, cli: Callable[..., Run]) -> None:
    """Files older than a second are remembered by stat, so a warm run need not read them."""
    _age(project)
    cli("check")
    stored = json.loads((project / CACHE).read_text())
    assert len(stored["files"]) == 4
    assert _json(cli("check", "--format", "json"))["cached_files"] == 4


def test_same_size_edit_with_restored_mtime_is_seen(project: Path, cli: Callable[..., Run]) -> None:
    """An edit that keeps size and mtime still changes ctime: the file is read again."""
    _age(project)
    cli("check")
    cassette = project / "cassettes" / "github" / "user.yaml"
    old = cassette.stat()
    cassette.write_text(cassette.read_text().replace('"bio":null', '"bio":1234'))
    assert cassette.stat().st_size == old.st_size
    os.utime(cassette, ns=(old.st_atime_ns, old.st_mtime_ns))
    run = cli("check", "--format", "json")
    assert (run.code, _json(run)["cached_files"]) == (1, 3)


_FILE_LEVEL = {
    "malformed.yaml": None,
    "empty.yaml": b"",
    "not_mapping.yaml": None,
    "no_interactions.yaml": None,
    "invalid_utf8.yaml": None,
    "invalid_utf8_body.yaml": None,
    "corrupt_gzip.yaml": None,
}


@pytest.mark.parametrize("name", sorted(_FILE_LEVEL))
def test_input_error_is_never_cached(project: Path, cli: Callable[..., Run], name: str) -> None:
    """A cassette that cannot be read is reported the same way on every run, never cached."""
    target = project / "cassettes" / name
    content = _FILE_LEVEL[name]
    if content is None:
        shutil.copy(CORPUS / "bad_cassettes" / name, target)
    else:
        target.write_bytes(content)
    first, second = cli("check", "cassettes"), cli("check", "cassettes")
    assert (first.code, second.code) == (2, 2)
    assert second.out.splitlines()[0] == first.out.splitlines()[0]
    assert second.out.count("input error") == first.out.count("input error")
    again = _json(cli("check", "cassettes", "--format", "json"))
    assert (again["exit_code"], len(again["errors"])) == (2, 1)
    assert again["errors"][0]["file"] == f"cassettes/{name}"
