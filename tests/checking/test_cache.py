"""The result cache: used when nothing changed, rebuilt when deleted or corrupt."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from cassette_contracts.checking import cache
from cassette_contracts.contracts.registry import SchemaRegistry

from ..conftest import CORPUS, Run

CACHE = Path(".cassette-contracts/check-results.json")
WARM = Path(".cassette-contracts/check-warm.json")


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


def test_corrupt_warm_answers_are_ignored(settled: Path, cli: Callable[..., Run]) -> None:
    """A file of kept answers that is not what we wrote is ignored and replaced."""
    cli("check")
    (settled / WARM).write_text('{"format": 1, "runs": {"x": [1, 2')
    run = cli("check", "--format", "json")
    assert (run.code, _json(run)["cached_files"]) == (0, 4)
    assert json.loads((settled / WARM).read_text())["format"] == 1


def test_damaged_warm_answer_is_not_used(settled: Path, cli: Callable[..., Run]) -> None:
    """A kept answer of the wrong shape is passed over: the files are looked up one by one."""
    first = cli("check", "--format", "json")
    stored = json.loads((settled / WARM).read_text())
    for answer in stored["runs"].values():
        answer["rows"] = [{"nonsense": 1}]
    (settled / WARM).write_text(json.dumps(stored))
    run = cli("check", "--format", "json")
    assert _json(run) == {**_json(first), "cached_files": 4}


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


def test_unchanged_files_are_known_by_their_stat(settled: Path, cli: Callable[..., Run]) -> None:
    """Files older than a second are remembered by stat, so a warm run need not read them."""
    cli("check")
    stored = json.loads((settled / CACHE).read_text())
    assert len(stored["files"]) == 4
    assert _json(cli("check", "--format", "json"))["cached_files"] == 4


def test_recently_changed_files_are_not_known_by_their_stat(
    project: Path, cli: Callable[..., Run]
) -> None:
    """A file whose inode changed within the last second (ctime), even with an old mtime, is
    not remembered by its stat: a second write in the same clock tick could keep it."""
    _age(project)
    cli("check")
    assert json.loads((project / CACHE).read_text())["files"] == {}
    assert not (project / WARM).exists()


def test_touched_but_unchanged_file_is_still_a_hit(settled: Path, cli: Callable[..., Run]) -> None:
    """A file whose stat changed but whose bytes did not is known by its content hash."""
    cli("check")
    cassette = settled / "cassettes" / "github" / "user.yaml"
    cassette.write_bytes(cassette.read_bytes())
    os.utime(cassette, (time.time() - 60, time.time() - 60))
    run = cli("check", "--format", "json")
    assert (run.code, _json(run)["cached_files"]) == (0, 4)


def test_same_size_edit_with_restored_mtime_is_seen(settled: Path, cli: Callable[..., Run]) -> None:
    """An edit that keeps size and mtime still changes ctime: the file is read again."""
    cli("check")
    cassette = settled / "cassettes" / "github" / "user.yaml"
    old = cassette.stat()
    cassette.write_text(cassette.read_text().replace('"bio":null', '"bio":1234'))
    assert cassette.stat().st_size == old.st_size
    os.utime(cassette, ns=(old.st_atime_ns, old.st_mtime_ns))
    run = cli("check", "--format", "json")
    assert (run.code, _json(run)["cached_files"]) == (1, 3)


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The schema folders ``SchemaRegistry.load`` loads from here on, in order."""
    loaded: list[Path] = []
    original = SchemaRegistry.load.__func__  # type: ignore[attr-defined]

    def spy(cls: type[SchemaRegistry], root: Path, *args: object) -> SchemaRegistry:
        loaded.append(Path(root))
        return original(cls, root, *args)  # type: ignore[no-any-return]

    monkeypatch.setattr(SchemaRegistry, "load", classmethod(spy))
    return loaded


def test_warm_run_loads_no_schema(
    settled: Path, cli: Callable[..., Run], loads: list[Path]
) -> None:
    """With nothing changed since a clean run, check answers without loading a schema."""
    shutil.copy(CORPUS / "bad_cassettes" / "type_changed.yaml", settled / "cassettes")
    first = cli("check", "--format", "json")
    second = cli("check", "--format", "json")
    assert (len(loads), second.code) == (1, 1)
    assert _json(second) == {**_json(first), "cached_files": 5}


def test_warm_answer_whatever_the_order_paths_are_named_in(
    settled: Path, cli: Callable[..., Run], loads: list[Path]
) -> None:
    """The same cassettes named in another order get the same answer, without a load."""
    shutil.copy(CORPUS / "bad_cassettes" / "type_changed.yaml", settled / "cassettes")
    first = cli("check", "cassettes/type_changed.yaml", "cassettes/github", "cassettes/ntfy")
    second = cli("check", "cassettes/ntfy", "cassettes/github", "cassettes/type_changed.yaml")
    assert (len(loads), second.code) == (1, 1)
    assert " (4 from cache)" in second.out
    assert second.out.replace(" (4 from cache)", "") == first.out


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "markdown", "github"])
def test_warm_answer_is_the_cached_one_byte_for_byte(
    settled: Path, cli: Callable[..., Run], fmt: str
) -> None:
    """The answer of a warm run reads exactly as the per-file cache's (violations included)."""
    shutil.copy(CORPUS / "bad_cassettes" / "type_changed.yaml", settled / "cassettes")
    cli("check")
    warm = cli("check", "--format", fmt)
    (settled / WARM).unlink()
    per_file = cli("check", "--format", fmt)
    assert (warm.code, warm.out, warm.err) == (per_file.code, per_file.out, per_file.err)


def _edit_schema(root: Path) -> None:
    """A same-size edit of a schema, its mtime put back."""
    schema = root / "schemas" / "github" / "common.schema.json"
    old = schema.stat()
    text = schema.read_text()
    assert '"minimum": 0}' in text
    schema.write_text(text.replace('"minimum": 0}', '"minimum": 9}', 1))
    os.utime(schema, ns=(old.st_atime_ns, old.st_mtime_ns))


def _edit_contracts(root: Path) -> None:
    contracts = root / "schemas" / "contracts.toml"
    contracts.write_text(contracts.read_text().replace('"github.user"', '"github.person"'))


def _add_schema(root: Path) -> None:
    (root / "schemas" / "github" / "extra.schema.json").write_text('{"type": "object"}')


def _remove_cassette(root: Path) -> None:
    (root / "cassettes" / "ntfy" / "publish.yaml").unlink()


CHANGES = [_edit_schema, _edit_contracts, _add_schema, _remove_cassette]


@pytest.mark.parametrize("change", CHANGES, ids=lambda f: f.__name__)
def test_warm_answer_is_not_used_after_a_change(
    settled: Path, cli: Callable[..., Run], loads: list[Path], change: Callable[[Path], None]
) -> None:
    """Any change to a schema, contracts.toml or the set of files checks as usual."""
    cli("check")
    change(settled)
    run = cli("check", "--format", "json")
    (settled / ".cassette-contracts").rename(settled / "old-cache")
    fresh = cli("check", "--format", "json")
    assert len(loads) == 3
    assert {**_json(run), "cached_files": 0} == _json(fresh)


def test_warm_answer_is_not_used_after_a_harness_change(
    settled: Path, cli: Callable[..., Run], loads: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Editing a harness source checks as usual: the code that checks is an input too."""
    source = settled / "harness.py"
    source.write_text("ANSWER = 1\n")
    sources = [*cache._harness_sources(), source]
    monkeypatch.setattr(cache, "_harness_sources", lambda: sources)
    cache._harness_version.cache_clear()
    try:
        cli("check")
        cli("check")
        assert len(loads) == 1  # the warm answer, before the change
        source.write_text("ANSWER = 2\n")
        cache._harness_version.cache_clear()  # a new process reads the sources again
        cli("check")
        assert len(loads) == 2
    finally:
        cache._harness_version.cache_clear()


def test_warm_answer_is_per_working_folder(
    settled: Path, cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Violations name cassettes relative to the working folder: another folder, another key."""
    shutil.copy(CORPUS / "bad_cassettes" / "type_changed.yaml", settled / "cassettes")
    absolute = ("check", str(settled / "cassettes"), "--schemas", str(settled / "schemas"))
    options = ("--cache-dir", str(settled / "cache"))
    cli(*absolute, *options)
    monkeypatch.chdir(settled.parent)
    warm = cli(*absolute, *options, "--format", "json")
    fresh = cli(*absolute, "--no-cache", "--format", "json")
    assert _json(warm)["violations"] == _json(fresh)["violations"]
    assert _json(warm)["violations"][0]["cassette"] == "project/cassettes/type_changed.yaml"


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
def test_input_error_is_never_cached(settled: Path, cli: Callable[..., Run], name: str) -> None:
    """A cassette that cannot be read is reported the same way on every run, never cached."""
    target = settled / "cassettes" / name
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


# `check` in its own process with the cache's clock two seconds ahead (as ``settled``): the
# format checkers jsonschema uses are decided when it is imported.
_SETTLED_CHECK = """\
import sys, time
from cassette_contracts.checking import cache
cache._now_ns = lambda: time.time_ns() + 2_000_000_000
from cassette_contracts.cli import main
sys.exit(main(["check"]))
"""


def test_a_changed_format_library_is_checked_again(project: Path, tmp_path: Path) -> None:
    """A run after the date-time checker changed (here: a permissive stand-in on the path,
    then the real one) checks again: neither kept answer holds for another checker."""
    user = project / "cassettes" / "github" / "user.yaml"
    user.write_text(user.read_text().replace("06:10:06Z", "06:10:06Q"))
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "rfc3339_validator.py").write_text("def validate_rfc3339(value):\n    return True\n")
    environment = {**os.environ, "PYTHONPATH": str(shim)}

    def check() -> int:
        command = [sys.executable, "-c", _SETTLED_CHECK]
        return subprocess.run(command, env=environment, capture_output=True).returncode

    assert (check(), check()) == (0, 0)  # the stand-in takes any date-time: kept
    (shim / "rfc3339_validator.py").unlink()
    assert check() == 1


def test_library_replaced_while_checking_keeps_no_answer(
    settled: Path, cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A library whose file changed since the process started (an upgrade while a run
    checks) keeps no warm answer: the run used the library it had imported."""
    start = cache._libraries_at_start()
    assert start is not None
    module, origin, _ = start[0]
    monkeypatch.setattr(
        cache, "_libraries_at_start", lambda: ((module, origin, (0,) * 4), *start[1:])
    )
    assert cli("check").code == 0
    assert not (settled / WARM).exists()
