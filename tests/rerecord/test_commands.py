"""The `drift` and `scan` commands, and drift between two real recordings years apart."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from vcr.serializers import yamlserializer

from cassette_contracts.cli import main

from .conftest import ROOT, tree_digest
from .upstream import Upstream

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1", "localhost"])

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
