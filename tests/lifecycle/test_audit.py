"""`cassette-contracts audit`: unused interactions, orphan cassettes, age, from the last run."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from cassette_contracts.cassettes.load import load_cassette
from cassette_contracts.cli import main
from cassette_contracts.lifecycle.audit import audit, load_plays
from cassette_contracts.settings import load_settings

from .conftest import PAGE, MakeProject

#: user_jacquev6.yaml's provenance says recorded_at 2025-01-03T22:05:16Z.
JACQUEV6_RECORDED = datetime(2025, 1, 3, 22, 5, 16, tzinfo=timezone.utc)


def run_audit(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["audit", *args], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def audit_json(*args: str) -> dict[str, Any]:
    code, out, err = run_audit("--format", "json", *args)
    assert code in (0, 1), err
    document: dict[str, Any] = json.loads(out)
    return document


def by_path(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["path"]: c for c in document["cassettes"]}


def test_interaction_no_test_plays_is_reported_with_file_and_line(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """Pages 2 and 4 of a cassette whose tests play pages 1 and 3 are unused, at their lines."""
    root = make_project()
    assert pytester.runpytest().ret == pytest.ExitCode.OK
    lines = [i.line for i in load_cassette(root / "cassettes/user_repos_kohsuke.yaml").interactions]
    code, out, _err = run_audit()
    assert code == 0
    for index in (1, 3):
        assert (
            f"unused: cassettes/user_repos_kohsuke.yaml:{lines[index]}: interaction {index} "
            f"(GET {PAGE.format(index + 1)}) was never played"
        ) in out
    kohsuke = by_path(audit_json())["cassettes/user_repos_kohsuke.yaml"]
    assert [(u["index"], u["line"]) for u in kohsuke["unused"]] == [(1, lines[1]), (3, lines[3])]


def test_cassette_no_test_loads_is_an_orphan(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """A cassette file no test loaded is reported as an orphan; loaded ones are not."""
    make_project()
    assert pytester.runpytest().ret == pytest.ExitCode.OK
    code, out, _err = run_audit()
    assert code == 0
    assert "orphan: cassettes/user_yurinnick.yaml: no test loaded this cassette" in out
    document = audit_json()
    assert [c["path"] for c in document["cassettes"] if c["orphan"]] == [
        "cassettes/user_yurinnick.yaml"
    ]
    assert document["orphan_cassettes"] == 1


def test_serial_and_xdist_runs_give_the_same_report(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """Play counts merged from two xdist workers give the serial run's report, byte for byte."""
    root = make_project()
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)

    def report() -> str:
        settings = load_settings(root)
        return audit(settings, load_plays(settings), now=now).render("json")

    assert pytester.runpytest().ret == pytest.ExitCode.OK
    serial = report()
    parallel = pytester.runpytest_subprocess("-p", "xdist", "-n", "2")
    assert parallel.ret == pytest.ExitCode.OK
    parallel.stdout.fnmatch_lines(["*2 workers*"])
    workers = sorted(p.name for p in (root / ".cassette-contracts/coverage/plays").glob("*.json"))
    assert workers == ["gw0.json", "gw1.json", "main.json"]
    assert report() == serial


@pytest.mark.parametrize(
    ("policy", "exit_code", "label"), [("warn", 0, "warning"), ("fail", 1, "FAIL")]
)
def test_cassette_older_than_max_age_warns_or_fails_per_policy(
    pytester: pytest.Pytester, make_project: MakeProject, policy: str, exit_code: int, label: str
) -> None:
    """recorded_at older than max_age is reported; the policy decides the exit code."""
    make_project(extra=f'max_age = "180d"\nmax_age_policy = "{policy}"\n')
    assert pytester.runpytest().ret == pytest.ExitCode.OK
    code, out, _err = run_audit()
    assert code == exit_code
    (line,) = [x for x in out.splitlines() if "cassettes/user_jacquev6.yaml: recorded" in x]
    assert line.startswith(f"{label}: cassettes/user_jacquev6.yaml: recorded 2025-01-03 (")
    assert line.endswith(
        "from metadata.provenance.recorded_at), older than max_age 180d: "
        "re-record it (`cassette-contracts rerecord`)"
    )


def test_cassette_younger_than_max_age_passes_a_fail_policy(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """Measured an hour after its recording, a cassette is within max_age 180d."""
    root = make_project(extra='max_age = "180d"\nmax_age_policy = "fail"\n')
    assert pytester.runpytest().ret == pytest.ExitCode.OK
    settings = load_settings(root)
    report = audit(
        settings,
        load_plays(settings),
        now=JACQUEV6_RECORDED + timedelta(hours=1),
        paths=[root / "cassettes/user_jacquev6.yaml"],
    )
    (cassette,) = report.cassettes
    assert cassette.age is not None
    assert cassette.age.days == 0
    assert not cassette.too_old
    assert report.exit_code == 0


def test_command_line_max_age_overrides_pyproject(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """--max-age-policy fail on the command line beats max_age_policy = "warn"."""
    make_project(extra='max_age = "180d"\nmax_age_policy = "warn"\n')
    assert pytester.runpytest().ret == pytest.ExitCode.OK
    assert run_audit()[0] == 0
    assert run_audit("--max-age-policy", "fail")[0] == 1
    assert run_audit("--max-age-policy", "fail", "--max-age", "100000d")[0] == 0


def test_date_header_dates_a_cassette_without_recorded_at(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """Without provenance recorded_at the oldest response Date header gives the age."""
    root = make_project()
    path = root / "cassettes/user_jacquev6.yaml"
    path.write_text(path.read_text().replace("recorded_at: '2025-01-03T22:05:16Z'", ""))
    assert pytester.runpytest().ret == pytest.ExitCode.OK
    jacquev6 = by_path(audit_json())["cassettes/user_jacquev6.yaml"]
    assert jacquev6["recorded_from"] == "response Date header"
    assert jacquev6["recorded_at"] == JACQUEV6_RECORDED.isoformat()


def test_no_replay_run_yet_exits_2_saying_to_run_pytest(make_project: MakeProject) -> None:
    """Without play counts the audit says, in one line, to run pytest first."""
    make_project()
    code, out, err = run_audit()
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "no replay run recorded" in err
    assert "run pytest first" in err


def test_extra_cassettes_are_split_back_per_file(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """A cassette loaded as pytest-recording's extra cassette counts as loaded and played."""
    make_project(
        """
        @pytest.mark.vcr("user_jacquev6.yaml")
        @pytest.mark.default_cassette("user_repos_kohsuke")
        def test_both():
            requests.get("https://api.github.com/users/jacquev6")
            requests.get("https://api.github.com/users/kohsuke/repos?per_page=20")
        """
    )
    assert pytester.runpytest().ret == pytest.ExitCode.OK
    cassettes = by_path(audit_json())
    assert cassettes["cassettes/user_jacquev6.yaml"]["unused"] == []
    assert not cassettes["cassettes/user_jacquev6.yaml"]["orphan"]
    assert [u["index"] for u in cassettes["cassettes/user_repos_kohsuke.yaml"]["unused"]] == [
        1,
        2,
        3,
    ]


def test_a_run_on_another_cassettes_folder_keeps_the_play_counts(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """A replay of another folder (as `rerecord` replays staging) leaves the audit data alone."""
    root = make_project()
    assert pytester.runpytest().ret == pytest.ExitCode.OK
    plays = root / ".cassette-contracts/coverage/plays/main.json"
    before = plays.read_bytes()
    (root / "cassettes").rename(root / "elsewhere")
    (root / "cassettes").mkdir()
    result = pytester.runpytest("--contract-cassettes", str(root / "elsewhere"))
    assert result.ret == pytest.ExitCode.OK
    assert plays.read_bytes() == before


def test_no_play_counts_option_records_nothing(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """--no-play-counts leaves no play data behind."""
    root = make_project()
    assert pytester.runpytest("--no-play-counts").ret == pytest.ExitCode.OK
    assert not (root / ".cassette-contracts/coverage/plays").exists()


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "markdown", "github"])
def test_every_format_names_the_unused_interaction_and_the_orphan(
    pytester: pytest.Pytester, make_project: MakeProject, fmt: str
) -> None:
    """Each report format carries the unused page and the orphan cassette."""
    make_project()
    assert pytester.runpytest().ret == pytest.ExitCode.OK
    code, out, _err = run_audit("--format", fmt)
    assert code == 0
    assert PAGE.format(2).replace("&", "&amp;" if fmt == "junit" else "&") in out
    assert "user_yurinnick.yaml" in out


def test_github_format_annotates_unused_interaction_at_its_line(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """The github format puts a warning on the file and line of an unused interaction."""
    root = make_project()
    assert pytester.runpytest().ret == pytest.ExitCode.OK
    line = load_cassette(root / "cassettes/user_repos_kohsuke.yaml").interactions[1].line
    _code, out, _err = run_audit("--format", "github")
    assert f"::warning file=cassettes/user_repos_kohsuke.yaml,line={line}," in out


def test_junit_fails_the_too_old_cassette_under_fail_policy(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """In JUnit a cassette older than max_age is a failure under the fail policy."""
    make_project(extra='max_age = "180d"\nmax_age_policy = "fail"\n')
    assert pytester.runpytest().ret == pytest.ExitCode.OK
    code, out, _err = run_audit("--format", "junit")
    assert code == 1
    assert '<failure message="older than max_age">' in out
    assert 'failures="3"' in out


def test_audit_never_writes_to_the_cassettes(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """The audit reads cassettes and never re-records or rewrites them."""
    root = make_project(extra='max_age = "1d"\nmax_age_policy = "fail"\n')
    assert pytester.runpytest().ret == pytest.ExitCode.OK
    before = {p: p.read_bytes() for p in Path(root / "cassettes").iterdir()}
    assert run_audit()[0] == 1
    assert {p: p.read_bytes() for p in Path(root / "cassettes").iterdir()} == before


def test_frozen_cassette_shows_its_age_but_never_fails_the_policy(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """A cassette of a frozen_cassette test cannot be re-recorded: it is never too old."""
    make_project(
        """
        @pytest.mark.frozen_cassette
        @pytest.mark.vcr
        @pytest.mark.default_cassette("user_jacquev6")
        def test_user():
            assert requests.get("https://api.github.com/users/jacquev6").status_code == 200
        """,
        extra='max_age = "180d"\nmax_age_policy = "fail"\n',
    )
    assert pytester.runpytest().ret == pytest.ExitCode.OK
    jacquev6 = by_path(audit_json())["cassettes/user_jacquev6.yaml"]
    assert jacquev6["frozen"] is True
    assert jacquev6["too_old"] is False
    assert jacquev6["age_days"] > 180


@pytest.mark.parametrize(
    ("setting", "says"),
    [
        ('max_age = "6 months"', "max_age must be a number of hours, days or weeks"),
        ('max_age_policy = "error"', "max_age_policy must be one of 'warn', 'fail'"),
    ],
)
def test_bad_age_setting_is_a_one_line_usage_error(
    make_project: MakeProject, setting: str, says: str
) -> None:
    """A mistyped max_age or policy names the setting and what is allowed, in one line."""
    make_project(extra=setting + "\n")
    code, _out, err = run_audit()
    assert code == 2
    assert err.count("\n") == 1
    assert "pyproject.toml [tool.cassette_contracts]" in err
    assert says in err
