"""The command line: exit codes, usage errors on one line, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from cassette_contracts.coverage.reads import ReadRecorder
from cassette_contracts.settings import load_settings

from ..conftest import Run


def test_all_contracts_hold(project: Path, cli: Callable[..., Run]) -> None:
    """The fixture project passes: exit 0, nothing on stderr."""
    run = cli("check")
    assert (run.code, run.err) == (0, "")
    assert run.out.endswith(
        "4 cassette(s), 5 interaction(s): 0 violation(s), 0 input error(s) - all contracts hold\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "the following arguments are required: COMMAND"),
        (("lint",), "argument COMMAND: invalid choice: 'lint'"),
        (("check", "--format", "xml"), "argument --format: invalid choice: 'xml'"),
        (("check", "nowhere.yaml"), "no such cassette file or folder: nowhere.yaml"),
        (("check", "--jobs", "0"), "--jobs must be at least 1, got 0"),
    ],
)
def test_usage_error(
    project: Path, cli: Callable[..., Run], args: tuple[str, ...], message: str
) -> None:
    """A usage error is one line on stderr and exit code 2."""
    run = cli(*args)
    assert run.code == 2
    assert run.out == ""
    assert len(run.err.splitlines()) == 1
    assert message in run.err


def test_missing_schemas_folder(project: Path, cli: Callable[..., Run]) -> None:
    """A project without contracts.toml says where it looked."""
    run = cli("check", "--schemas", "nothing-here")
    assert run.code == 2
    assert run.err == (
        "cassette-contracts: error: nothing-here/contracts.toml: cannot read contracts: "
        "No such file or directory\n"
    )


def test_help_goes_to_stdout(cli: Callable[..., Run]) -> None:
    """--help prints every subcommand on the given stdout and exits 0."""
    run = cli("--help")
    assert run.code == 0
    for name in ("check", "rerecord", "drift", "scan", "init", "coverage", "audit"):
        assert name in run.out


_LOADED_BY_HELP = """
import sys
from cassette_contracts.cli import main
main(["--help"])
print(sorted(m for m in sys.modules if m.startswith("cassette_contracts.")), file=sys.stderr)
"""


def test_help_imports_no_subcommand_module() -> None:
    """--help lists the subcommands without importing what any of them needs."""
    done = subprocess.run(
        [sys.executable, "-c", _LOADED_BY_HELP], capture_output=True, text=True, check=True
    )
    assert done.stderr.strip() == "['cassette_contracts.cli', 'cassette_contracts.errors']"


def test_version_is_the_installed_one(cli: Callable[..., Run]) -> None:
    """--version prints the installed distribution's version and exits 0."""
    from importlib.metadata import version

    run = cli("--version")
    assert (run.code, run.out) == (0, f"cassette-contracts {version('cassette-contracts')}\n")


def test_console_script(project: Path) -> None:
    """The installed entry point runs the same main(): exit code and report."""
    done = subprocess.run(
        [sys.executable, "-c", "from cassette_contracts.cli import run; run()", "check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "all contracts hold" in done.stdout


def test_coverage_before_any_test_run_says_to_run_the_tests(
    project: Path, cli: Callable[..., Run]
) -> None:
    """`coverage` with no recorded run: exit 2 and one line saying to run the tests first."""
    run = cli("coverage")
    assert run.code == 2
    assert "no contract coverage data in" in run.err
    assert "run the tests first" in run.err
    assert run.err.count("\n") == 1


def test_coverage_of_a_run_whose_code_parsed_every_response_itself_is_a_report(
    project: Path, cli: Callable[..., Run]
) -> None:
    """A run that only saw untracked payloads recorded something: the report says "not tracked"."""
    recorder = ReadRecorder()
    recorder.note_untracked("github.user")
    recorder.save(load_settings().coverage_dir, "master")
    run = cli("coverage")
    assert run.code in (0, 1), run.err
    assert "github.user: not tracked" in run.out
