"""scan() on real cassettes of other projects: every finding is a real secret-looking value,
or a paging cursor removed by a documented allowlist entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from cassette_contracts.recording.scan import scan
from cassette_contracts.recording.scrub import Scrubber

from ..conftest import read_yaml

DATA = Path(__file__).parent / "data" / "vcr_cassettes"

#: Twitter API v2 paging cursors: random-looking, under a "*_token" name, not credentials.
ALLOW = {
    "$.meta.next_token": "Twitter API v2 paging cursor",
    "$.meta.previous_token": "Twitter API v2 paging cursor",
}

COMPLIANCE = "tweepy/test_client_create_and_get_compliance_job_and_jobs.yaml"
SIGNED = "high-entropy-secret"

#: (file, kind, where) of every finding left with the allowlist, and why each is real:
#: X-Goog-Signature is the credential of a signed Cloud Storage URL (anyone holding the URL can
#: upload or download until it expires); rate_limit_context.access_token is the user access
#: token tweepy's recording leaked; the geo search result token is a random value under the
#: name "token", which nothing distinguishes from a credential.
EXPECTED = sorted(
    [
        *(
            (
                COMPLIANCE,
                SIGNED,
                f"interaction {ix} response body {path} query parameter X-Goog-Signature",
            )
            for ix, paths in (
                (0, ("$.data.download_url", "$.data.upload_url")),
                (1, ("$.data.download_url", "$.data.upload_url")),
                (
                    2,
                    (
                        "$.data[0].download_url",
                        "$.data[0].upload_url",
                        "$.data[1].download_url",
                        "$.data[1].upload_url",
                    ),
                ),
            )
            for path in paths
        ),
        ("tweepy/testgeoapis.json", SIGNED, "interaction 0 response body $.result.token"),
        (
            "tweepy/testratelimitstatus.json",
            SIGNED,
            "interaction 0 response body $.rate_limit_context.access_token",
        ),
    ]
)


def found(allow: dict[str, str] | None) -> list[tuple[str, str, str]]:
    return sorted(
        (f.file.relative_to(DATA).as_posix(), f.kind, f.where) for f in scan([DATA], allow=allow)
    )


def test_real_cassettes_give_only_real_secret_looking_values() -> None:
    """With the paging cursors allowlisted, what is left are signed-URL signatures and tokens."""
    assert found(ALLOW) == EXPECTED


def test_paging_cursors_are_findings_without_the_allowlist() -> None:
    """The allowlist is what removes the cursors: 5 more findings without it."""
    extra = sorted(set(found(None)) - set(EXPECTED))
    assert sorted(where.rsplit(" ", 1)[-1] for _, _, where in extra) == [
        "$.meta.next_token",
        "$.meta.next_token",
        "$.meta.next_token",
        "$.meta.previous_token",
        "$.meta.previous_token",
    ]


def test_openai_cassettes_with_rate_limit_token_counts_are_clean() -> None:
    """x-ratelimit-*-tokens headers are counts, encrypted reasoning is not a credential."""
    assert scan([DATA / "simonw-llm"]) == []


def test_gzip_binary_bodies_are_read_decoded() -> None:
    """The signatures above sit in gzip !!binary bodies: scan read them decoded."""
    text = (DATA / COMPLIANCE).read_text()
    assert "!!binary" in text
    assert "X-Goog-Signature" not in text


ROOT = Path(__file__).resolve().parents[2]
COMMITTED = sorted((ROOT / "cassettes").rglob("*.yaml"))


def test_committed_cassettes_have_no_finding() -> None:
    """The repository's own cassettes (real recordings) are clean: 0 findings."""
    assert scan([ROOT / "cassettes"]) == []


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_scrubber_leaves_committed_recordings_unchanged(path: Path) -> None:
    """Scrubbing a clean real recording again changes no URI, header or body: no false
    positive (CORS ``Access-Control-Allow-Credentials: true``, ETags, node ids, SHAs)."""
    scrubber = Scrubber()
    for item in read_yaml(path.read_text(encoding="utf-8"))["interactions"]:
        request, response = item["request"], item["response"]
        assert scrubber.scrub_uri(request["uri"]) == request["uri"]
        for side in (request, response):
            for name, values in side["headers"].items():
                assert [scrubber.scrub_header(name, v) for v in values] == values, name
        body = response["body"]["string"].encode()
        content_type = response["headers"].get("Content-Type", [""])[0]
        assert scrubber.scrub_body(body, content_type) is body
