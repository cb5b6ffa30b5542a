"""``init`` on real cassettes other projects wrote (``tests/data/vcr_cassettes/``, provenance in
its PROVENANCE.md): tweepy's (many endpoints, gzip ``!!binary`` bodies, YAML and vcrpy's JSON
serializer) and simonw/llm's (OpenAI server-sent events). The contracts ``init`` writes hold on
the cassettes they came from, and still break when a pinned field changes type."""

from __future__ import annotations

import gzip
import io
import json
import shutil
from pathlib import Path

import pytest
import yaml

from cassette_contracts.cassettes.load import load_cassette
from cassette_contracts.cli import main
from cassette_contracts.contracts.mapping import ContractMap

from ..conftest import read_yaml

REAL = Path(__file__).resolve().parents[1] / "data" / "vcr_cassettes"
TWEET_USER = "tweepy/test_client_get_user.yaml"  # GET /2/users/by/username/Twitter, gzip
STREAM = "simonw-llm/test_tools_streaming/test_tools_streaming_variant_a.yaml"  # SSE chunks


def run(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out, err)
    return code, out.getvalue() + err.getvalue()


@pytest.fixture(scope="module")
def adopted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the real cassettes with the schemas ``init`` wrote for them."""
    root = tmp_path_factory.mktemp("adopter")
    shutil.copytree(REAL, root / "cassettes", ignore=shutil.ignore_patterns("*.md", "LICENSE"))
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        code, output = run("init", "cassettes", "--schemas", "schemas")
    assert code == 0, output
    return root


@pytest.fixture
def inside(adopted: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(adopted)
    return adopted


def test_init_then_check_passes(inside: Path) -> None:
    """init writes contracts for all 262 interactions of the 152 real cassettes; check exits 0."""
    code, output = run("check", "cassettes", "--schemas", "schemas")
    assert code == 0, output
    assert "152 cassette(s), 262 interaction(s): 0 violation(s)" in output


def test_every_kind_of_real_body_has_its_contract(inside: Path) -> None:
    """gzip JSON is read as JSON (never binary), 204s are empty, SSE streams event-stream."""
    contracts = ContractMap.load("schemas/contracts.toml")
    for cassette, kind in [
        (TWEET_USER, "json"),
        ("tweepy/test_api_indicate_direct_message_typing.yaml", "empty"),  # 204
        (STREAM, "event-stream"),
    ]:
        interaction = load_cassette(inside / "cassettes" / cassette).interactions[-1]
        assert contracts.match(interaction).body == kind, cassette
    assert {c.body for c in contracts.contracts} == {"json", "empty", "event-stream"}


def test_a_retyped_field_in_a_gzip_body_breaks_check(inside: Path, tmp_path: Path) -> None:
    """`$.data.id` (a string in every recorded user; pinned as string, null let through below
    30 samples) sent as a number in one gzip `!!binary` body breaks check, naming it."""
    document = read_yaml((inside / "cassettes" / TWEET_USER).read_bytes())
    body = document["interactions"][0]["response"]["body"]
    payload = json.loads(gzip.decompress(body["string"]))
    payload["data"]["id"] = int(payload["data"]["id"])
    body["string"] = gzip.compress(json.dumps(payload).encode())
    edited = tmp_path / "get_user.yaml"
    edited.write_text(yaml.safe_dump(document), encoding="utf-8")
    assert load_cassette(edited).interactions[0].response_body.startswith(b"\x1f\x8b")
    code, output = run("check", str(edited), "--schemas", "schemas")
    assert code == 1, output
    assert "$.data.id" in output
    assert "1 violation(s)" in output


def test_a_retyped_field_in_an_sse_event_breaks_check(inside: Path, tmp_path: Path) -> None:
    """`$.created` (an integer in every recorded chunk; integers are never widened) sent as a
    string in the second event of one stream breaks check, naming the field and the event."""
    text = (inside / "cassettes" / STREAM).read_text(encoding="utf-8")
    created = '"created":1753242299'
    first = text.index(created)
    second = text.index(created, first + 1)
    edited = tmp_path / "stream.yaml"
    edited.write_text(
        text[:second] + '"created":"1753242299"' + text[second + len(created) :],
        encoding="utf-8",
    )
    code, output = run("check", str(edited), "--schemas", "schemas")
    assert code == 1, output
    assert "$.created of event 1" in output
