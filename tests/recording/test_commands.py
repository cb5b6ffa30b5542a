"""The `drift` and `scan` commands, and drift between two real recordings years apart."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from vcr.serializers import yamlserializer

from cassette_contracts.cli import main

from .conftest import ROOT, tree_digest
from .upstream import Upstream

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1", "localhost"])

#: Small inputs, so that a command reaches its output quickly.
SMALL_DIR = "cassettes/notifications"
SMALL = f"{SMALL_DIR}/publish.yaml"
CLI = [sys.executable, "-c", "from cassette_contracts.cli import run; run()"]
USERS_GET = ROOT / "tests" / "data" / "realdata" / "github" / "users_get"


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def real_user_cassette(folder: Path, sample: str) -> Path:
    """A cassette holding the real recording ``users_get/<sample>`` (body and headers)."""
    meta = json.loads((USERS_GET / f"{sample}.meta.json").read_text())
    body = (USERS_GET / f"{sample}.json").read_text()
    headers = {name: [value] for name, value in meta["key_headers"].items()}
    data = {
        "version": 1,
        "interactions": [
            {
                "request": {"method": "GET", "uri": meta["url"], "body": None, "headers": {}},
                "response": {
                    "status": {"code": meta["status"], "message": "OK"},
                    "headers": headers,
                    "body": {"string": body},
                },
            }
        ],
    }
    path = folder / "github" / "user.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(yamlserializer.serialize(data))
    return path


def test_two_real_recordings_years_apart_drift_informationally(tmp_path: Path) -> None:
    """GET /users recorded in 2023 and 2025: user_view_type appears, nothing breaks."""
    real_user_cassette(tmp_path / "baseline", "pygithub_20230515_1")
    real_user_cassette(tmp_path / "fresh", "pygithub_20250103_1")
    code, out, _ = cli(
        "drift",
        "--baseline",
        str(tmp_path / "baseline"),
        "--fresh",
        str(tmp_path / "fresh"),
        "--schemas",
        str(ROOT / "schemas"),
        "--format",
        "json",
    )
    report = json.loads(out)
    assert code == 0
    assert report["breaking"] is False
    (endpoint,) = report["endpoints"]
    assert endpoint["contract"] == "github.user"
    added = {c["path"] for c in endpoint["changes"] if c["kind"] == "field added"}
    assert "$.user_view_type" in added
    assert {c["severity"] for c in endpoint["changes"]} == {"informational"}


def test_offline_drift_of_identical_folders_is_empty(tmp_path: Path) -> None:
    """The committed cassettes compared with themselves: every endpoint, no drift."""
    code, out, _ = cli(
        "drift",
        "--baseline",
        str(ROOT / "cassettes"),
        "--fresh",
        str(ROOT / "cassettes"),
        "--schemas",
        str(ROOT / "schemas"),
    )
    assert code == 0
    assert out.startswith("drift: 0 breaking, 0 informational change(s)")


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        pytest.param(["drift", "--baseline", "x"], "give both --baseline", id="baseline-only"),
        pytest.param(["drift", "--format", "yaml"], "invalid choice: 'yaml'", id="bad-format"),
        pytest.param(
            ["drift", "--baseline", "nope", "--fresh", "nope"], "no such folder", id="no-folder"
        ),
    ],
)
def test_drift_usage_errors_exit_2_in_one_line(argv: list[str], says: str) -> None:
    """A bad command line: exit 2, one line on stderr that says what is wrong."""
    code, _out, err = cli(*argv, "--schemas", str(ROOT / "schemas"))
    assert code == 2
    assert says in err
    assert err.count("\n") == 1


def test_recorded_drift_exits_1_on_breaking_and_writes_the_report(
    project: Path,
    upstream: Upstream,
    committed: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`drift --format markdown --output F`: fresh recording, never promoted, exit 1."""

    def retype(url: str, body: Any) -> Any:
        if url.endswith("/users/yurinnick"):
            body["public_repos"] = str(body["public_repos"])
        return body

    upstream.edit = retype
    monkeypatch.chdir(project)
    for variable, value in upstream.environ().items():
        monkeypatch.setenv(variable, value)
    report = project / "drift.md"
    code, _, err = cli(
        "drift",
        "--only",
        "test_prolific_with_71_repos",
        "--format",
        "markdown",
        "--output",
        str(report),
    )
    assert code == 1, err
    text = report.read_text()
    assert text.startswith("## API drift: breaking drift")
    assert "`$.public_repos`" in text
    assert tree_digest(project / "cassettes") == committed


def test_scan_names_the_file_and_place_of_a_token(tmp_path: Path) -> None:
    """A GitHub token in a cassette: exit 1, the finding names file, line and header."""
    cassette = tmp_path / "leak.yaml"
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    cassette.write_text(
        (ROOT / "cassettes" / "github" / "user_yurinnick.yaml")
        .read_text()
        .replace(
            "      Accept:\n", f"      Authorization:\n      - token {token}\n      Accept:\n", 1
        )
    )
    code, out, err = cli("scan", str(tmp_path))
    assert code == 1
    assert f"{cassette}:" in out
    assert "header Authorization" in out
    assert token not in out + err


def test_scan_of_the_committed_cassettes_is_clean() -> None:
    """`cassette-contracts scan cassettes/` (run by `make test`) finds nothing."""
    assert cli("scan", str(ROOT / "cassettes")) == (0, "scan: 14 cassettes, 0 secrets\n", "")


def test_scan_of_a_missing_path_is_an_input_error(tmp_path: Path) -> None:
    """A path that does not exist: exit 2, one line naming it."""
    code, _, err = cli("scan", str(tmp_path / "nope"))
    assert code == 2
    assert "nope" in err


# -- exit codes, closed pipes, the lock, symlinks, cut-off recordings ------------------------


def test_help_documents_the_exit_codes() -> None:
    """`--help` (and each command's) names 0, 1, 2 and 3 = could not record."""
    for argv in (["--help"], ["rerecord", "--help"]):
        code, out, _ = cli(*argv)
        assert code == 0
        text = " ".join(out.split())
        assert "Exit codes: 0 ok" in text
        assert "2 usage or input error" in text
        assert "3 could not record or promote" in text


@pytest.mark.parametrize(
    ("argv", "exit_code"),
    [
        # argparse itself ignores a failed write of its help, and exits 0
        pytest.param(["--help"], 0, id="help"),
        pytest.param(["check", "--no-cache", "--format", "json", SMALL], 141, id="check-json"),
        pytest.param(
            ["drift", "--baseline", SMALL_DIR, "--fresh", SMALL_DIR, "--format", "json"],
            141,
            id="drift-json",
        ),
    ],
)
def test_output_into_a_closed_pipe_ends_quietly(argv: list[str], exit_code: int) -> None:
    """A reader that went away (`... | head -1`): no BrokenPipeError traceback, exit 141."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first byte is written
    try:
        proc = subprocess.run(
            [*CLI, *argv],
            cwd=ROOT,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert proc.stderr == ""
    assert proc.returncode == exit_code


def test_coverage_json_into_a_closed_pipe_ends_quietly(project: Path) -> None:
    """`cassette-contracts coverage --format json | head -1`, the reader gone: quiet, 141."""
    from cassette_contracts.coverage.reads import _FILE_FORMAT, _FILE_VERSION, ReadRecorder

    read = {"contract": "github.user", "path": "$.login", "optional": False, "sites": [["t", 1]]}
    document = {"format": _FILE_FORMAT, "version": _FILE_VERSION, "reads": [read]}
    ReadRecorder.from_json(json.dumps(document)).save(
        project / ".cassette-contracts" / "coverage", "gw0"
    )
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            [*CLI, "coverage", "--format", "json"],
            cwd=project,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert (proc.returncode, proc.stderr) == (141, "")


def test_second_rerecord_while_one_holds_the_lock_exits_3_in_one_line(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lock is held: `rerecord` exits 3 at once with one line, nothing recorded."""
    from cassette_contracts.recording.promote import cassettes_lock

    monkeypatch.chdir(project)
    with cassettes_lock(project / ".staging" / "lock", "rerecord"):
        code, out, err = cli("rerecord", "--only", "nothing")
    assert (code, out) == (3, "")
    assert "another rerecord or drift is running" in err
    assert err.count("\n") == 1
    assert not list((project / ".staging").glob("rerecord-*"))


def test_rerecord_refuses_a_symlink_leading_out_of_the_cassettes(
    project: Path, committed: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A symlinked cassette folder pointing outside: exit 2, one line, nothing written."""
    outside = tmp_path / "elsewhere"
    (project / "cassettes" / "github").rename(outside)
    (project / "cassettes" / "github").symlink_to(outside, target_is_directory=True)
    before = tree_digest(outside)
    monkeypatch.chdir(project)
    code, _out, err = cli("rerecord", "--only", "test_prolific_with_71_repos")
    assert code == 2
    assert "symlink leads outside the cassettes folder" in err
    assert "cassettes/github" in err
    assert err.count("\n") == 1
    assert tree_digest(outside) == before
    assert not list((project / ".staging").glob("rerecord-*"))


TRUNCATING_PLUGIN = '''\
from pathlib import Path


def pytest_sessionfinish(session):
    """Cut the first fresh cassette in half, as a recording killed mid-write would."""
    folder = Path(session.config.getoption("--contract-cassettes"))
    first = sorted(folder.rglob("*.yaml"))[0]
    first.write_bytes(first.read_bytes()[: first.stat().st_size // 2])
'''


def test_cut_off_staging_cassette_is_a_recording_failure(
    project: Path, upstream: Upstream, committed: dict[str, str]
) -> None:
    """A fresh cassette cut off mid-write: exit 3, one line naming it, no YAML traceback."""
    from cassette_contracts.recording.rerecord import rerecord
    from cassette_contracts.settings import load_settings

    (project / "truncating_plugin.py").write_text(TRUNCATING_PLUGIN)
    env = {**os.environ, **upstream.environ(), "PYTHONPATH": str(project)}
    outcome = rerecord(
        load_settings(project),
        only="test_prolific_with_71_repos",
        env=env,
        pytest_args=["-p", "truncating_plugin"],
    )
    assert outcome.exit_code == 3
    assert outcome.reason is not None
    assert "recording failed: a fresh cassette is cut off" in outcome.reason
    assert "user_yurinnick.yaml" in outcome.reason
    assert "\n" not in outcome.reason
    assert outcome.staging.is_dir()
    assert tree_digest(project / "cassettes") == committed


def test_check_finishes_an_interrupted_promotion_and_says_so(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A journal left by a killed promotion: `check` rolls it forward first, with a note."""
    from cassette_contracts.recording.promote import JOURNAL

    cassettes = project / "cassettes"
    target = cassettes / "github" / "user_yurinnick.yaml"
    fresh = target.read_bytes().replace(b"version: 1", b"version: 1\n", 1)
    (target.parent / ".cassette-contracts-user_yurinnick.yaml.new").write_bytes(fresh)
    (cassettes / JOURNAL).write_text(
        json.dumps(
            {
                "version": 1,
                "entries": [
                    {
                        "path": "github/user_yurinnick.yaml",
                        "existed": True,
                        "sha256": hashlib.sha256(fresh).hexdigest(),
                    }
                ],
            }
        )
    )
    monkeypatch.chdir(project)
    code, _out, err = cli("check", "--no-cache", str(target))
    assert code == 0, err
    assert "note: finished an interrupted promotion of 1 cassette(s)" in err
    assert target.read_bytes() == fresh
    assert not list(cassettes.rglob(".cassette-contracts-*"))
