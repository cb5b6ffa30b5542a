"""rerecord() with the planted-secret corpus served by the local upstream: none of it reaches
the cassettes or the staging folder."""

from __future__ import annotations

import os
from typing import Any

import pytest

from cassette_contracts.recording.rerecord import rerecord
from cassette_contracts.settings import Settings

from .corpus import CORPUS, ENV, fill, leaks
from .upstream import Upstream

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1", "localhost"])

#: The client test whose one request (a user) carries the planted values back.
ONE_USER = "test_prolific_with_71_repos"
#: The corpus value the client sends as its token (Authorization header).
CLIENT_TOKEN = next(c.value for c in CORPUS if c.id == "github-ghp-query")


def plant(body: Any) -> Any:
    """Every response-JSON case of the corpus, under its id, in a dict body."""
    if isinstance(body, dict):
        return {
            **body,
            **{c.id: fill(c.template, c.value) for c in CORPUS if c.place == "resp_json"},
        }
    return body


def test_rerecord_writes_no_planted_value(settings: Settings, upstream: Upstream) -> None:
    """Planted in response headers (Location, Set-Cookie, custom), JSON bodies, the client's
    token and other secret variables: nothing under cassettes/ or .staging/ holds one, and
    the staging scan finds nothing left to stop the run."""
    upstream.edit = lambda url, body: plant(body)
    # Link is left out: the client follows rel="next", and the planted URL is not local.
    upstream.extra_headers = [
        (c.header, fill(c.template, c.value))
        for c in CORPUS
        if c.place == "resp_header" and c.header != "Link"
    ]
    env = {**os.environ, **upstream.environ(), **ENV, "GITHUB_TOKEN": CLIENT_TOKEN}
    outcome = rerecord(settings, only=ONE_USER, env=env, staging_root=settings.root / ".staging")
    assert outcome.recorded, outcome.summary()
    assert outcome.findings == []
    assert any(h.get("Authorization") for _, _, h in upstream.requests)
    written: dict[str, list[str]] = {}
    for root in (settings.cassettes, outcome.staging):
        for path in root.rglob("*") if root.is_dir() else ():
            if path.is_file():
                written[str(path)] = leaks(path.read_text(encoding="utf-8", errors="replace"))
    assert {p: ids for p, ids in written.items() if ids} == {}
    rel = next(iter(outcome.recorded))
    staged = outcome.staging / "cassettes" / rel
    recorded = (staged if staged.is_file() else settings.cassettes / rel).read_text()
    assert recorded.count("<REDACTED>") >= len([c for c in CORPUS if c.place == "resp_json"])
