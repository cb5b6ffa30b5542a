"""A failed re-record keeps its staging folder, but never a secret in the logs it keeps."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cassette_contracts.recording.rerecord import rerecord
from cassette_contracts.settings import Settings

from .upstream import Upstream

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1", "localhost"])

#: Made up for this test, shaped like an AWS access key id (found by value).
AWS_KEY_ID = "AKIA" + "R7TQ2XKM9WLZ4NPB"
#: Made up for this test: a literal secret, known only as the value of a secret variable.
PARTNER_TOKEN = "partner-" + "lake-5521-north"

LEAKY_TEST = f'''
import os

from api_clients.github import GitHubProfile

from .conftest import replay

CLIENT = "github"


@replay("user_yurinnick")
def test_leaky_assertion() -> None:
    """Fails, printing a planted secret and the partner token in its assertion."""
    profile = GitHubProfile("yurinnick").fetch()
    assert "{AWS_KEY_ID} " + os.environ["PARTNER_API_TOKEN"] == profile.data["login"]
'''


def test_kept_logs_hold_no_secret(project: Path, settings: Settings, upstream: Upstream) -> None:
    """A client test failing while recording: exit 1, staging kept, no secret in any file."""
    (project / "tests" / "clients" / "test_leaky.py").write_text(LEAKY_TEST)
    env = {**os.environ, **upstream.environ(), "PARTNER_API_TOKEN": PARTNER_TOKEN}
    outcome = rerecord(
        settings, only="test_leaky_assertion", env=env, staging_root=project / ".staging"
    )
    assert outcome.exit_code == 1, outcome.summary()
    assert outcome.staging.is_dir()
    kept = [p for p in outcome.staging.rglob("*") if p.is_file()]
    assert any(p.name == "pytest.log" for p in kept)
    for path in kept:
        data = path.read_bytes()
        assert AWS_KEY_ID.encode() not in data, path
        assert PARTNER_TOKEN.encode() not in data, path
        # nor a fragment of one: pytest shortens long values in assertion messages
        # ('AKIAR7TQ2XKM...ke-5521-north'), which no detector recognises any more
        assert AWS_KEY_ID[:12].encode() not in data, path
        assert PARTNER_TOKEN[-10:].encode() not in data, path
    assert AWS_KEY_ID not in outcome.summary()
    assert PARTNER_TOKEN not in outcome.summary()
