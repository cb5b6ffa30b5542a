"""Fixtures of the ``init`` tests: real GitHub recordings, cassettes written from them, and a
working folder with no pyproject.toml (the in-process ``cli`` fixture is the suite's own)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ..conftest import dump_yaml

GITHUB = Path(__file__).resolve().parents[1] / "data" / "realdata" / "github"


@dataclass(frozen=True)
class Sample:
    """One real recording: its name, ``.meta.json`` and parsed body."""

    name: str
    meta: dict[str, Any]
    body: Any

    @property
    def recorded_at(self) -> str:
        return str(self.meta["recorded_at"])


@pytest.fixture
def github_samples() -> Callable[[str], list[Sample]]:
    """The 200 recordings of ``tests/data/realdata/github/<endpoint>``, oldest first."""

    def load(endpoint: str) -> list[Sample]:
        samples = []
        for meta_path in sorted((GITHUB / endpoint).glob("*.meta.json")):
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            body_path = meta_path.with_name(meta_path.name.replace(".meta.json", ".json"))
            body = json.loads(body_path.read_bytes())
            if meta["status"] == 200:
                samples.append(Sample(body_path.stem, meta, body))
        return sorted(samples, key=lambda s: (s.recorded_at, s.name))

    return load


Recorded = tuple[str, str, int, Any]  # method, URL, status, body (JSON value, bytes or str)


def _interaction(method: str, uri: str, status: int, body: Any, content_type: str) -> Any:
    if isinstance(body, bytes):
        string: Any = body
    elif isinstance(body, str):
        string = body
    else:
        string = json.dumps(body)
    headers = {"Content-Type": [content_type]} if content_type else {}
    return {
        "request": {"method": method, "uri": uri, "body": None, "headers": {}},
        "response": {
            "status": {"code": status, "message": "OK"},
            "headers": headers,
            "body": {"string": string},
        },
    }


@pytest.fixture
def write_cassette() -> Callable[..., Path]:
    """Write a vcrpy cassette of ``(method, url, status, body)`` interactions to ``path``."""

    def write(
        path: Path, interactions: Sequence[Recorded], content_type: str = "application/json"
    ) -> Path:
        data = {
            "version": 1,
            "interactions": [_interaction(*each, content_type) for each in interactions],
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_yaml(data, sort_keys=False), encoding="utf-8")
        return path

    return write


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder with no pyproject.toml in it or above it."""
    root = tmp_path / "adopter"
    root.mkdir()
    monkeypatch.chdir(root)
    assert not any((p / "pyproject.toml").exists() for p in (root, *root.parents))
    return root
