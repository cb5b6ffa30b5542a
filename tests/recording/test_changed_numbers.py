"""A re-record that brings new numbers promotes: the client tests assert the recorded payload
(``cassette_payload``), not the numbers of one recording."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from cassette_contracts.recording.rerecord import rerecord
from cassette_contracts.settings import Settings

from ..conftest import read_yaml
from .upstream import Upstream

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1", "localhost"])

#: The client tests that used to pin live values (7701 stars, "38 repos | 98 followers", ...).
CONVERTED = (
    "test_get_repo_stars_reads_stargazers_count or test_is_popular or "
    "test_is_not_popular_below_threshold or test_fetch_returns_self_and_summary or "
    "test_summary_falls_back_to_login or prolific or test_cache_serves_a_repeat_get or "
    "test_get_user_returns_the_user_dict"
)


def more(url: str, body: Any) -> Any:
    """Every count grows, as a live API's do between two recordings."""
    if isinstance(body, dict):
        for key in ("stargazers_count", "followers", "public_repos"):
            if isinstance(body.get(key), int):
                body[key] += 100
    return body


def recorded(path: Path) -> Any:
    (interaction,) = read_yaml(path.read_text(encoding="utf-8"))["interactions"]
    return json.loads(interaction["response"]["body"]["string"])


def test_new_stars_followers_and_repo_counts_promote_cleanly(
    settings: Settings, upstream: Upstream
) -> None:
    """Stars, followers and repository counts all changed upstream: the recording promotes."""
    before = recorded(settings.cassettes / "github/repo_pygithub.yaml")["stargazers_count"]
    upstream.edit = more
    outcome = rerecord(
        settings,
        only=CONVERTED,
        env={**os.environ, **upstream.environ()},
        staging_root=settings.root / ".staging",
    )
    assert outcome.exit_code == 0, outcome.summary()
    assert Path("github/repo_pygithub.yaml") in outcome.recorded
    after = recorded(settings.cassettes / "github/repo_pygithub.yaml")["stargazers_count"]
    assert after == before + 100
    user = recorded(settings.cassettes / "github/user_jacquev6.yaml")
    assert user["public_repos"] == 138
    assert user["followers"] == 198
