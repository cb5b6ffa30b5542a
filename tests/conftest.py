"""Suite-wide settings: replays run with record mode ``none`` and the network blocked
(see ``addopts`` in pyproject.toml); nothing here may reach beyond 127.0.0.1.

Also the fixtures of the harness tests: a small project copied from ``data/corpus/``, and the
CLI called in-process."""

from __future__ import annotations

import gc
import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

# Before any test module's `import jsonschema`: the product's own import of it, which leaves out
# rfc3987-syntax (its grammars take about 1.5 s to compile) until an `iri` value is checked, and
# keeps every format check. Otherwise every test process that collects tests/contracts or
# tests/init pays that import, whether or not it ever checks an `iri`.
import cassette_contracts.contracts.formats  # noqa: F401  # isort: skip
from cassette_contracts.cli import main

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "data" / "corpus"

#: libyaml's safe loader when PyYAML has it: the same documents as ``yaml.safe_load``, several
#: times faster on the large cassettes the tests read back (the recording tests read dozens).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(text: str | bytes) -> Any:
    """``yaml.safe_load(text)``, through libyaml when it is there."""
    return yaml.load(text, Loader=_SAFE_LOADER)


#: libyaml's safe dumper when PyYAML has it: the same data as ``yaml.safe_dump`` (and the same text
#: for the cassettes these tests write; libyaml folds some long quoted strings differently),
#: several times faster on the large documents some tests write (hundreds of interactions).
_SAFE_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def dump_yaml(data: Any, *, sort_keys: bool = True) -> str:
    """``yaml.safe_dump(data, sort_keys=sort_keys)``'s data, through libyaml when it is there."""
    text: str = yaml.dump(data, Dumper=_SAFE_DUMPER, sort_keys=sort_keys)
    return text


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection built (modules, test items, fixtures' definitions) lives to the end of
    the run: set aside from the cyclic garbage collector, whose full collections would walk it
    again and again. The suite's processes (the workers, and the recording runs of the project
    copies, which carry this conftest) spent about 15% of their CPU collecting garbage."""
    gc.freeze()


#: A developer's tokens and upstream overrides, which no replay may inherit.
REAL_UPSTREAM_CONFIG = (
    "GITHUB_TOKEN",
    "GITHUB_API_URL",
    "JSONPLACEHOLDER_URL",
    "NTFY_URL",
    "NTFY_TOPIC",
    "NTFY_TOKEN",
    "API_CLIENTS_MAX_RATE_LIMIT_WAIT",
    "API_CLIENTS_TIMEOUT",
)


@pytest.fixture(autouse=True)
def _no_real_upstream_config(monkeypatch: pytest.MonkeyPatch, pytestconfig: pytest.Config) -> None:
    """Replays never inherit a developer's tokens or upstream overrides from the environment.

    While recording (`cassette-contracts rerecord`) they are exactly what the run needs.
    """
    if (pytestconfig.getoption("--record-mode") or "none") != "none":
        return
    for name in REAL_UPSTREAM_CONFIG:
        monkeypatch.delenv(name, raising=False)


@dataclass(frozen=True)
class Run:
    """What one ``cassette-contracts`` command printed and returned."""

    code: int
    out: str
    err: str


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of ``data/corpus/project`` (pyproject, schemas, cassettes), as the working folder."""
    root = tmp_path / "project"
    shutil.copytree(CORPUS / "project", root)
    monkeypatch.chdir(root)
    return root


def run_cli(*args: str) -> Run:
    """Run ``cassette-contracts ARGS...`` in-process, in the current working folder."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out, err)
    return Run(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli() -> Callable[..., Run]:
    """Run ``cassette-contracts ARGS...`` in-process."""
    return run_cli
