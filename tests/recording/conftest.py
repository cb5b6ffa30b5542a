"""Fixtures for re-recording against a local upstream: a copy of the project, and the server.

``project`` copies what a recording run needs (pyproject.toml, schemas/, cassettes/, the example
clients' package, the client tests and the suite conftest) into ``tmp_path``, so the committed
cassettes of the repository are never the ones a test records over. ``upstream`` serves the
copy's cassettes (real recordings, with provenance) from 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from cassette_contracts.settings import Settings, load_settings

from .upstream import SERVICES, Upstream, serving

ROOT = Path(__file__).resolve().parents[2]

#: The real services, for a pyproject.toml that does not list them yet.
UPSTREAMS_TABLE = "\n[tool.cassette_contracts.upstreams]\n" + "".join(
    f'{variable} = "{real}"\n' for variable, _, real in SERVICES
)


def tree_digest(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under ``folder``."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@contextlib.contextmanager
def repository_cassettes_untouched() -> Iterator[None]:
    """Asserts that the repository's own cassettes are byte-identical after the block."""
    before = tree_digest(ROOT / "cassettes")
    yield
    assert tree_digest(ROOT / "cassettes") == before


@pytest.fixture(autouse=True)
def _repository_cassettes_untouched() -> Iterator[None]:
    """Whatever a test records, the repository's own cassettes stay byte-identical.

    (A run shared by several tests, in a fixture of a wider scope, is set up before this one:
    such a fixture wraps its run in :func:`repository_cassettes_untouched` itself.)"""
    with repository_cassettes_untouched():
        yield


def copy_project(copy: Path) -> Path:
    """Copy what a recording run needs into the new folder ``copy`` (see :func:`project`)."""
    copy.mkdir()
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    if "[tool.cassette_contracts.upstreams]" not in pyproject:
        pyproject += UPSTREAMS_TABLE
    (copy / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    shutil.copytree(ROOT / "schemas", copy / "schemas")
    shutil.copytree(
        ROOT / "src" / "api_clients",
        copy / "src" / "api_clients",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copytree(ROOT / "cassettes", copy / "cassettes")
    (copy / "tests").mkdir()
    shutil.copyfile(ROOT / "tests" / "conftest.py", copy / "tests" / "conftest.py")
    shutil.copytree(
        ROOT / "tests" / "clients",
        copy / "tests" / "clients",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return copy


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project: pyproject.toml, schemas, cassettes, the client tests."""
    return copy_project(tmp_path / "project")


@pytest.fixture
def settings(project: Path) -> Settings:
    return load_settings(project)


@pytest.fixture
def committed(project: Path) -> dict[str, str]:
    """Digest of the copy's committed cassettes before the test records anything."""
    return tree_digest(project / "cassettes")


@pytest.fixture
def upstream(project: Path) -> Iterator[Upstream]:
    """The local upstream serving the copy's cassettes."""
    with serving(project / "cassettes") as server:
        yield server
