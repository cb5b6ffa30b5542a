"""The GitHub client, replayed from real recordings of api.github.com."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from api_clients import NotFoundError, RateLimitedError
from api_clients.github import (
    GitHubClient,
    GitHubProfile,
    GitHubProfileError,
    get_repo_stars,
    is_popular,
    list_user_repos,
)

from .conftest import frozen, loopback, replay

CLIENT = "github"
RATE_LIMITED_REPO = (
    "temp-testHandler_Wait_Secondary_Limits_Too_Many_Requests_Date_Retry_After_Missing_Date_Header"
)


PYGITHUB = "https://api.github.com/repos/PyGithub/PyGithub"
QISKIT_QEC = "https://api.github.com/repos/qiskit-community/qiskit-qec"


@replay("repo_pygithub")
def test_get_repo_stars_reads_stargazers_count(cassette_payload: Any) -> None:
    """get_repo_stars returns the recorded stargazers_count."""
    stars = get_repo_stars("PyGithub", "PyGithub")
    assert stars == cassette_payload("GET", PYGITHUB)["stargazers_count"]


@replay("repo_pygithub")
def test_is_popular_at_default_threshold(cassette_payload: Any) -> None:
    """The default threshold is 1000 stars, whatever the recorded count is."""
    popular = is_popular("PyGithub", "PyGithub")
    assert popular is (cassette_payload("GET", PYGITHUB)["stargazers_count"] >= 1000)


@replay("repo_qiskit_qec")
def test_is_not_popular_below_threshold(cassette_payload: Any) -> None:
    """One star short of the threshold is not popular."""
    client = _warm_client("qiskit-community", "qiskit-qec")
    stars = cassette_payload("GET", QISKIT_QEC)["stargazers_count"]
    assert is_popular("qiskit-community", "qiskit-qec", stars + 1, client=client) is False


@replay("repo_qiskit_qec")
def test_is_popular_threshold_is_inclusive(cassette_payload: Any) -> None:
    """stars >= threshold: the recorded star count is popular at exactly that threshold."""
    client = _warm_client("qiskit-community", "qiskit-qec")
    stars = cassette_payload("GET", QISKIT_QEC)["stargazers_count"]
    assert is_popular("qiskit-community", "qiskit-qec", stars, client=client) is True


def _warm_client(owner: str, repo: str) -> GitHubClient:
    """A caching client that has fetched the repository once: the test can read the recorded
    star count (recorded only once the request is made) and ask again without a request."""
    client = GitHubClient(cache_ttl=60)
    client.get_repo(owner, repo)
    return client


@replay("repo_not_found")
def test_missing_repo_raises_not_found_naming_the_request() -> None:
    """A real 404 becomes NotFoundError whose message names the request."""
    with pytest.raises(
        NotFoundError, match=r"GET https://api\.github\.com/repos/Alaurant/test-message"
    ):
        get_repo_stars("Alaurant", "test-message")


@replay("user_jacquev6")
def test_fetch_returns_self_and_summary_uses_real_payload(cassette_payload: Any) -> None:
    """fetch() returns the profile; the real payload's null bio reads 'No bio available'."""
    profile = GitHubProfile("jacquev6")
    assert profile.fetch() is profile
    user = cassette_payload()
    assert profile.summary() == (
        f"{user['name']} | {user['public_repos']} repos | {user['followers']} followers | "
        "No bio available"
    )


@replay("user_jacquev6")
def test_summary_never_prints_none_for_null_bio() -> None:
    """The recorded bio is JSON null, and the summary does not say 'None'."""
    profile = GitHubProfile("jacquev6").fetch()
    assert profile.data is not None
    assert profile.data["bio"] is None
    assert "None" not in profile.summary()


@replay("user_jacquev6")
def test_summary_falls_back_to_login_when_name_is_null(cassette_payload: Any) -> None:
    """With name null (the real payload, name set to null), the summary uses the login."""
    profile = GitHubProfile("jacquev6").fetch()
    repos = cassette_payload()["public_repos"]
    assert profile.data is not None
    profile.data["name"] = None
    assert profile.summary().startswith(f"jacquev6 | {repos} repos")


@replay("user_jacquev6")
def test_fetch_sends_github_accept_header(vcr: Any) -> None:
    """The recorded request carries Accept: application/vnd.github+json."""
    GitHubProfile("jacquev6").fetch()
    (request,) = vcr.requests
    assert request.headers["Accept"] == "application/vnd.github+json"


@replay("user_jacquev6")
def test_not_prolific_with_38_repos(cassette_payload: Any) -> None:
    """Prolific means more than 50 public repositories (38 when recorded: not prolific)."""
    prolific = GitHubProfile("jacquev6").fetch().is_prolific
    assert prolific is (cassette_payload()["public_repos"] > 50)


@replay("user_yurinnick")
def test_prolific_with_71_repos(cassette_payload: Any) -> None:
    """Prolific means more than 50 public repositories (71 when recorded: prolific)."""
    prolific = GitHubProfile("yurinnick").fetch().is_prolific
    assert prolific is (cassette_payload()["public_repos"] > 50)


def test_not_prolific_before_fetch() -> None:
    """is_prolific is False before fetch(), without any request."""
    assert GitHubProfile("octocat").is_prolific is False


def test_summary_before_fetch_raises() -> None:
    """summary() before fetch() says to call fetch() first."""
    with pytest.raises(
        GitHubProfileError, match=r"^Profile not fetched yet\. Call fetch\(\) first\.$"
    ):
        GitHubProfile("octocat").summary()


@replay("user_not_found")
def test_unknown_user_raises_profile_error() -> None:
    """A real 404 for a user reads "User '<name>' not found"."""
    with pytest.raises(GitHubProfileError, match=r"^User 'brix4dayz' not found$") as info:
        GitHubProfile("brix4dayz").fetch()
    assert isinstance(info.value.__cause__, NotFoundError)


@loopback
def test_other_upstream_failure_reads_api_error(httpserver: HTTPServer) -> None:
    """Any other failure (here a 500) reads 'API error: ...' and names the request."""
    httpserver.expect_request("/users/octocat").respond_with_data("boom", status=500)
    profile = GitHubProfile("octocat", client=GitHubClient(httpserver.url_for("")))
    with pytest.raises(
        GitHubProfileError, match=r"^API error: GET http://.*/users/octocat returned 500"
    ):
        profile.fetch()


@loopback
def test_timeout_reads_timeout_fetching_profile(stalling_server: str) -> None:
    """No answer within the timeout reads 'Timeout fetching profile for <user>'."""
    profile = GitHubProfile("octocat", client=GitHubClient(stalling_server, timeout=0.2))
    with pytest.raises(GitHubProfileError, match=r"^Timeout fetching profile for octocat$"):
        profile.fetch()


@frozen
@replay("repo_rate_limited")
def test_429_with_retry_after_gives_reset_time(vcr: Any) -> None:
    """A real 429 becomes RateLimitedError with the reset time from Retry-After."""
    repo = RATE_LIMITED_REPO
    with pytest.raises(RateLimitedError, match="rate limited \\(429\\)") as info:
        GitHubClient().get_repo("hub4j-test-org", repo)
    response = vcr.responses[0]
    assert info.value.reset_at is not None
    retry_after = response["headers"]["Retry-After"][0]
    assert info.value.reset_at.strftime("%a, %d %b %Y %H:%M:%S GMT") == retry_after


@frozen
@replay("repo_rate_limit_exhausted")
def test_403_with_exhausted_limit_gives_reset_from_x_ratelimit_reset(vcr: Any) -> None:
    """A 403 with X-RateLimit-Remaining: 0 becomes RateLimitedError reset at X-RateLimit-Reset."""
    with pytest.raises(RateLimitedError) as info:
        GitHubClient().get_repo("hub4j-test-org", "temp-testHandler_Wait_Missing_Date_Header")
    response = vcr.responses[0]
    reset = int(response["headers"]["X-RateLimit-Reset"][0])
    assert info.value.reset_at == datetime.fromtimestamp(reset, tz=timezone.utc)


@frozen
@replay("user_repos_kohsuke")
def test_list_user_repos_follows_link_next_across_pages(vcr: Any) -> None:
    """All 62 repositories come back, fetched over 4 pages of 20 via Link: rel="next"."""
    repos = list_user_repos("kohsuke", per_page=20)
    assert len(repos) == 62
    assert vcr.play_count == 4
    assert [r.uri for r in vcr.requests][1:] == [
        f"https://api.github.com/user/50003/repos?per_page=20&page={page}" for page in (2, 3, 4)
    ]


@replay("user_repos_kohsuke")
def test_list_user_repos_keeps_page_order(vcr: Any) -> None:
    """Repositories come back in the order of the pages, each page's items in order."""
    repos = list_user_repos("kohsuke", per_page=20)
    recorded = [item["full_name"] for resp in vcr.responses for item in _json(resp)]
    assert [r["full_name"] for r in repos] == recorded


@replay("repo_pygithub")
def test_cache_serves_a_repeat_get_without_a_request(vcr: Any, cassette_payload: Any) -> None:
    """With the TTL cache on, a second identical GET is served from the cache."""
    client = GitHubClient(cache_ttl=60)
    first = get_repo_stars("PyGithub", "PyGithub", client=client)
    assert get_repo_stars("PyGithub", "PyGithub", client=client) == first
    assert first == cassette_payload("GET", PYGITHUB)["stargazers_count"]
    assert vcr.play_count == 1


@replay("repo_pygithub", allow_playback_repeats=True)
def test_cache_entry_expires_after_ttl(vcr: Any) -> None:
    """Past its TTL (on the injected clock) the entry is fetched again."""
    now = [1000.0]
    client = GitHubClient(cache_ttl=60, clock=lambda: now[0])
    client.get_repo("PyGithub", "PyGithub")
    now[0] += 59
    client.get_repo("PyGithub", "PyGithub")
    assert vcr.play_count == 1
    now[0] += 2
    client.get_repo("PyGithub", "PyGithub")
    assert vcr.play_count == 2


@replay("repo_pygithub", allow_playback_repeats=True)
def test_cache_is_off_by_default(vcr: Any) -> None:
    """Without cache_ttl every call goes to the upstream."""
    client = GitHubClient()
    client.get_repo("PyGithub", "PyGithub")
    client.get_repo("PyGithub", "PyGithub")
    assert vcr.play_count == 2


@loopback
def test_token_from_environment_is_sent_as_authorization(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GITHUB_TOKEN is sent as 'Authorization: Bearer <token>'."""
    monkeypatch.setenv("GITHUB_TOKEN", "test-token-value")
    monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for(""))
    httpserver.expect_request(
        "/repos/o/r", headers={"Authorization": "Bearer test-token-value"}
    ).respond_with_json({"stargazers_count": 5})
    assert get_repo_stars("o", "r") == 5


@loopback
def test_no_authorization_without_token(httpserver: HTTPServer) -> None:
    """Without a token no Authorization header is sent."""
    httpserver.expect_request("/repos/o/r").respond_with_json({"stargazers_count": 5})
    get_repo_stars("o", "r", client=GitHubClient(httpserver.url_for("")))
    (request, _response) = httpserver.log[0]
    assert "Authorization" not in request.headers


def _json(response: dict[str, Any]) -> Any:
    import json

    body = response["body"]["string"]
    return json.loads(body)
