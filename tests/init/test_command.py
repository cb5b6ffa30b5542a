"""``cassette-contracts init``: safe on a real repository, deterministic, checked."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cassette_contracts.contracts.mapping import ContractMap

USER = "https://api.github.com/users"


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def recorded(workdir: Path, github_samples: Any, write_cassette: Callable[..., Path]) -> Path:
    """Cassettes of real user recordings, a 404 and two repositories, in ./cassettes."""
    users = github_samples("users_get")
    repos = github_samples("repos_get")
    for sample in users[:3]:
        write_cassette(
            workdir / "cassettes" / f"{sample.name}.yaml",
            [("GET", sample.meta["url"], 200, sample.body)],
        )
    write_cassette(
        workdir / "cassettes" / "missing.yaml",
        [
            (
                "GET",
                f"{USER}/brix4dayz",
                404,
                {"message": "Not Found", "documentation_url": "https://docs.github.com"},
            )
        ],
    )
    write_cassette(
        workdir / "cassettes" / "repos.yaml",
        [("GET", repo.meta["url"], 200, repo.body) for repo in (repos[0], repos[2])],
    )
    return workdir


def test_init_in_a_folder_without_pyproject(recorded: Path, cli: Any) -> None:
    """Defaults: cassettes from ./cassettes, contracts and schemas into ./schemas."""
    run = cli("init")
    assert run.code == 0, run.err
    contracts = ContractMap.load(recorded / "schemas" / "contracts.toml")
    assert [(c.name, c.url, c.statuses, c.schema) for c in contracts.contracts] == [
        (
            "github.repo",
            "https://api.github.com/repos/{repo_1}/{repo_2}",
            (200,),
            "github/repo.schema.json",
        ),
        ("github.user", f"{USER}/{{user}}", (200,), "github/user.schema.json"),
        ("github.user.error", f"{USER}/{{user}}", (404,), "github/error.schema.json"),
    ]
    assert (recorded / "schemas" / "github" / "user.schema.json").is_file()


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "run"])
def test_a_first_contracts_toml_is_said_written_afresh(
    recorded: Path, cli: Any, dry_run: bool
) -> None:
    """Without a contracts.toml, the plan and the run both say it is written afresh."""
    run = cli("init", *(["--dry-run"] if dry_run else []))
    assert "new contracts (written afresh to schemas/contracts.toml):" in run.out
    assert "appended" not in run.out


@pytest.mark.parametrize(
    ("args", "note"),
    [
        (["--schemas", "tests/schemas"], True),
        (["--schemas", "schemas"], False),
        ([], False),
        (["--schemas", "tests/schemas", "--dry-run"], False),
    ],
    ids=["elsewhere", "the-configured-folder", "default", "dry-run"],
)
def test_contracts_written_outside_the_configured_folder_say_which_setting_to_add(
    recorded: Path, cli: Any, args: list[str], note: bool
) -> None:
    """Contracts written where check and pytest do not look: one line names the setting."""
    run = cli("init", *args)
    assert run.code == 0, run.err
    hint = 'set schemas = "tests/schemas" in [tool.cassette_contracts]'
    assert (hint in run.err) is note, run.err


def test_the_summary_says_check_passed(recorded: Path, cli: Any) -> None:
    """init checks the cassettes against what it wrote, and says so."""
    run = cli("init")
    assert "init: check passes: 6 interaction(s) in 5 cassette(s)" in run.out
    assert cli("check").code == 0


def test_dry_run_prints_the_plan_and_writes_nothing(recorded: Path, cli: Any) -> None:
    """--dry-run lists contracts, templates, schemas and pinned fields; no file changes."""
    before = snapshot(recorded)
    run = cli("init", "--dry-run")
    assert run.code == 0
    assert snapshot(recorded) == before
    assert f"github.user: GET {USER}/{{user}} -> 200" in run.out
    assert "schema github/user.schema.json: 3 sample(s)" in run.out
    assert "pins $.avatar_url, $.bio, $.blog, $.collaborators" in run.out
    assert "dry run: nothing written" in run.out


def test_a_rerun_changes_nothing(recorded: Path, cli: Any) -> None:
    """The second run finds every interaction covered and leaves the files byte-identical."""
    cli("init")
    first = snapshot(recorded)
    run = cli("init")
    assert run.code == 0
    assert snapshot(recorded) == first
    assert "nothing new to write" in run.out
    assert "github.user: covers 3 interaction(s)" in run.out


def test_force_regenerates_byte_identical_files(recorded: Path, cli: Any) -> None:
    """--force writes everything afresh; the output is deterministic."""
    cli("init")
    first = snapshot(recorded)
    (recorded / "schemas" / "github" / "user.schema.json").write_text("{}")
    assert cli("init", "--force").code == 0
    assert snapshot(recorded) == first


def test_existing_contracts_are_left_alone_and_new_ones_appended(
    recorded: Path, cli: Any, write_cassette: Callable[..., Path]
) -> None:
    """Without --force, an existing contracts.toml keeps its bytes and gains entries at the end."""
    cli("init")
    toml = recorded / "schemas" / "contracts.toml"
    user_schema = (recorded / "schemas" / "github" / "user.schema.json").read_bytes()
    old = toml.read_bytes()
    write_cassette(
        recorded / "cassettes" / "todo.yaml",
        [("GET", "https://jsonplaceholder.typicode.com/todos/1", 200, {"id": 1, "title": "t"})],
    )
    run = cli("init")
    assert run.code == 0, run.err
    new = toml.read_bytes()
    assert new.startswith(old)
    assert b'name = "jsonplaceholder.todo"' in new[len(old) :]
    assert (recorded / "schemas" / "github" / "user.schema.json").read_bytes() == user_schema
    assert "existing contracts in schemas/contracts.toml (left alone):" in run.out
    assert "new contracts (appended to schemas/contracts.toml):" in run.out


def test_new_names_and_files_avoid_existing_ones(recorded: Path, cli: Any) -> None:
    """A hand-written contract and schema with the same names are not overwritten."""
    schemas = recorded / "schemas"
    (schemas / "github").mkdir(parents=True)
    (schemas / "github" / "user.schema.json").write_text('{"title": "mine"}\n')
    (schemas / "contracts.toml").write_text(
        '[[contract]]\nname = "github.user"\nrequest = "GET https://api.github.com/orgs/{org}"\n'
        'status = 200\nschema = "github/user.schema.json"\n'
    )
    assert cli("init").code == 0
    assert (schemas / "github" / "user.schema.json").read_text() == '{"title": "mine"}\n'
    added = {c.name: c.schema for c in ContractMap.load(schemas / "contracts.toml").contracts}
    assert added["github.user-2"] == "github/user-2.schema.json"


def test_every_body_kind_gets_its_contract(
    workdir: Path, cli: Any, write_cassette: Callable[..., Path]
) -> None:
    """Empty, text and binary bodies get their body kind (with the recorded media type), an
    event stream a schema of its events; check then passes strictly."""
    cassettes = workdir / "cassettes"
    write_cassette(cassettes / "empty.yaml", [("DELETE", f"{USER}/1", 204, "")])
    write_cassette(
        cassettes / "page.yaml",
        [("GET", "https://example.com/about", 200, "<p>hi</p>")],
        "text/html",
    )
    write_cassette(
        cassettes / "avatar.yaml",
        [("GET", "https://img.example.com/a/1", 200, b"\x89PNG\r\n\x1a\n\xff")],
        "image/png",
    )
    write_cassette(cassettes / "json.yaml", [("GET", f"{USER}/1", 200, {"id": 1})])
    run = cli("init")
    assert run.code == 0, run.out + run.err
    contracts = ContractMap.load(workdir / "schemas" / "contracts.toml").contracts
    assert {(c.name, c.body, c.media_types, c.schema) for c in contracts} == {
        ("example.about", "text", ("text/html",), None),
        ("github.user", "json", (), "github/user.schema.json"),
        ("github.user.delete", "empty", (), None),
        ("img.a", "binary", ("image/png",), None),
    }
    assert "left without a contract" not in run.out
    assert "init: check passes: 4 interaction(s) in 4 cassette(s)" in run.out


def test_an_event_stream_schema_comes_from_every_event_of_every_sample(
    workdir: Path, cli: Any, write_cassette: Callable[..., Path]
) -> None:
    """Each event's JSON is a sample (the [DONE] end left out): types union across streams."""
    url = "https://llm.example.com/v1/chat"
    write_cassette(
        workdir / "cassettes" / "stream.yaml",
        [
            ("POST", url, 200, 'data: {"n": 1, "text": "a"}\n\ndata: [DONE]\n\n'),
            ("POST", url, 200, 'data: {"n": 2.5}\n\ndata: {"n": 3, "done": true}\n\n'),
        ],
        content_type="text/event-stream",
    )
    run = cli("init")
    assert run.code == 0, run.out + run.err
    (contract,) = ContractMap.load(workdir / "schemas" / "contracts.toml").contracts
    assert (contract.body, contract.schema) == ("event-stream", "llm/v1-chat.post.schema.json")
    schema = json.loads((workdir / "schemas" / contract.schema).read_text())
    assert schema["properties"] == {
        "done": {"type": "boolean"},
        "n": {"type": "number"},
        "text": {"type": ["null", "string"]},
    }
    assert "from 3 event(s) of 2 event-stream response(s)" in schema["$comment"]


def test_a_streamed_and_a_plain_answer_get_one_contract_each(
    workdir: Path, cli: Any, write_cassette: Callable[..., Path]
) -> None:
    """One request and status answered as JSON and as a stream: two contracts told apart by body."""
    url = "https://llm.example.com/v1/chat"
    write_cassette(workdir / "cassettes" / "plain.yaml", [("POST", url, 200, {"text": "a"})])
    write_cassette(
        workdir / "cassettes" / "stream.yaml",
        [("POST", url, 200, 'data: {"delta": "a"}\n\n')],
        content_type="text/event-stream",
    )
    run = cli("init")
    assert run.code == 0, run.out + run.err
    contracts = ContractMap.load(workdir / "schemas" / "contracts.toml").contracts
    assert [(c.name, c.body) for c in contracts] == [
        ("llm.v1-chat.post.event-stream", "event-stream"),
        ("llm.v1-chat.post", "json"),
    ]
    assert cli("check").code == 0


def test_a_body_that_cannot_be_read_is_listed_not_contracted(
    workdir: Path, cli: Any, write_cassette: Callable[..., Path]
) -> None:
    """A body declared JSON that does not parse: the plan names it and why; the rest is written."""
    write_cassette(workdir / "cassettes" / "bad.yaml", [("GET", f"{USER}/1", 200, "{not json")])
    write_cassette(workdir / "cassettes" / "ok.yaml", [("GET", "https://x.example.com/a", 200, {})])
    run = cli("init")
    assert run.code == 0, run.out + run.err
    assert f"GET {USER}/{{user}} -> 200 (1 interaction(s)): 1 body(ies) cannot be read" in run.out
    assert "cassettes/bad.yaml:3: interaction 0: response body is not JSON" in run.out
    assert "1 interaction(s) left without a contract" in run.out


def test_errors_of_a_host_share_one_schema(
    workdir: Path, cli: Any, write_cassette: Callable[..., Path]
) -> None:
    """Error bodies that agree get one schema per host, used by every error contract."""
    error = {"message": "Not Found", "documentation_url": "https://docs.github.com"}
    write_cassette(
        workdir / "cassettes" / "errors.yaml",
        [
            ("GET", f"{USER}/1", 404, error),
            ("GET", "https://api.github.com/repos/a/b", 404, error),
            ("GET", "https://api.github.com/repos/c/d", 403, {"message": "rate limited"}),
        ],
    )
    assert cli("init").code == 0
    contracts = ContractMap.load(workdir / "schemas" / "contracts.toml").contracts
    assert {(c.name, c.statuses, c.schema) for c in contracts} == {
        ("github.repo.error", (403, 404), "github/error.schema.json"),
        ("github.user.error", (404,), "github/error.schema.json"),
    }


def test_query_parameters_seen_are_listed(
    workdir: Path, cli: Any, write_cassette: Callable[..., Path]
) -> None:
    """Every query parameter seen on an endpoint goes into its contract's `query`."""
    write_cassette(
        workdir / "cassettes" / "todos.yaml",
        [
            ("GET", "https://jsonplaceholder.typicode.com/todos?userId=1", 200, []),
            ("GET", "https://jsonplaceholder.typicode.com/todos?_page=2", 200, []),
        ],
    )
    assert cli("init").code == 0
    (contract,) = ContractMap.load(workdir / "schemas" / "contracts.toml").contracts
    assert contract.query == ("_page", "userId")


def test_an_unreadable_cassette_writes_nothing(recorded: Path, cli: Any) -> None:
    """A cassette that cannot be read is named, exit 2, and no file is written."""
    (recorded / "cassettes" / "broken.yaml").write_text("version: 1\ninteractions: {}\n")
    before = snapshot(recorded)
    run = cli("init")
    assert run.code == 2
    assert "broken.yaml" in run.err
    assert "'interactions' is not a list" in run.err
    assert snapshot(recorded) == before


def test_paths_and_schemas_options(recorded: Path, cli: Any) -> None:
    """PATHS picks the cassettes and --schemas the folder written to."""
    run = cli("init", "cassettes/missing.yaml", "--schemas", "contracts")
    assert run.code == 0, run.err
    (contract,) = ContractMap.load(recorded / "contracts" / "contracts.toml").contracts
    assert contract.statuses == (404,)
    assert not (recorded / "schemas").exists()


def test_plan_pins_only_the_reads_given_per_endpoint(recorded: Path) -> None:
    """Reads keyed by (method, URL template, status) pin only those paths (for --from-coverage)."""
    from cassette_contracts.cassettes.discover import iter_cassette_paths
    from cassette_contracts.init.plan import plan_init

    reads = {("GET", f"{USER}/{{user}}", 200): {"$.login", "$.followers", "$.no_such_field"}}
    plan = plan_init(iter_cassette_paths(["cassettes"]), Path("schemas"), reads=reads)
    user = plan.schemas["github/user.schema.json"].inferred
    assert user.pinned == ("$.followers", "$.login")
    assert user.missing == ("$.no_such_field",)
    assert plan.schemas["github/error.schema.json"].inferred.pinned == ()


def test_nothing_to_infer_writes_nothing(workdir: Path, cli: Any) -> None:
    """Cassettes without interactions: nothing to infer, no file is written, exit 0."""
    (workdir / "cassettes").mkdir()
    (workdir / "cassettes" / "none.yaml").write_text("version: 1\ninteractions: []\n")
    run = cli("init")
    assert run.code == 0, run.err
    assert "no response to infer a contract from; nothing written" in run.out
    assert not (workdir / "schemas").exists()
