"""The plugin as a new project meets it: pytest-recording's defaults, no fixture to copy, no
contracts yet, settings read from pyproject.toml like the CLI reads them, and nothing paid by
runs that replay nothing.

The payloads are synthetic test inputs (see conftest.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import REAL_UPSTREAM_CONFIG
from .conftest import CONTRACTS, USER_SCHEMA, cassette

TESTS = """
import pytest
import requests


@pytest.mark.vcr
def test_fetch_user():
    assert requests.get("{url}").json()["login"] == "octo"
"""

# pytest's own settings only; record mode "none" is pytest-recording's default.
PYTEST_ONLY = """\
[tool.pytest.ini_options]
addopts = ["-p", "no:cacheprovider"]
"""

# Prints, as the process ends, which heavy modules it imported (for runpytest_subprocess).
IMPORTS_PROBE = """
import sys


def pytest_unconfigure(config):
    role = "worker" if hasattr(config, "workerinput") else "main"
    for name in ("jsonschema", "referencing", "cassette_contracts.checking.run"):
        print(f"{role} imported {name}: {name in sys.modules}")
"""


def _project(
    root: Path,
    payload: dict[str, object],
    *,
    contracts: bool = True,
    url: str = "https://api.github.com/users/octo",
    pyproject: str = PYTEST_ONLY,
) -> Path:
    """A project laid out by pytest-recording's defaults; the test's cassette path."""
    (root / "pyproject.toml").write_text(pyproject)
    if contracts:
        (root / "schemas").mkdir()
        (root / "schemas" / "user.schema.json").write_text(json.dumps(USER_SCHEMA))
        (root / "schemas" / "contracts.toml").write_text(CONTRACTS)
    tests = root / "tests"
    (tests / "cassettes" / "test_client").mkdir(parents=True)
    (tests / "test_client.py").write_text(TESTS.format(url=url))
    path = tests / "cassettes" / "test_client" / "test_fetch_user.yaml"
    path.write_text(cassette(payload, url))
    return path


def test_cassettes_in_pytest_recordings_default_folder_are_checked(
    pytester: pytest.Pytester,
) -> None:
    """Cassettes at cassettes/<module>/ beside the tests are held to their contracts."""
    _project(pytester.path, {"login": "octo", "public_repos": "eight"})
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*tests/cassettes/test_client/test_fetch_user.yaml:2: interaction 0: GET *",
            "*contract 'user' is broken at $.public_repos*",
        ]
    )


def test_without_contracts_the_plugin_says_so_in_one_line(pytester: pytest.Pytester) -> None:
    """No contracts.toml yet: tests replay unchecked and the summary says so, once."""
    _project(pytester.path, {"login": "octo", "public_repos": "eight"}, contracts=False)
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    ours = [line for line in result.stdout.lines if line.startswith("cassette-contracts")]
    assert ours == [
        "cassette-contracts: no contracts yet (schemas/contracts.toml not found): "
        "replayed cassettes are not checked; `cassette-contracts init --from-coverage` "
        "starts them from the fields the tests read"
    ]


def test_without_contracts_jsonschema_is_never_imported(pytester: pytest.Pytester) -> None:
    """A project without contracts does not pay for loading any."""
    _project(pytester.path, {"login": "octo", "public_repos": 8}, contracts=False)
    pytester.makeconftest(IMPORTS_PROBE)
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["main imported jsonschema: False"])


def test_a_replay_whose_schemas_passed_before_imports_no_schema_library(
    pytester: pytest.Pytester,
) -> None:
    """Once the schemas passed their checks (kept in the cache folder), a replay whose
    payloads hold imports neither jsonschema nor referencing: the quick check decides."""
    _project(pytester.path, {"login": "octo", "public_repos": 8})
    pytester.makeconftest(IMPORTS_PROBE)
    first = pytester.runpytest_subprocess()
    first.assert_outcomes(passed=1)
    first.stdout.fnmatch_lines(
        ["main imported jsonschema: True", "main imported referencing: True"]
    )
    second = pytester.runpytest_subprocess()
    second.assert_outcomes(passed=1)
    second.stdout.fnmatch_lines(
        ["main imported jsonschema: False", "main imported referencing: False"]
    )


def test_a_violation_after_a_clean_run_is_described_by_jsonschema(
    pytester: pytest.Pytester,
) -> None:
    """With the schemas' verdicts kept, a payload that breaks its contract still fails with
    jsonschema's description of what is wrong and where."""
    path = _project(pytester.path, {"login": "octo", "public_repos": 8})
    pytester.runpytest().assert_outcomes(passed=1)
    path.write_text(cassette({"login": "octo", "public_repos": "8"}))
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*contract 'user' is broken at $.public_repos*"])


def test_run_that_replays_nothing_loads_no_contracts(pytester: pytest.Pytester) -> None:
    """With contracts but no replaying test, nothing is loaded at session end."""
    _project(pytester.path, {"login": "octo", "public_repos": 8})
    (pytester.path / "tests" / "test_client.py").write_text("def test_plain():\n    pass\n")
    pytester.makeconftest(IMPORTS_PROBE)
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["main imported jsonschema: False"])


@pytest.fixture(scope="module")
def xdist_run(tmp_path_factory: pytest.TempPathFactory) -> pytest.RunResult:
    """The project with contracts, run under xdist (``-n 2 -s``) with the imports probe.

    One run read by several tests, so not through the function-scoped ``pytester``, but run as
    its ``runpytest_subprocess`` runs one: ``python -mpytest --basetemp=...`` in the project
    folder, which is also HOME and first on PYTHONPATH; no outer PYTEST_ADDOPTS, no colours,
    and (as the autouse fixture does for every test) no developer upstream configuration.
    """
    root = tmp_path_factory.mktemp("xdist_run")
    _project(root, {"login": "octo", "public_repos": 8})
    (root / "conftest.py").write_text(IMPORTS_PROBE.strip())
    drop = {"PYTEST_ADDOPTS", "TOX_ENV_DIR", *REAL_UPSTREAM_CONFIG}
    env = {name: value for name, value in os.environ.items() if name not in drop}
    env.update(
        HOME=str(root),
        USERPROFILE=str(root),
        PY_COLORS="0",
        PYTEST_DEBUG_TEMPROOT=str(tmp_path_factory.mktemp("xdist_run_tmp")),
        PYTHONPATH=os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH", "")])),
    )
    command = [sys.executable, "-mpytest", f"--basetemp={root / 'basetemp'}", "-n", "2", "-s"]
    done = subprocess.run(
        command, cwd=root, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    return pytest.RunResult(done.returncode, done.stdout.splitlines(), done.stderr.splitlines(), 0)


def test_xdist_controller_does_no_validation_work(xdist_run: pytest.RunResult) -> None:
    """Under xdist the workers validate; the controller only merges reads and judges coverage."""
    xdist_run.assert_outcomes(passed=1)
    xdist_run.stdout.fnmatch_lines(
        ["*1 replayed interaction(s) held to their contracts*", "ok   user: 1 field(s) read*"]
    )
    xdist_run.stdout.fnmatch_lines(["main imported cassette_contracts.checking.run: False"])


def test_xdist_controller_takes_the_pins_from_a_worker(xdist_run: pytest.RunResult) -> None:
    """Under xdist the controller judges coverage with pins a worker sent: it loads no schema."""
    xdist_run.assert_outcomes(passed=1)
    xdist_run.stdout.fnmatch_lines(["ok   user: 1 field(s) read, 2 pinned*"])
    xdist_run.stdout.fnmatch_lines(["main imported jsonschema: False"])


@pytest.mark.parametrize(
    ("setting", "outcome"),
    [("", "failed"), ("strict = true", "failed"), ("strict = false", "passed")],
)
def test_interaction_without_contract_fails_when_strict_else_warns(
    pytester: pytest.Pytester, setting: str, outcome: str
) -> None:
    """`strict` in [tool.cassette_contracts] decides, as for the CLI: fail, or a summary warning."""
    pyproject = PYTEST_ONLY + f"\n[tool.cassette_contracts]\n{setting}\n"
    url = "https://api.github.com/orgs/octo"
    _project(pytester.path, {"login": "octo"}, url=url, pyproject=pyproject)
    result = pytester.runpytest()
    result.assert_outcomes(**{outcome: 1})
    expected = (
        f"*tests/cassettes/test_client/test_fetch_user.yaml:2: interaction 0*no contract*GET {url}*"
    )
    result.stdout.fnmatch_lines([expected])
    if outcome == "passed":
        result.stdout.fnmatch_lines(
            [
                "cassette-contracts: warning: 1 replayed interaction(s) match no contract "
                "(strict = false):"
            ]
        )


def test_vcrpy_skips_patchers_of_libraries_not_installed(pytester: pytest.Pytester) -> None:
    """A replaying test's cassette skips exactly the patcher groups whose library is missing."""
    _project(pytester.path, {"login": "octo", "public_repos": 8})
    (pytester.path / "tests" / "test_client.py").write_text(
        TESTS.format(url="https://api.github.com/users/octo")
        + """

@pytest.mark.vcr
def test_fetch_user_skips(vcr):
    from vcr.patch import PATCHER_NAMES
    from cassette_contracts.cassettes.patchers import missing_patcher_groups

    missing = missing_patcher_groups(PATCHER_NAMES)
    assert missing and set(vcr.skip_patchers) == set(missing)
"""
    )
    default = pytester.path / "tests" / "cassettes" / "test_client"
    (default / "test_fetch_user_skips.yaml").write_text(
        (default / "test_fetch_user.yaml").read_text()
    )
    pytester.runpytest().assert_outcomes(passed=2)
