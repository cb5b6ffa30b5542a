"""Suite-wide settings: replays run with record mode ``none`` and the network blocked
(see ``addopts`` in pyproject.toml); nothing here may reach beyond 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _no_real_upstream_config(monkeypatch: pytest.MonkeyPatch, pytestconfig: pytest.Config) -> None:
    """Replays never inherit a developer's tokens or upstream overrides from the environment.

    While recording (`cassette-contracts rerecord`) they are exactly what the run needs.
    """
    if (pytestconfig.getoption("--record-mode") or "none") != "none":
        return
    for name in (
        "GITHUB_TOKEN",
        "GITHUB_API_URL",
        "JSONPLACEHOLDER_URL",
        "NTFY_URL",
        "NTFY_TOPIC",
        "NTFY_TOKEN",
        "API_CLIENTS_MAX_RATE_LIMIT_WAIT",
    ):
        monkeypatch.delenv(name, raising=False)
