"""The schema verdict cache: a schema file whose exact content passed the meta-schema check is
not checked again (across processes with a cache folder, within one process always); a failure
is never remembered."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cassette_contracts.contracts import registry as registry_module
from cassette_contracts.contracts.registry import SchemaRegistry

GOOD = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"}
BROKEN = {"type": "objekt"}


class _CountingMeta:
    """Stands in for the meta-schema validator, counting the schemas it checks."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.checked = 0

    def iter_errors(self, schema: Any) -> Iterator[Any]:
        self.checked += 1
        return iter(list(self.real.iter_errors(schema)))


@pytest.fixture
def meta(monkeypatch: pytest.MonkeyPatch) -> _CountingMeta:
    """The counting validator, in a process that has checked no schema yet."""
    counting = _CountingMeta(registry_module._meta_validator())
    monkeypatch.setattr(registry_module, "_meta_validator", lambda: counting)
    monkeypatch.setattr(registry_module, "_PASSED_HERE", set())
    return counting


def _new_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget what this process checked, as the next command, a new process, would."""
    monkeypatch.setattr(registry_module, "_PASSED_HERE", set())


def _write(root: Path, schema: Any) -> None:
    root.mkdir(exist_ok=True)
    (root / "s.json").write_text(json.dumps(schema))


def test_a_schema_that_passed_is_not_checked_again(tmp_path: Path, meta: _CountingMeta) -> None:
    """The second load with the same cache skips the meta-schema check of an unchanged file."""
    _write(tmp_path / "schemas", GOOD)
    first = SchemaRegistry.load(tmp_path / "schemas", tmp_path / "cache")
    second = SchemaRegistry.load(tmp_path / "schemas", tmp_path / "cache")
    assert (first.names, second.names, meta.checked) == (["s.json"], ["s.json"], 1)


def test_a_schema_that_passed_is_not_checked_again_in_the_same_process(
    tmp_path: Path, meta: _CountingMeta
) -> None:
    """Without a cache folder, one process checks a content once, wherever the file is."""
    _write(tmp_path / "a", GOOD)
    _write(tmp_path / "b", GOOD)
    loaded = [SchemaRegistry.load(tmp_path / root).names for root in ("a", "b", "a")]
    assert (loaded, meta.checked) == ([["s.json"]] * 3, 1)


@pytest.mark.parametrize("cache", [True, False], ids=["cache", "no-cache"])
def test_a_broken_schema_is_reported_at_every_load_of_one_process(
    tmp_path: Path, meta: _CountingMeta, cache: bool
) -> None:
    """A failure is not remembered in the process either: each load checks and reports it."""
    _write(tmp_path / "schemas", BROKEN)
    for _ in range(2):
        registry = SchemaRegistry.load(tmp_path / "schemas", tmp_path / "cache" if cache else None)
        assert registry.broken == {"s.json"}
        assert "objekt" in registry.errors[0].message
    assert meta.checked == 2


def test_a_broken_schema_is_reported_every_time(tmp_path: Path, meta: _CountingMeta) -> None:
    """A failure is not remembered: every load checks the file again and reports it."""
    _write(tmp_path / "schemas", BROKEN)
    for _ in range(2):
        registry = SchemaRegistry.load(tmp_path / "schemas", tmp_path / "cache")
        assert registry.broken == {"s.json"}
    assert meta.checked == 2
    assert not (tmp_path / "cache" / "schema-verdicts").exists()


def test_a_changed_schema_is_checked_again(tmp_path: Path) -> None:
    """A file that passed and was then broken is reported: the verdict is of its content."""
    _write(tmp_path / "schemas", GOOD)
    SchemaRegistry.load(tmp_path / "schemas", tmp_path / "cache")
    _write(tmp_path / "schemas", BROKEN)
    registry = SchemaRegistry.load(tmp_path / "schemas", tmp_path / "cache")
    assert registry.broken == {"s.json"}


def test_a_cache_that_cannot_be_written_checks_every_time(
    tmp_path: Path, meta: _CountingMeta, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache dir that is a file: schemas load and are checked, no error."""
    _write(tmp_path / "schemas", GOOD)
    (tmp_path / "cache").write_text("not a folder")
    for _ in range(2):
        _new_process(monkeypatch)
        assert SchemaRegistry.load(tmp_path / "schemas", tmp_path / "cache").names == ["s.json"]
    assert meta.checked == 2


@pytest.fixture
def cross_checks(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The schema folders whose references and $ref cycles are checked, from here on."""
    checked: list[Path] = []
    original = registry_module._dangling_ref

    def spy(registry: Any, name: str, schema: Any, path: Path) -> Any:
        checked.append(path.parent)
        return original(registry, name, schema, path)

    monkeypatch.setattr(registry_module, "_dangling_ref", spy)
    return checked


def _write_set(root: Path, user_ref: str) -> None:
    root.mkdir(exist_ok=True)
    (root / "common.json").write_text(json.dumps({**GOOD, "$defs": {"login": {"type": "string"}}}))
    user = {**GOOD, "properties": {"login": {"$ref": user_ref}}}
    (root / "user.json").write_text(json.dumps(user))


def test_a_schema_set_that_passed_is_not_checked_across_files_again(
    tmp_path: Path, cross_checks: list[Path]
) -> None:
    """The references and cycles of an unchanged set that passed are not checked again, and
    its quick checks still follow its $ref."""
    _write_set(tmp_path / "schemas", "common.json#/$defs/login")
    for _ in range(2):
        registry = SchemaRegistry.load(tmp_path / "schemas", tmp_path / "cache")
        quick = registry.quick_check("user.json")
        assert quick is not None
        assert (quick({"login": "octo"}), quick({"login": 1})) == (True, False)
    assert cross_checks == [tmp_path / "schemas"] * 2  # both files, on the first load only


def test_a_schema_set_with_a_dangling_ref_is_reported_every_time(
    tmp_path: Path, cross_checks: list[Path]
) -> None:
    """A set that fails the checks across files is never remembered: each load reports it."""
    _write_set(tmp_path / "schemas", "common.json#/$defs/nobody")
    for _ in range(2):
        registry = SchemaRegistry.load(tmp_path / "schemas", tmp_path / "cache")
        assert registry.broken == {"user.json"}
        assert "does not resolve" in registry.errors[0].message


def test_a_changed_file_of_a_set_that_passed_is_checked_across_files(tmp_path: Path) -> None:
    """The set's verdict is of all its files' contents: a new dangling ref is reported."""
    _write_set(tmp_path / "schemas", "common.json#/$defs/login")
    assert SchemaRegistry.load(tmp_path / "schemas", tmp_path / "cache").broken == frozenset()
    _write_set(tmp_path / "schemas", "common.json#/$defs/nobody")
    assert SchemaRegistry.load(tmp_path / "schemas", tmp_path / "cache").broken == {"user.json"}
