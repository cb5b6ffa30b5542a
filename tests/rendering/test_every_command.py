"""Every command offers every output format, through the one renderer."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import pytest

from cassette_contracts.coverage.reads import ReadRecorder
from cassette_contracts.coverage.tracking import track
from cassette_contracts.lifecycle.plays import PlayRecorder, plays_dir
from cassette_contracts.rendering import FORMATS
from cassette_contracts.settings import load_settings

from ..conftest import Run

COMMANDS = {
    "check": ["check", "--no-cache"],
    "coverage": ["coverage"],
    "drift": ["drift", "--baseline", "cassettes", "--fresh", "cassettes"],
    "scan": ["scan"],
    "audit": ["audit"],
}


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


@pytest.mark.parametrize("command", COMMANDS)
def test_unknown_format_is_a_usage_error_listing_the_formats(
    project: Path, cli: Callable[..., Run], command: str
) -> None:
    """--format xml: exit 2, one error naming every format there is."""
    run = cli(*COMMANDS[command], "--format", "xml")
    assert run.code == 2
    assert "'xml'" in run.err
    assert all(repr(fmt) in run.err for fmt in FORMATS), run.err
