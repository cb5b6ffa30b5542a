"""Fixtures of the harness tests: a small project copied from ``corpus/``, and the CLI
called in-process."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from cassette_contracts.cli import main

CORPUS = Path(__file__).parent / "corpus"


@dataclass(frozen=True)
class Run:
    """What one ``cassette-contracts`` command printed and returned."""

    code: int
    out: str
    err: str


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of ``corpus/project`` (pyproject, schemas, cassettes), made the working folder."""
    root = tmp_path / "project"
    shutil.copytree(CORPUS / "project", root)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def cli() -> Callable[..., Run]:
    """Run ``cassette-contracts ARGS...`` in-process."""

    def run(*args: str) -> Run:
        out, err = io.StringIO(), io.StringIO()
        code = main(list(args), out, err)
        return Run(code, out.getvalue(), err.getvalue())

    return run
