"""Shared helpers of the contract-coverage tests: a fresh recorder and the real payloads."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from cassette_contracts.coverage.reads import ReadRecorder

DATA = Path(__file__).resolve().parent / "data"


def here() -> int:
    """The line number of the caller (to name the line a read happens on)."""
    return sys._getframe(1).f_lineno


def real_payload(name: str) -> Any:
    """A real GitHub response body from ``data/`` (see PROVENANCE.md), decoded."""
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def recorder() -> ReadRecorder:
    return ReadRecorder()


@pytest.fixture
def user() -> Any:
    return real_payload("users_get_pygithub_20250103_1")


@pytest.fixture
def repo() -> Any:
    return real_payload("repos_get_github3py_20250905_1")
