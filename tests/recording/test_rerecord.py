"""rerecord(): record into staging against a local upstream, promote only what holds."""

from __future__ import annotations

import copy
import json
import os
import signal
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pytest_recording.network import blocking_context
from vcr.serializers import yamlserializer

from cassette_contracts.recording.rerecord import RerecordOutcome, rerecord
from cassette_contracts.settings import Settings, load_settings

from ..conftest import REAL_UPSTREAM_CONFIG, read_yaml
from .conftest import ROOT, copy_project, repository_cassettes_untouched, tree_digest
from .upstream import Edit, Fault, Upstream, serving

LOCAL_HOSTS = ["127.0.0.1", "localhost"]
pytestmark = pytest.mark.block_network(allowed_hosts=LOCAL_HOSTS)

#: Small selections of the client tests (``--only``), to keep each recording quick.
ONE_USER = "test_prolific_with_71_repos"
SEVERAL = (
    "test_prolific_with_71_repos or test_list_user_repos_keeps_page_order "
    "or test_get_user_returns_the_user_dict"
)
USER_CASSETTE = Path("github/user_yurinnick.yaml")
COMMITTED = ROOT / "cassettes"


def run(settings: Settings, upstream: Upstream, only: str, **kwargs: Any) -> RerecordOutcome:
    env = {**os.environ, **upstream.environ(), **kwargs.pop("env", {})}
    return rerecord(settings, only=only, env=env, staging_root=settings.root / ".staging", **kwargs)


def without_provenance(path: Path) -> dict[str, Any]:
    """The cassette without its provenance and without what the local machine chose.

    urllib3 offers ``br`` in the request's Accept-Encoding only when a brotli package is
    installed (it is, for decoding br bodies), so that header says which decoders this
    environment has, not what the upstream sent.
    """
    data: dict[str, Any] = read_yaml(path.read_text(encoding="utf-8"))
    data.get("metadata", {}).pop("provenance", None)
    if not data.get("metadata"):
        data.pop("metadata", None)
    for interaction in data.get("interactions", []):
        interaction["request"]["headers"].pop("Accept-Encoding", None)
    return data


def edit_user(change: Any) -> Any:
    def edit(url: str, body: Any) -> Any:
        if url.endswith("/users/yurinnick"):
            change(body)
        return body

    return edit


# -- runs shared by the tests that only read their outcome ----------------------------------


@dataclass
class SharedRun:
    """One re-record of a project copy of its own, that several tests read and none change."""

    settings: Settings
    #: Digest of the copy's committed cassettes before the run.
    committed: dict[str, str]
    outcome: RerecordOutcome


def shared_run(
    tmp_path_factory: pytest.TempPathFactory, only: str, edit: Edit | None = None
) -> SharedRun:
    """Re-record ``only`` from a local upstream (``edit`` applied to what it serves).

    A fixture of module scope is set up before the function-scoped autouse fixtures, so it
    blocks the network (``pytestmark``'s ``block_network``), drops the developer's upstream
    configuration and checks the repository's cassettes itself.
    """
    settings = load_settings(copy_project(tmp_path_factory.mktemp("shared") / "project"))
    committed = tree_digest(settings.cassettes)
    with (
        blocking_context(allowed_hosts=LOCAL_HOSTS),
        repository_cassettes_untouched(),
        pytest.MonkeyPatch.context() as patch,
        serving(settings.cassettes) as upstream,
    ):
        for name in REAL_UPSTREAM_CONFIG:
            patch.delenv(name, raising=False)
        upstream.edit = edit
        outcome = run(settings, upstream, only)
    return SharedRun(settings, committed, outcome)


@pytest.fixture(scope="module")
def unchanged_run(tmp_path_factory: pytest.TempPathFactory) -> SharedRun:
    """Several client tests re-recorded from an upstream that serves what was committed."""
    return shared_run(tmp_path_factory, SEVERAL)


def _remove_bio(body: Any) -> None:
    body.pop("bio")


def _retype_followers(body: Any) -> None:
    body.update(followers=str(body["followers"]))


@pytest.fixture(scope="module")
def bio_removed_run(tmp_path_factory: pytest.TempPathFactory) -> SharedRun:
    """One user re-recorded from an upstream that no longer sends the pinned ``bio``."""
    return shared_run(tmp_path_factory, ONE_USER, edit_user(_remove_bio))


@pytest.fixture(scope="module")
def followers_retyped_run(tmp_path_factory: pytest.TempPathFactory) -> SharedRun:
    """One user re-recorded from an upstream that sends the pinned ``followers`` as a string."""
    return shared_run(tmp_path_factory, ONE_USER, edit_user(_retype_followers))


# -- unchanged upstream ---------------------------------------------------------------------


def test_unchanged_upstream_promotes_the_same_recordings(unchanged_run: SharedRun) -> None:
    """No drift, and the promoted cassettes equal the committed ones apart from provenance."""
    settings, committed, outcome = (
        unchanged_run.settings,
        unchanged_run.committed,
        unchanged_run.outcome,
    )
    assert outcome.reason is None, outcome.summary()
    assert outcome.report is not None
    assert outcome.report.changes == []
    assert [p.as_posix() for p in outcome.recorded] == [
        "github/user_repos_kohsuke.yaml",
        "github/user_yurinnick.yaml",
        "jsonplaceholder/user_1.yaml",
    ]
    for rel in outcome.recorded:  # the copy's cassettes were the repository's, byte for byte
        assert without_provenance(settings.cassettes / rel) == without_provenance(COMMITTED / rel)
    after = tree_digest(settings.cassettes)
    untouched = {k for k in committed if Path(k) not in outcome.recorded}
    assert {k: after[k] for k in untouched} == {k: committed[k] for k in untouched}
    assert set(after) == set(committed)


class _Loaded(Exception):
    """Raised by the spy in place of loading the schemas: the command stops there."""


@pytest.mark.parametrize("command", ["rerecord", "drift"])
def test_rerecord_and_drift_load_the_schemas_with_the_projects_verdicts(
    monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """Both commands hand the project's cache folder to the schema registry, as ``check`` and
    the plugin do: schemas that passed their checks before are not checked (nor jsonschema
    imported) again."""
    from cassette_contracts.contracts.registry import SchemaRegistry
    from cassette_contracts.drift.folders import compare_folders

    given: list[object] = []

    def spy(cls: type, root: object, cache_dir: object = None) -> None:
        given.append(cache_dir)
        raise _Loaded

    monkeypatch.setattr(SchemaRegistry, "load", classmethod(spy))
    settings = load_settings(ROOT)
    assert settings.cache_dir is not None
    run = {
        "rerecord": lambda: rerecord(settings),
        "drift": lambda: compare_folders(settings, COMMITTED, COMMITTED),
    }[command]
    with pytest.raises(_Loaded):
        run()
    assert given == [settings.cache_dir]


def test_promoted_cassette_records_provenance(unchanged_run: SharedRun) -> None:
    """recorded_at, tool versions, upstream version headers and real bases are stored."""
    outcome = unchanged_run.outcome
    assert outcome.exit_code == 0, outcome.summary()
    cassette = read_yaml((unchanged_run.settings.cassettes / USER_CASSETTE).read_text())
    provenance = cassette["metadata"]["provenance"]
    assert set(provenance["recorded_with"]) == {"cassette-contracts", "vcrpy", "requests"}
    assert provenance["upstream_version_headers"]["X-GitHub-Api-Version-Selected"] == "2022-11-28"
    assert provenance["upstreams"]["GITHUB_API_URL"] == "https://api.github.com"
    assert provenance["recorded_at"].endswith("Z")


def test_successful_run_removes_its_staging_folder(unchanged_run: SharedRun) -> None:
    """Once promoted, the staging folder is gone, and the summary says so."""
    outcome = unchanged_run.outcome
    assert outcome.exit_code == 0, outcome.summary()
    assert not outcome.staging.exists()
    assert f"staging folder removed: {outcome.staging}" in outcome.summary()


def test_failed_run_keeps_its_staging_folder_and_says_where(bio_removed_run: SharedRun) -> None:
    """Breaking drift: the staging folder, with its drift report, stays and is named."""
    outcome = bio_removed_run.outcome
    assert outcome.exit_code == 1
    assert "## API drift: breaking drift" in (outcome.staging / "drift.md").read_text()
    assert f"staging folder kept for inspection: {outcome.staging}" in outcome.summary()


# -- drift ----------------------------------------------------------------------------------


def test_added_field_is_informational_and_promoted(settings: Settings, upstream: Upstream) -> None:
    """A new field upstream is informational drift; the fresh cassette is promoted."""
    upstream.edit = edit_user(lambda body: body.update(plan_name="pro"))
    outcome = run(settings, upstream, ONE_USER)
    assert outcome.exit_code == 0, outcome.summary()
    assert outcome.report is not None
    assert not outcome.report.breaking
    assert [(c.kind.value, c.path) for c in outcome.report.changes] == [
        ("field added", "$.plan_name")
    ]
    (interaction,) = read_yaml((settings.cassettes / USER_CASSETTE).read_text())["interactions"]
    assert json.loads(interaction["response"]["body"]["string"])["plan_name"] == "pro"


@pytest.mark.parametrize(
    ("shared", "kind"),
    [
        pytest.param("bio_removed_run", "field removed", id="pinned-removed"),
        pytest.param("followers_retyped_run", "type changed", id="pinned-retyped"),
    ],
)
def test_breaking_drift_is_not_promoted(
    request: pytest.FixtureRequest, shared: str, kind: str
) -> None:
    """A pinned field removed or retyped is breaking: exit 1, cassettes byte-identical."""
    breaking: SharedRun = request.getfixturevalue(shared)
    outcome = breaking.outcome
    assert outcome.exit_code == 1
    assert outcome.report is not None
    assert outcome.report.breaking
    assert kind in {c.kind.value for c in outcome.report.breaking_changes}
    assert outcome.promoted == []
    assert tree_digest(breaking.settings.cassettes) == breaking.committed


def test_accept_breaking_promotes_anyway(settings: Settings, upstream: Upstream) -> None:
    """--accept-breaking promotes a fresh cassette whose drift breaks, once contracts hold."""
    upstream.edit = edit_user(_remove_bio)
    outcome = run(settings, upstream, ONE_USER, accept_breaking=True)
    assert outcome.exit_code == 0, outcome.summary()
    assert '"bio"' not in (settings.cassettes / USER_CASSETTE).read_text()


# -- faults ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        pytest.param(Fault("status", status=500, body=b"boom"), "returned 500", id="500"),
        pytest.param(Fault("reset"), "ApiConnectionError", id="connection-reset"),
        pytest.param(
            Fault("status", status=429, headers={"Retry-After": "3600"}),
            "RateLimitedError",
            id="429-retry-after",
        ),
        pytest.param(Fault("stall", seconds=30), "timed out after 0.5 s", id="stall"),
    ],
)
def test_fault_during_recording_leaves_cassettes_identical(
    settings: Settings, upstream: Upstream, committed: dict[str, str], fault: Fault, says: str
) -> None:
    """A failing upstream stops the run with a one-line reason, exit 3; nothing is promoted."""
    upstream.fault = fault
    # The example clients' timeout (10 s by default), short so the stall is met quickly.
    outcome = run(settings, upstream, ONE_USER, env={"API_CLIENTS_TIMEOUT": "0.5"})
    assert outcome.exit_code == 3
    assert outcome.reason is not None
    assert says in outcome.reason
    assert "\n" not in outcome.reason
    assert tree_digest(settings.cassettes) == committed


def test_rate_limit_waits_once_within_the_bound_then_says_so(
    settings: Settings, upstream: Upstream, committed: dict[str, str]
) -> None:
    """A 429 with Retry-After: 1 is retried once after the wait, never hammered."""
    upstream.fault = Fault("status", status=429, headers={"Retry-After": "1"})
    outcome = run(settings, upstream, ONE_USER)
    assert outcome.reason is not None
    assert "rate limited (429)" in outcome.reason
    assert len(upstream.requests) == 2
    assert tree_digest(settings.cassettes) == committed


def _children(pid: int) -> list[int]:
    """Child processes of ``pid`` (Linux /proc): the recording pytest of an in-process run."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def test_recording_pytest_killed_mid_run_leaves_cassettes_identical(
    settings: Settings, upstream: Upstream, committed: dict[str, str]
) -> None:
    """SIGKILL of the recording pytest while it waits on the upstream: nothing promoted."""
    upstream.fault = Fault("stall", seconds=30)

    def kill_recorder(url: str) -> None:
        for child in _children(os.getpid()):
            os.kill(child, signal.SIGKILL)

    upstream.on_request = kill_recorder
    outcome = run(settings, upstream, ONE_USER)
    assert outcome.reason is not None
    assert "killed by SIGKILL" in outcome.reason
    assert tree_digest(settings.cassettes) == committed


@pytest.fixture
def closed_port() -> str:
    """A loopback URL where nothing listens (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_unreachable_upstream_gives_one_line_reason(
    settings: Settings, upstream: Upstream, committed: dict[str, str], closed_port: str
) -> None:
    """Every upstream on a closed port: exit 3, one line naming the failed request."""
    env = dict.fromkeys(upstream.environ(), closed_port)
    outcome = run(settings, upstream, ONE_USER, env=env)
    assert outcome.exit_code == 3
    assert outcome.reason is not None
    assert "ApiConnectionError: GET http://127.0.0.1" in outcome.reason
    assert "failed to connect" in outcome.reason
    assert "\n" not in outcome.reason
    assert tree_digest(settings.cassettes) == committed


# -- secrets --------------------------------------------------------------------------------

GITHUB_TOKEN = "ghp_" + "Zq3xV8rT1mK9pL2wN6yB4cH7dF0gJ5sA1eU3"
NTFY_TOKEN = "tk_" + "9fQ2mX7vL4pR8zK1wT6yN3bH5cJ0dG"


def test_tokens_appear_nowhere_after_recording(settings: Settings, upstream: Upstream) -> None:
    """A token planted in a request header, Set-Cookie, a query string and a JSON body is
    nowhere under the cassettes or the staging folder afterwards."""
    upstream.extra_headers = [("Set-Cookie", f"session={GITHUB_TOKEN}; Path=/; HttpOnly")]
    upstream.link_query = f"access_token={GITHUB_TOKEN}"
    upstream.edit = lambda url, body: (
        [{**item, "note": f"token {GITHUB_TOKEN}"} for item in body]
        if isinstance(body, list)
        else body
    )
    env = {"GITHUB_TOKEN": GITHUB_TOKEN, "NTFY_TOKEN": NTFY_TOKEN}
    outcome = run(settings, upstream, "test_list_user_repos_keeps_page_order", env=env)
    sent = [headers.get("Authorization") for _, _, headers in upstream.requests]
    assert sent[0] == f"Bearer {GITHUB_TOKEN}"
    assert any("access_token=" in url for _, url, _ in upstream.requests)
    staged = read_yaml(
        (outcome.staging / "cassettes" / "github/user_repos_kohsuke.yaml").read_text()
    )["interactions"]
    assert staged[0]["request"]["headers"]["Authorization"] == ["Bearer <REDACTED>"]
    assert staged[0]["response"]["headers"]["Set-Cookie"] == ["<REDACTED>"]
    assert "access_token=%3CREDACTED%3E" in staged[1]["request"]["uri"]
    assert "token <REDACTED>" in staged[0]["response"]["body"]["string"]
    for root in (settings.cassettes, outcome.staging):
        for path in root.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                assert GITHUB_TOKEN.encode() not in data, path
                assert NTFY_TOKEN.encode() not in data, path


# -- pruning --------------------------------------------------------------------------------


def test_rerecord_drops_a_stale_interaction_and_names_it(
    settings: Settings, upstream: Upstream
) -> None:
    """A committed interaction no test requests any more is not written back, and is named
    with its file, line, index and request."""
    from cassette_contracts.cassettes.load import load_cassette

    path = settings.cassettes / USER_CASSETTE
    data = read_yaml(path.read_text())
    stale = copy.deepcopy(data["interactions"][0])
    stale["request"]["uri"] = "https://api.github.com/users/someone-removed"
    data["interactions"].append(stale)
    path.write_text(yamlserializer.serialize(data))
    line = load_cassette(path).interactions[1].line

    outcome = run(settings, upstream, ONE_USER)
    assert outcome.exit_code == 0, outcome.summary()
    uris = [i["request"]["uri"] for i in read_yaml(path.read_text())["interactions"]]
    assert uris == ["https://api.github.com/users/yurinnick"]
    where = f"{path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}"
    assert outcome.dropped == [
        f"{where}:{line}: interaction 1 (GET https://api.github.com/users/someone-removed) "
        "dropped: no test requests it any more"
    ]
    assert "dropped 1 stale interaction(s)" in outcome.summary()


def test_recorded_cassettes_are_found_by_every_cassette_suffix(tmp_path: Path) -> None:
    """A recording run's fresh cassettes count in .yaml, .yml and .json, as `check` finds them."""
    from cassette_contracts.recording.pytest_run import recorded_cassettes

    for name in ("a/one.yaml", "a/two.yml", "b/three.json", "notes.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}")
    assert recorded_cassettes(tmp_path) == [
        Path("a/one.yaml"),
        Path("a/two.yml"),
        Path("b/three.json"),
    ]
    assert recorded_cassettes(tmp_path / "missing") == []
