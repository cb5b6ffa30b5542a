"""Fixtures of the body-kind contract tests: contracts written in a temporary schemas folder,
the CLI called in-process, and the real cassettes of ``tests/data``."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cassette_contracts import ContractMap, SchemaRegistry
from cassette_contracts.cli import main

DATA = Path(__file__).parents[1] / "data"
REAL = DATA / "vcr_cassettes"
SCHEMAS = DATA / "contracts_bodies" / "schemas"
CORPUS = Path(__file__).parents[1] / "data" / "corpus"


@dataclass(frozen=True)
class Run:
    """What one ``cassette-contracts`` command printed and returned."""

    code: int
    out: str
    err: str


@pytest.fixture
def body_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Run]:
    """Run ``cassette-contracts ARGS...`` in-process, in an empty working folder."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)

    def run(*args: str) -> Run:
        out, err = io.StringIO(), io.StringIO()
        code = main(list(args), out, err)
        return Run(code, out.getvalue(), err.getvalue())

    return run


Contracts = Callable[..., tuple[ContractMap, SchemaRegistry]]


@pytest.fixture
def contracts(tmp_path: Path) -> Contracts:
    """Write ``contracts.toml`` (and schema files by name) to a schemas folder and load them."""

    def write(toml: str, schemas: Mapping[str, Any] | None = None) -> tuple[ContractMap, Any]:
        folder = tmp_path / "schemas"
        folder.mkdir(exist_ok=True)
        (folder / "contracts.toml").write_text(toml)
        for name, schema in (schemas or {}).items():
            (folder / name).write_text(json.dumps(schema))
        return ContractMap.load(folder / "contracts.toml"), SchemaRegistry.load(folder)

    return write
