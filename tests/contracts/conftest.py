"""Fixtures of the body-kind contract tests: contracts written in a temporary schemas folder,
the CLI called in-process, and the real cassettes of ``tests/data``."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from cassette_contracts import ContractMap, SchemaRegistry

from ..conftest import Run, run_cli

DATA = Path(__file__).parents[1] / "data"
REAL = DATA / "vcr_cassettes"
SCHEMAS = DATA / "contracts_bodies" / "schemas"
CORPUS = Path(__file__).parents[1] / "data" / "corpus"


@pytest.fixture
def body_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Run]:
    """Run ``cassette-contracts ARGS...`` in-process, in an empty working folder."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return run_cli


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
