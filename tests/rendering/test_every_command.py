"""Every command offers every output format, through the one renderer."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import pytest

from cassette_contracts.coverage.reads import ReadRecorder
from cassette_contracts.coverage.tracking import track
from cassette_contracts.drift.changes import (
    BREAKING,
    INFORMATIONAL,
    Change,
    ChangeKind,
    DriftReport,
)
from cassette_contracts.lifecycle.plays import PlayRecorder, plays_dir
from cassette_contracts.recording import rerecord as rerecord_module
from cassette_contracts.recording.rerecord import RerecordOutcome
from cassette_contracts.rendering import FORMATS, render
from cassette_contracts.settings import Settings, load_settings

from ..conftest import Run

COMMANDS = {
    "check": ["check", "--no-cache"],
    "coverage": ["coverage"],
    "drift": ["drift", "--baseline", "cassettes", "--fresh", "cassettes"],
    "scan": ["scan"],
    "audit": ["audit"],
    "init --dry-run": ["init", "--dry-run"],
    "init": ["init"],
}
#: rerecord records from the network: its grid runs offline (test_rerecord_renders_format).
ANY_COMMAND = {**COMMANDS, "rerecord": ["rerecord"]}

_REPORT = DriftReport.from_changes(
    [
        Change(
            "github.user",
            ChangeKind.FIELD_REMOVED,
            "$.bio",
            BREAKING,
            "no longer sent",
            "string",
            "(absent)",
            pinned=True,
        ),
        Change(
            "github.user",
            ChangeKind.FIELD_ADDED,
            "$.plan",
            INFORMATIONAL,
            "new field",
            "(absent)",
            "object",
        ),
    ],
    contracts=["github.repos"],
)


def _outcomes(staging: Path) -> dict[str, RerecordOutcome]:
    """Offline rerecord outcomes: one promoted (a stale interaction dropped), one refused."""
    return {
        "promoted": RerecordOutcome(
            staging=staging,
            recorded=[Path("users/octocat.yaml")],
            promoted=[staging.parent / "cassettes/users/octocat.yaml"],
            report=DriftReport.from_changes([], contracts=["github.user"]),
            dropped=["users/octocat.yaml:12 [1] GET https://api.github.com/users/octocat/orgs"],
        ),
        "refused": RerecordOutcome(
            staging=staging,
            recorded=[Path("users/octocat.yaml")],
            reason="breaking drift: 1 breaking change",
            report=_REPORT,
            notes=["1 test failed while recording"],
        ),
    }


@pytest.fixture(params=["promoted", "refused"])
def rerecord_outcome(
    request: pytest.FixtureRequest, project: Path, monkeypatch: pytest.MonkeyPatch
) -> RerecordOutcome:
    """`rerecord` made offline: it returns a recorded outcome instead of recording."""
    outcome = _outcomes(project / ".staging" / "rerecord-1")[request.param]

    def offline(settings: Settings, **_: object) -> RerecordOutcome:
        return outcome

    monkeypatch.setattr(rerecord_module, "rerecord", offline)
    return outcome


@pytest.fixture
def last_run(project: Path) -> Path:
    """The project as after a replay run: reads for coverage, play counts for audit."""
    settings = load_settings()
    recorder = ReadRecorder()
    user = track({"login": "octocat"}, "github.user", recorder)
    assert user["login"] == "octocat"
    recorder.save(settings.coverage_dir, "master")
    plays = PlayRecorder()
    for cassette in sorted((project / "cassettes").rglob("*.yaml")):
        plays.record(str(cassette), [], 0, {})
    plays.save(plays_dir(settings), "master")
    return project


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("command", COMMANDS)
def test_command_renders_format(
    last_run: Path, cli: Callable[..., Run], command: str, fmt: str
) -> None:
    """The command accepts --format FMT and prints a document of that format."""
    run = cli(*COMMANDS[command], "--format", fmt)
    assert run.code in (0, 1), run.err
    assert run.out.endswith("\n"), run.out
    if fmt == "json":
        assert isinstance(json.loads(run.out), dict)
    elif fmt == "junit":
        suite = ElementTree.fromstring(run.out).find("testsuite")
        assert suite is not None
        assert suite.get("tests") is not None
    elif fmt == "markdown":
        assert run.out.lstrip().startswith("#")


@pytest.mark.parametrize("fmt", FORMATS)
def test_rerecord_renders_format(
    rerecord_outcome: RerecordOutcome, cli: Callable[..., Run], fmt: str
) -> None:
    """`rerecord --format FMT` prints its outcome, drift report included, in that format."""
    run = cli("rerecord", "--format", fmt)
    assert run.code == rerecord_outcome.exit_code
    if fmt == "text":
        printed = run.err if rerecord_outcome.exit_code else run.out
        assert printed == rerecord_outcome.summary()
        return
    assert run.out == render(rerecord_outcome, fmt)
    assert run.out.endswith("\n")
    assert rerecord_outcome.report is not None
    for contract, changes in rerecord_outcome.report.endpoints.items():
        assert contract in run.out or (fmt == "github" and not changes)  # annotates changes
    if fmt == "json":
        document = json.loads(run.out)
        assert document["promoted"] is (rerecord_outcome.reason is None)
        assert document["drift"]["breaking"] is rerecord_outcome.report.breaking
    elif fmt == "junit":
        suite = ElementTree.fromstring(run.out).find("testsuite")
        assert suite is not None
        assert suite.get("failures") == str(
            int(rerecord_outcome.reason is not None) + int(rerecord_outcome.report.breaking)
        )
    elif fmt == "markdown":
        assert run.out.startswith("## Re-record")


@pytest.mark.parametrize("fmt", FORMATS)
def test_init_format_lists_the_planned_contracts_and_the_self_check(
    project: Path, cli: Callable[..., Run], fmt: str
) -> None:
    """`init --force --format FMT` names every new contract and the self-check's verdict."""
    run = cli("init", "--force", "--format", fmt)
    assert run.code == 0, run.err
    contracts = json.loads(cli("init", "--force", "--dry-run", "--format", "json").out)
    names = [c["name"] for c in contracts["contracts"]]
    assert names
    if fmt in ("text", "json", "junit", "markdown"):
        assert all(name in run.out for name in names), run.out
    if fmt == "json":
        assert json.loads(run.out)["check"]["exit_code"] == 0
    else:
        assert "check passes" in run.out or fmt == "junit"


@pytest.mark.parametrize("command", ANY_COMMAND)
def test_unknown_format_is_a_usage_error_listing_the_formats(
    project: Path, cli: Callable[..., Run], command: str
) -> None:
    """--format xml: exit 2, one error naming every format there is."""
    run = cli(*ANY_COMMAND[command], "--format", "xml")
    assert run.code == 2
    assert "'xml'" in run.err
    assert all(repr(fmt) in run.err for fmt in FORMATS), run.err
