"""The committed cassettes: plain vcrpy loads them, they carry provenance, and they hold the
real data they say they were built from (``tests/data/realdata/``)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import vcr
from vcr.cassette import Cassette
from vcr.serialize import deserialize
from vcr.serializers import yamlserializer

from ..conftest import REAL_UPSTREAM_CONFIG

REPO = Path(__file__).resolve().parents[2]
CASSETTES = REPO / "cassettes"
REALDATA = REPO / "tests" / "data" / "realdata"
ALL_CASSETTES = sorted(p for p in CASSETTES.rglob("*") if p.suffix in {".yaml", ".yml"})

#: The names agreed with the client tests.
AGREED = {
    "github/user_jacquev6",
    "github/user_yurinnick",
    "github/user_not_found",
    "github/repo_pygithub",
    "github/repo_qiskit_qec",
    "github/repo_not_found",
    "github/repo_rate_limited",
    "github/repo_rate_limit_exhausted",
    "github/user_repos_kohsuke",
    "jsonplaceholder/user_1",
    "jsonplaceholder/todos_user_1",
    "jsonplaceholder/user_not_found",
    "notifications/publish",
    "notifications/publish_urgent",
}

#: Single-interaction GitHub cassettes and the real recording each replays.
GITHUB_SOURCES = {
    "github/user_jacquev6": "github/users_get/pygithub_20250103_1",
    "github/user_yurinnick": "github/users_get/pygithub_20230515_1",
    "github/user_not_found": "github/_non2xx/users_get/pygithub_20201012_1",
    "github/repo_pygithub": "github/repos_get/pygithub_20260424_2",
    "github/repo_qiskit_qec": "github/repos_get/github3py_20250909_1",
    "github/repo_not_found": "github/_non2xx/repos_get/hub4j_20241220_1",
    "github/repo_rate_limited": "github/_non2xx/repos_get/hub4j_20241009_1",
    "github/repo_rate_limit_exhausted": "github/_non2xx/repos_get/hub4j_20241010_1",
}
REAL_HOSTS = {"api.github.com", "jsonplaceholder.typicode.com", "ntfy.sh"}


def _name(path: Path) -> str:
    return path.relative_to(CASSETTES).with_suffix("").as_posix()


def _load(name: str) -> tuple[list[Any], list[dict[str, Any]], dict[str, Any]]:
    text = (CASSETTES / f"{name}.yaml").read_text(encoding="utf-8")
    requests_, responses, *metadata = deserialize(text, yamlserializer)
    return requests_, responses, metadata[0] if metadata else {}


def _body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"]["string"])


def _header(response: dict[str, Any], name: str) -> list[str]:
    return [v for k, vs in response["headers"].items() if k.lower() == name.lower() for v in vs]


def _meta(rel: str) -> dict[str, Any]:
    meta: dict[str, Any] = json.loads((REALDATA / f"{rel}.meta.json").read_text(encoding="utf-8"))
    return meta


def _recorded_at(rel: str) -> datetime:
    stamp = _meta(rel)["recorded_at"]
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


cassette_files = pytest.mark.parametrize("path", ALL_CASSETTES, ids=_name)


def test_every_agreed_cassette_is_committed() -> None:
    """Each cassette name agreed with the client tests exists, and there are no strays."""
    assert {_name(p) for p in ALL_CASSETTES} == AGREED


@cassette_files
def test_plain_vcrpy_deserializes_it_with_provenance_metadata(path: Path) -> None:
    """``vcr.serialize.deserialize`` reads interactions and a ``provenance`` mapping."""
    requests_, responses, metadata = _load(_name(path))
    assert requests_
    assert len(requests_) == len(responses)
    provenance = metadata["provenance"]
    required = {"kind", "source_project", "source_file", "source_commit", "recorded_at"}
    assert required <= provenance.keys()
    assert provenance["source_project"]
    conversion = provenance["conversion"]
    assert {"tool", "vcrpy", "local_server", "host_rewrite", "edits"} <= conversion.keys()
    assert conversion["vcrpy"] == vcr.__version__


@cassette_files
def test_cassette_load_returns_the_provenance(path: Path) -> None:
    """``Cassette.load`` in record mode none exposes the provenance through get_metadata."""
    cassette = Cassette.load(path=str(path), record_mode="none")
    assert len(cassette) >= 1
    assert cassette.get_metadata("provenance", None)["conversion"]["tool"] == (
        "tools/build_cassettes.py"
    )


@cassette_files
def test_requests_and_url_headers_name_the_real_host(path: Path) -> None:
    """No recorded URI, ``Link`` or ``Location`` points at the local recording server."""
    requests_, responses, _ = _load(_name(path))
    assert {urlsplit(r.uri).hostname for r in requests_} <= REAL_HOSTS
    for response in responses:
        for value in _header(response, "Link") + _header(response, "Location"):
            assert "127.0.0.1" not in value
            assert "localhost" not in value


@cassette_files
def test_bodies_are_stored_as_readable_json_text(path: Path) -> None:
    """Every body is stored as decoded text (no ``!!binary``, no gzip) that parses as JSON."""
    raw = yamlserializer.deserialize(path.read_text(encoding="utf-8"))
    for interaction in raw["interactions"]:
        response = interaction["response"]
        assert isinstance(response["body"]["string"], str)
        assert not _header(response, "Content-Encoding")
        json.loads(response["body"]["string"])


@cassette_files
def test_no_wiremock_template_is_left_in_a_header(path: Path) -> None:
    """Header values are what the real service sends, not ``{{now ...}}`` templates."""
    _, responses, _ = _load(_name(path))
    values = [v for response in responses for vs in response["headers"].values() for v in vs]
    assert not [v for v in values if "{{" in v]


@cassette_files
def test_a_cassette_of_several_interactions_has_provenance_for_each(path: Path) -> None:
    """With several interactions, ``provenance.interactions`` describes each, in order."""
    requests_, _, metadata = _load(_name(path))
    if len(requests_) == 1:
        assert "interactions" not in metadata["provenance"]
        return
    described = [entry["request"] for entry in metadata["provenance"]["interactions"]]
    assert described == [f"{r.method} {r.uri}" for r in requests_]


@pytest.mark.parametrize(("name", "rel"), sorted(GITHUB_SOURCES.items()))
def test_github_cassette_replays_its_real_recording(name: str, rel: str) -> None:
    """Request, status and body JSON are the real recording's; the provenance names it."""
    requests_, responses, metadata = _load(name)
    meta = _meta(rel)
    body = json.loads((REALDATA / f"{rel}.json").read_bytes())
    assert [f"{r.method} {r.uri}" for r in requests_] == [f"{meta['method']} {meta['url']}"]
    assert responses[0]["status"]["code"] == meta["status"]
    assert _body(responses[0]) == body
    provenance = metadata["provenance"]
    assert (
        provenance["source_project"],
        provenance["source_file"],
        provenance["source_commit"],
    ) == (
        meta["source_repo"],
        meta["file_path"],
        meta["commit"],
    )
    assert provenance["recorded_at"] == meta["recorded_at"]


@pytest.mark.parametrize(("name", "rel"), sorted(GITHUB_SOURCES.items()))
def test_github_headers_are_the_recorded_ones_minus_encoding(name: str, rel: str) -> None:
    """Header names are the recording's, less Content-Encoding/Transfer-Encoding/Length."""
    _, responses, _ = _load(name)
    dropped = {"content-encoding", "transfer-encoding", "content-length"}
    recorded = [k for k, _ in _meta(rel)["response_headers"] if k.lower() not in dropped]
    assert sorted(responses[0]["headers"]) == sorted(set(recorded))


def test_retry_after_is_the_template_rendered_at_recorded_at() -> None:
    """The 429's ``Retry-After`` is the recording time plus the template's 8 seconds."""
    _, responses, metadata = _load("github/repo_rate_limited")
    moment = _recorded_at(GITHUB_SOURCES["github/repo_rate_limited"]) + timedelta(seconds=8)
    assert _header(responses[0], "Retry-After") == [format_datetime(moment, usegmt=True)]
    assert any("Retry-After" in edit for edit in metadata["provenance"]["conversion"]["edits"])


def test_rate_limit_reset_is_epoch_seconds_at_recorded_at() -> None:
    """The exhausted 403 has ``X-RateLimit-Remaining: 0`` and a concrete epoch reset."""
    _, responses, metadata = _load("github/repo_rate_limit_exhausted")
    moment = _recorded_at(GITHUB_SOURCES["github/repo_rate_limit_exhausted"]) + timedelta(seconds=3)
    assert responses[0]["status"]["code"] == 403
    assert _header(responses[0], "X-RateLimit-Remaining") == ["0"]
    assert _header(responses[0], "X-RateLimit-Reset") == [str(int(moment.timestamp()))]
    assert any(
        "X-RateLimit-Reset" in edit for edit in metadata["provenance"]["conversion"]["edits"]
    )


def test_kohsuke_pages_hold_the_real_items_in_order() -> None:
    """The pages together are the 62 real repositories, unchanged, over at least 3 pages."""
    _, responses, _ = _load("github/user_repos_kohsuke")
    items = json.loads((REALDATA / "github/users_repos/hub4j_20191007_2.json").read_bytes())
    assert len(responses) >= 3
    assert [item for response in responses for item in _body(response)] == items


def test_kohsuke_link_headers_chain_the_pages_in_githubs_form() -> None:
    """Each page's ``rel="next"`` is the next request; the last page has none."""
    requests_, responses, metadata = _load("github/user_repos_kohsuke")
    assert requests_[0].uri == "https://api.github.com/users/kohsuke/repos?per_page=20"
    links = [requests.utils.parse_header_links(_header(r, "Link")[0]) for r in responses]
    nexts = [next((x["url"] for x in page if x["rel"] == "next"), None) for page in links]
    assert nexts == [r.uri for r in requests_[1:]] + [None]
    lasts = {x["url"] for page in links for x in page if x["rel"] == "last"}
    assert lasts == {requests_[-1].uri}
    assert "derived" in metadata["provenance"]["kind"]


def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (REALDATA / "jsonplaceholder" / "data.json").read_text(encoding="utf-8")
    )
    return data


def test_jsonplaceholder_user_1_is_the_data_file_entry() -> None:
    """``GET /users/1`` answers the first user of data.json."""
    _, responses, _ = _load("jsonplaceholder/user_1")
    assert _body(responses[0]) == next(u for u in _data()["users"] if u["id"] == 1)


def test_jsonplaceholder_todos_are_user_1s_todos_of_the_data_file() -> None:
    """``GET /todos?userId=1`` answers every todo of user 1, completed or not."""
    requests_, responses, _ = _load("jsonplaceholder/todos_user_1")
    assert requests_[0].uri == "https://jsonplaceholder.typicode.com/todos?userId=1"
    assert _body(responses[0]) == [t for t in _data()["todos"] if t["userId"] == 1]


def test_jsonplaceholder_unknown_user_is_json_servers_empty_404() -> None:
    """``GET /users/999`` is json-server's 404 with the body ``{}``."""
    _, responses, _ = _load("jsonplaceholder/user_not_found")
    assert (responses[0]["status"]["code"], _body(responses[0])) == (404, {})


@pytest.mark.parametrize(("name", "priority"), [("publish", 3), ("publish_urgent", 4)])
def test_ntfy_cassettes_echo_the_request_and_cite_the_documentation(
    name: str, priority: int
) -> None:
    """The POST's topic/message/priority come back in ntfy's documented message JSON."""
    requests_, responses, metadata = _load(f"notifications/{name}")
    sent = json.loads(requests_[0].body)
    answer = _body(responses[0])
    assert (requests_[0].method, requests_[0].uri, sent["priority"]) == (
        "POST",
        "https://ntfy.sh/",
        priority,
    )
    assert {k: answer[k] for k in ("topic", "message", "priority")} == {
        k: sent[k] for k in ("topic", "message", "priority")
    }
    assert {"id", "time", "expires", "event"} <= answer.keys()
    assert "documentation" in metadata["provenance"]["kind"]
    assert metadata["provenance"]["source_page"].startswith("https://docs.ntfy.sh/")


def _replay(name: str, call: Any) -> Any:
    with vcr.use_cassette(str(CASSETTES / f"{name}.yaml"), record_mode="none"):
        return call()


@pytest.fixture
def real_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    """The clients talk to their real default URLs, without tokens or rate-limit waits."""
    for variable in REAL_UPSTREAM_CONFIG:
        monkeypatch.delenv(variable, raising=False)


@pytest.mark.usefixtures("real_urls")
def test_the_github_client_replays_the_cassettes_at_the_real_url() -> None:
    """Pointed at api.github.com, the client replays users, repos and all pages."""
    from api_clients.github import GitHubClient

    gh = GitHubClient(max_rate_limit_wait=0)
    assert _replay("github/user_jacquev6", lambda: gh.get_user("jacquev6"))["bio"] is None
    repo = _replay("github/repo_pygithub", lambda: gh.get_repo("PyGithub", "PyGithub"))
    assert repo["stargazers_count"] == 7701
    repos = _replay("github/user_repos_kohsuke", lambda: gh.list_user_repos("kohsuke", 20))
    assert len(repos) == 62


@pytest.mark.usefixtures("real_urls")
@pytest.mark.parametrize(
    ("name", "owner", "repo", "error"),
    [
        ("github/repo_not_found", "Alaurant", "test-message", "NotFoundError"),
        (
            "github/repo_rate_limited",
            "hub4j-test-org",
            "temp-testHandler_Wait_Secondary_Limits_Too_Many_Requests_Date_Retry_After_Missing_Date_Header",
            "RateLimitedError",
        ),
        (
            "github/repo_rate_limit_exhausted",
            "hub4j-test-org",
            "temp-testHandler_Wait_Missing_Date_Header",
            "RateLimitedError",
        ),
    ],
)
def test_the_github_client_replays_the_error_cassettes(
    name: str, owner: str, repo: str, error: str
) -> None:
    """The recorded 404/429/403 replay as the client's own errors."""
    from api_clients import errors
    from api_clients.github import GitHubClient

    gh = GitHubClient(max_rate_limit_wait=0)
    with pytest.raises(getattr(errors, error)):
        _replay(name, lambda: gh.get_repo(owner, repo))


@pytest.mark.usefixtures("real_urls")
def test_the_jsonplaceholder_and_ntfy_clients_replay_their_cassettes() -> None:
    """The JSONPlaceholder and ntfy clients replay at their real default URLs."""
    from api_clients.jsonplaceholder import JSONPlaceholderClient
    from api_clients.notifications import NtfyClient

    jp = JSONPlaceholderClient()
    assert _replay("jsonplaceholder/user_1", lambda: jp.get_user(1))["id"] == 1
    todos = _replay("jsonplaceholder/todos_user_1", lambda: jp.fetch_todos(1))
    assert todos
    assert all(t["completed"] is False for t in todos)
    ntfy = NtfyClient()
    sent = _replay(
        "notifications/publish_urgent",
        lambda: ntfy.send_notification(
            "alice@example.com", "Disk usage on db-1 is above 95%", True
        ),
    )
    assert (sent["event"], sent["priority"]) == ("message", 4)
