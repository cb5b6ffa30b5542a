"""A JSON body nested far deeper than any API sends: `scan` and `drift` stop in one line
(exit 2) instead of a RecursionError traceback."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cassette_contracts.cli import main

DEPTH = 100_000

CASSETTE = """\
interactions:
- request:
    body: null
    headers: {{}}
    method: GET
    uri: https://api.example.test/items
  response:
    body:
      string: '{body}'
    headers:
      Content-Type: [application/json]
    status: {{code: 200, message: OK}}
version: 1
"""


def _write(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "items.yaml"
    path.write_text(CASSETTE.format(body=body))
    return path


CONTRACTS = """\
[[contract]]
name = "items"
request = "GET https://api.example.test/items"
status = 200
schema = "items.schema.json"
"""


def _contracts(root: Path) -> None:
    (root / "schemas").mkdir()
    (root / "schemas" / "contracts.toml").write_text(CONTRACTS)
    (root / "schemas" / "items.schema.json").write_text('{"type": "array"}')


def _run(argv: list[str]) -> tuple[int, list[str]]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out, err)
    return code, (out.getvalue() + err.getvalue()).splitlines()


def test_scan_refuses_a_deep_json_body_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`scan` on a body nested 100k deep: exit 2, one line naming the file and the depth."""
    monkeypatch.chdir(tmp_path)
    path = _write(tmp_path / "cassettes", "[" * DEPTH + "]" * DEPTH)
    code, lines = _run(["scan", str(path)])
    assert code == 2
    (line,) = lines
    assert "cassettes/items.yaml:" in line
    assert "nested deeper than 100 levels" in line


@pytest.mark.parametrize("side", ["baseline", "fresh"])
def test_drift_refuses_a_deep_json_body_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, side: str
) -> None:
    """`drift --baseline A --fresh B` with a body nested 100k deep on one side: exit 2, one line."""
    monkeypatch.chdir(tmp_path)
    _contracts(tmp_path)
    deep = "[" * DEPTH + "]" * DEPTH
    _write(tmp_path / "baseline", deep if side == "baseline" else "[]")
    _write(tmp_path / "fresh", deep if side == "fresh" else "[]")
    code, lines = _run(["drift", "--baseline", "baseline", "--fresh", "fresh"])
    assert code == 2
    (line,) = lines
    assert "items.yaml" in line
    assert "nested deeper than 100 levels" in line
