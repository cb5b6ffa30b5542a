"""Fixtures of the check tests."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cassette_contracts.checking import cache


@pytest.fixture
def settled(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project, with the cache's clock two seconds ahead: every file in it, cassettes,
    schemas and the harness, was last modified over a second ago."""
    monkeypatch.setattr(cache, "_now_ns", lambda: time.time_ns() + 2_000_000_000)
    return project
