"""coverage_report: reads against pins per contract, and its five renderings."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from cassette_contracts.coverage.reads import ReadRecorder
from cassette_contracts.coverage.report import coverage_report
from cassette_contracts.coverage.tracking import track
from cassette_contracts.errors import UsageError
from cassette_contracts.rendering import FORMATS

from .conftest import here

THIS_FILE = __file__


def recorded(*reads: str, contract: str = "github.repos_get") -> ReadRecorder:
    """A recorder holding reads of the given paths (written ``owner.login``, ``topics[*]``)."""
    recorder = ReadRecorder()
    for dotted in reads:
        payload: Any = track(_payload_for(dotted), contract, recorder)
        for part in dotted.split("."):
            name, _, star = part.partition("[")
            payload = payload[name]
            if star:
                payload = payload[0]
    return recorder


def _payload_for(dotted: str) -> Any:
    value: Any = "x"
    for part in reversed(dotted.split(".")):
        name, _, star = part.partition("[")
        value = {name: [value] if star else value}
    return value


GRID: list[tuple[str, tuple[str, ...], set[str], set[str], set[str]]] = [
    # (case, reads, pins, expected unpinned reads, expected unread pins)
    ("read and pinned", ("stargazers_count",), {"$.stargazers_count"}, set(), set()),
    ("read, not pinned", ("stargazers_count",), set(), {"$.stargazers_count"}, set()),
    ("pinned, never read", (), {"$.stargazers_count"}, set(), {"$.stargazers_count"}),
    ("leaf pinned covers its container", ("owner.login",), {"$.owner.login"}, set(), set()),
    ("container read alone, pinned", ("owner",), {"$.owner"}, set(), set()),
    ("container read alone, leaf pinned", ("owner",), {"$.owner.login"}, set(), {"$.owner.login"}),
    ("container pinned, child read", ("owner.login",), {"$.owner"}, {"$.owner.login"}, set()),
    ("sibling not pinned", ("owner.login", "owner.id"), {"$.owner.login"}, {"$.owner.id"}, set()),
    ("list items", ("topics[*]",), {"$.topics[*]"}, set(), set()),
    ("list items, list pinned only", ("topics[*]",), {"$.topics"}, {"$.topics[*]"}, set()),
    (
        "items of a list of objects",
        ("owners[*].login",),
        {"$.owners[*].login", "$.owners[*].id"},
        set(),
        {"$.owners[*].id"},
    ),
]


@pytest.mark.parametrize(
    ("_case", "reads", "pins", "unpinned", "unread"), GRID, ids=[row[0] for row in GRID]
)
def test_reads_and_pins_are_classified(
    _case: str, reads: tuple[str, ...], pins: set[str], unpinned: set[str], unread: set[str]
) -> None:
    """Unpinned reads fail the contract; pins nobody reads are candidates to unpin."""
    report = coverage_report(recorded(*reads), {"github.repos_get": pins})
    (item,) = report.contracts
    assert {read.path for read in item.unpinned_reads} == unpinned
    assert set(item.unread_pins) == unread
    assert item.ok is (not unpinned)
    assert report.ok is (not unpinned)


def test_an_unpinned_read_names_the_file_and_line_that_read_it() -> None:
    """The failure points at the code: file and line of the read."""
    recorder = ReadRecorder()
    repo = track({"license": {"spdx_id": "MIT"}}, "github.repos_get", recorder)
    line = here() + 1
    repo["license"].get("spdx_id")
    report = coverage_report(recorder, {"github.repos_get": {"$.license"}})
    (read,) = report.unpinned_reads
    assert (read.path, read.file, read.line, read.optional) == (
        "$.license.spdx_id",
        THIS_FILE,
        line,
        True,
    )


def test_a_contract_nobody_read_is_reported_but_does_not_fail() -> None:
    """Pins of a contract no test replayed: not exercised, every pin unread, still ok."""
    report = coverage_report(ReadRecorder(), {"github.users_get": {"$.login", "$.bio"}})
    (item,) = report.contracts
    assert (item.exercised, item.ok, item.unread_pins) == (False, True, ("$.bio", "$.login"))


def test_reads_of_a_contract_without_pins_all_fail() -> None:
    """A contract missing from the pins mapping pins nothing."""
    report = coverage_report(recorded("login", contract="other"), {})
    assert [read.path for read in report.unpinned_reads] == ["$.login"]
    assert not report.ok


def test_contracts_are_reported_in_name_order() -> None:
    """Report order does not depend on the order reads happened in."""
    recorder = ReadRecorder()
    track({"b": 1}, "zeta", recorder)["b"]
    track({"a": 1}, "alpha", recorder)["a"]
    report = coverage_report(recorder, {"mid": set()})
    assert [item.contract for item in report.contracts] == ["alpha", "mid", "zeta"]


def test_root_makes_sites_relative(tmp_path: Path) -> None:
    """Sites under ``root`` are shown relative to it (as CI annotations need)."""
    report = coverage_report(recorded("login"), {}, root=Path(THIS_FILE).parents[2])
    assert report.unpinned_reads[0].file == "tests/coverage/test_report.py"


@pytest.fixture
def failing_report() -> Any:
    recorder = recorded("owner.login", "owner.id", "stargazers_count")
    return coverage_report(
        recorder,
        {"github.repos_get": {"$.owner.login", "$.stargazers_count", "$.forks_count"}},
        root=Path(THIS_FILE).parents[2],
    )


def test_json_lists_per_contract_the_fields_read_and_pinned(failing_report: Any) -> None:
    """``--format json``: per contract, fields read (with sites), pinned, and both differences."""
    document = json.loads(failing_report.render("json"))
    (item,) = document["contracts"]
    assert document["ok"] is False
    assert [read["path"] for read in item["read"]] == [
        "$.owner",
        "$.owner.id",
        "$.owner.login",
        "$.stargazers_count",
    ]
    assert item["pinned"] == ["$.forks_count", "$.owner.login", "$.stargazers_count"]
    assert [read["path"] for read in item["unpinned_reads"]] == ["$.owner.id"]
    assert item["unpinned_reads"][0]["file"] == "tests/coverage/test_report.py"
    assert item["unread_pins"] == ["$.forks_count"]


def test_text_names_each_unpinned_field_with_its_site_and_the_fix(failing_report: Any) -> None:
    """The text report lists field, file:line and says how to fix it."""
    text = failing_report.render("text")
    read = failing_report.unpinned_reads[0]
    assert f"read but not pinned: $.owner.id (read at {read.file}:{read.line})" in text
    assert "$.forks_count" in text
    assert "FAILED" in text
    assert "Pin them" in text


def test_github_annotates_each_unpinned_read_at_its_line(failing_report: Any) -> None:
    """``::error file=...,line=...::`` per unpinned read; unread pins are notices."""
    read = failing_report.unpinned_reads[0]
    lines = failing_report.render("github").splitlines()
    assert lines[0].startswith(f"::error file={read.file},line={read.line},")
    assert "$.owner.id" in lines[0]
    assert lines[1].startswith("::notice ")
    assert "$.forks_count" in lines[1]


def test_github_escapes_commas_colons_and_newlines() -> None:
    """Workflow-command properties and data are escaped as GitHub requires."""
    recorder = ReadRecorder()
    track({"a": 1}, "weird,contract:\nname", recorder)["a"]
    line = coverage_report(recorder, {}).render("github").splitlines()[0]
    assert "%0A" in line
    assert "\n" not in line
    assert line.startswith("::error file=")
    assert line.count("::") == 2


def test_junit_has_one_testcase_per_contract_and_fails_the_broken_ones(
    failing_report: Any,
) -> None:
    """JUnit XML: a failing testcase lists the unpinned reads."""
    root = ET.fromstring(failing_report.render("junit")).find("testsuite")
    assert root is not None
    assert (root.get("tests"), root.get("failures")) == ("1", "1")
    failure = root.find("testcase/failure")
    assert failure is not None
    assert "$.owner.id" in (failure.text or "")


def test_markdown_has_a_summary_table_and_the_unpinned_reads(failing_report: Any) -> None:
    """Markdown: a table per run and per failing contract."""
    markdown = failing_report.render("markdown")
    assert "| `github.repos_get` | 3 | 3 | 1 | 1 |" in markdown  # $.owner: on the way
    assert "| `$.owner.id` |" in markdown


OK_MARKERS = {
    "text": "contract coverage: ok",
    "json": '"ok": true',
    "markdown": "## Contract coverage: ok",
    "junit": 'failures="0"',
    "github": "",
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_an_ok_report(fmt: str) -> None:
    """A report with nothing wrong says so in every format (GitHub: no annotations at all)."""
    report = coverage_report(recorded("login"), {"github.repos_get": {"$.login"}})
    output = report.render(fmt)
    assert OK_MARKERS[fmt] in output
    if fmt == "github":
        assert output == ""


def test_an_unknown_format_lists_the_allowed_ones() -> None:
    """A usage error names the formats."""
    with pytest.raises(UsageError, match="text, json, junit, markdown, github"):
        coverage_report(ReadRecorder(), {}).render("yaml")


ODD_KEYS = ["a:b", "1st", "x-y", "with space", "it's", "_private"]


@pytest.mark.parametrize("key", ODD_KEYS)
def test_odd_key_pinned_and_read_is_covered(key: str) -> None:
    """A member whose name needs quoting is one path for the pin and the read: covered."""
    from cassette_contracts.contracts.pins import pinned_fields

    schema = {"type": "object", "properties": {key: {"type": "string"}}}
    recorder = ReadRecorder()
    payload = track({key: "x"}, "odd", recorder)
    assert payload[key] == "x"
    report = coverage_report(recorder, {"odd": set(pinned_fields(schema))})
    assert report.ok, report.render("text")
    assert report.contracts[0].unread_pins == ()


@pytest.mark.parametrize("fmt", ["text", "markdown", "github"])
def test_unread_pins_of_an_untracked_contract_are_no_candidates_to_unpin(fmt: str) -> None:
    """Pins seen unread where the code parsed some responses itself are not advised for removal."""
    reads = recorded("name")
    reads.note_untracked("github.repos_get")
    report = coverage_report(reads, {"github.repos_get": {"$.name", "$.owner"}})
    assert report.contracts[0].unread_pins == ("$.owner",)
    assert "candidate" not in report.render(fmt).lower()


def test_a_contract_only_parsed_untracked_is_reported_as_not_tracked() -> None:
    """No read seen, but responses replayed and parsed by the code: "not tracked"."""
    reads = ReadRecorder()
    reads.note_untracked("github.repos_get")
    text = coverage_report(reads, {"github.repos_get": {"$.name"}}).render("text")
    assert text.startswith("-    github.repos_get: not tracked: ")


def test_each_site_file_is_resolved_once_per_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many reads through one source file resolve that file (and the root) once."""
    recorder = recorded(*(f"field_{i}" for i in range(20)))
    resolved: list[str] = []
    real = Path.resolve

    def counted(self: Path, strict: bool = False) -> Path:
        resolved.append(str(self))
        return real(self, strict)

    monkeypatch.setattr(Path, "resolve", counted)
    report = coverage_report(recorder, {}, root=Path(THIS_FILE).parents[2])
    assert {read.file for read in report.unpinned_reads} == {"tests/coverage/test_report.py"}
    assert len(resolved) == 2


@pytest.mark.parametrize(
    ("reads", "count"),
    [
        (("owner.login",), 1),
        (("owner.login", "owner.id"), 2),
        (("owner",), 1),
        (("owners[*].login",), 1),
        (("stargazers_count", "owner.login"), 2),
    ],
)
def test_text_counts_the_fields_read_not_the_containers_on_the_way(
    reads: tuple[str, ...], count: int
) -> None:
    """``$.owner`` read on the way to ``$.owner.login`` is one field read, not two."""
    pins = {"$.stargazers_count", "$.owner.login", "$.owner.id", "$.owners[*].login"}
    report = coverage_report(recorded(*reads), {"github.repos_get": pins})
    assert f"github.repos_get: {count} field(s) read, 4 pinned" in report.render("text")
    assert f"| `github.repos_get` | {count} | 4 |" in report.render("markdown")


def test_a_container_read_on_the_way_is_not_reported_unpinned() -> None:
    """Reading unpinned ``$.owner.login`` reports that one field, not ``$.owner`` as well."""
    report = coverage_report(recorded("owner.login"), {"github.repos_get": {"$.id"}})
    assert [read.path for read in report.unpinned_reads] == ["$.owner.login"]
    assert "| `github.repos_get` | 1 | 1 | 1 | 1 |" in report.render("markdown")
