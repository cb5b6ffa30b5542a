"""Cassette discovery: the files a user's paths name, sorted as paths sort."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cassette_contracts.cassettes.discover import (
    CASSETTE_SUFFIXES,
    cassette_files,
    iter_cassette_paths,
)
from cassette_contracts.cassettes.shapes import JSON_SUFFIXES
from cassette_contracts.errors import InputError

from ..conftest import Run

NAMES = ["a/b.yaml", "a-b.yaml", "a/b/c.yaml", "a.b/c.json", ".x/y.yml", "-.yaml", "b/a-b.yaml"]


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder holding cassettes whose names sort differently as text and as paths."""
    for name in NAMES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    "given",
    [["."], ["./"], ["a", "."], ["a/b.yaml", "b"], ["ABS"], ["ABS", "."], ["ABS/a", "a-b.yaml"]],
)
def test_files_are_spelled_and_sorted_as_paths(tree: Path, given: list[str]) -> None:
    """Each file is spelled as ``str(Path)`` spells it, once, in the order paths sort."""
    paths = [name.replace("ABS", str(tree)) for name in given]
    found = cassette_files(paths)
    assert found == [str(path) for path in sorted({Path(name) for name in found})]
    assert [Path(name) for name in found] == iter_cassette_paths(paths)
    if given == ["."]:
        assert found == [str(Path(name)) for name in sorted(NAMES, key=Path)]


def test_every_json_suffix_is_a_cassette_suffix() -> None:
    """Discovery spells the suffixes out (no YAML import); they include every JSON one."""
    assert set(JSON_SUFFIXES) <= set(CASSETTE_SUFFIXES)


@pytest.mark.parametrize(
    "name", ["x.yaml", "A.YML", "b.Json", ".yaml", "..yaml", "a..yaml", ".x.json", "c.txt", "yaml"]
)
def test_a_cassette_name_is_one_with_a_cassette_suffix(tmp_path: Path, name: str) -> None:
    """A folder's file is a cassette when ``os.path.splitext`` gives it a cassette suffix."""
    (tmp_path / name).write_text("")
    expected = os.path.splitext(name)[1].lower() in CASSETTE_SUFFIXES
    assert cassette_files([tmp_path]) == ([str(tmp_path / name)] if expected else [])


def test_a_folder_named_like_a_cassette_is_walked(tmp_path: Path) -> None:
    """A folder whose name ends in .yaml is a folder: the cassettes in it are found."""
    (tmp_path / "old.yaml").mkdir()
    (tmp_path / "old.yaml" / "user.yaml").write_text("")
    assert cassette_files([tmp_path]) == [str(tmp_path / "old.yaml" / "user.yaml")]


def test_a_folder_that_cannot_be_listed_is_an_input_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unreadable subfolder is not skipped in silence: its cassettes would go unchecked."""
    (tmp_path / "locked").mkdir()
    (tmp_path / "open.yaml").write_text("")
    listing = os.scandir

    def scandir(path: str) -> Any:
        if os.path.basename(path) == "locked":
            raise PermissionError(13, "Permission denied", path)
        return listing(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(InputError) as caught:
        cassette_files([tmp_path])
    assert (
        str(caught.value)
        == f"{tmp_path / 'locked'}: cannot list cassette folder: Permission denied"
    )


def test_a_dangling_link_named_like_a_cassette_is_listed(tmp_path: Path) -> None:
    """A broken symlink ``x.yaml`` is listed, so reading it reports it (never a silent skip)."""
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    assert cassette_files([tmp_path]) == [str(tmp_path / "gone.yaml")]


def test_a_looping_link_named_like_a_cassette_is_listed(tmp_path: Path) -> None:
    """A symlink ``x.yaml`` that points at itself is listed too: its type cannot be read."""
    (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop.yaml")
    assert cassette_files([tmp_path]) == [str(tmp_path / "loop.yaml")]


def test_check_reports_a_dangling_cassette_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., Run]
) -> None:
    """`check` on a folder with a broken cassette link: exit 2, one line naming the link."""
    (tmp_path / "cassettes").mkdir()
    (tmp_path / "cassettes" / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "contracts.toml").write_text("")
    monkeypatch.chdir(tmp_path)
    run = cli("check", "--no-cache")
    assert run.code == 2
    assert (
        "cassettes/gone.yaml: cannot read cassette: No such file or directory" in run.out + run.err
    )
