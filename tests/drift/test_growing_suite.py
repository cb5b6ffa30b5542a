"""Drift between two cassette folders of a suite that grows: only what both sides recorded
can break; what one side alone recorded is informational ("new" / "not re-recorded")."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Any

import pytest
from vcr.serializers import yamlserializer

from cassette_contracts.cli import main

BASE = "http://api.example.test"

SCHEMAS = {
    "item.schema.json": {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    },
    "error.schema.json": {
        "type": "object",
        "required": ["message"],
        "properties": {"message": {"type": "string"}},
    },
}

CONTRACTS = f"""
[[contract]]
name = "shop.item"
request = "GET {BASE}/items/{{id}}"
status = 200
schema = "item.schema.json"

[[contract]]
name = "shop.item.missing"
request = "GET {BASE}/items/{{id}}"
status = 404
schema = "error.schema.json"

[[contract]]
name = "shop.order"
request = "GET {BASE}/orders/{{id}}"
status = 200
schema = "item.schema.json"
"""

ITEM = (200, {"id": 1, "name": "pen"})
MISSING = (404, {"message": "Not Found"})


def interaction(path: str, status: int, body: Any, *, gzipped: bool = False) -> dict[str, Any]:
    raw = json.dumps(body).encode()
    headers = {"Content-Type": ["application/json"]}
    stored: Any = raw.decode()
    if gzipped:
        headers["Content-Encoding"] = ["gzip"]
        stored = gzip.compress(raw)
    return {
        "request": {"method": "GET", "uri": f"{BASE}{path}", "body": None, "headers": {}},
        "response": {
            "status": {"code": status, "message": "OK" if status == 200 else "Not Found"},
            "headers": headers,
            "body": {"string": stored},
        },
    }


def write(folder: Path, name: str, *interactions: dict[str, Any]) -> None:
    path = folder / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yamlserializer.serialize({"version": 1, "interactions": list(interactions)}))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with its own contracts and two empty cassette folders."""
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "contracts.toml").write_text(CONTRACTS)
    for name, schema in SCHEMAS.items():
        (schemas / name).write_text(json.dumps(schema))
    (tmp_path / "pyproject.toml").write_text("[tool.cassette_contracts]\n")
    return tmp_path


def drift(project: Path) -> tuple[int, dict[str, Any]]:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        [
            "drift",
            "--baseline",
            str(project / "baseline"),
            "--fresh",
            str(project / "fresh"),
            "--schemas",
            str(project / "schemas"),
            "--format",
            "json",
        ],
        out,
        err,
    )
    assert code in (0, 1), err.getvalue()
    return code, json.loads(out.getvalue())


def changes(report: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    return sorted(
        (c["contract"], c["kind"], c["severity"], c["before"], c["after"])
        for endpoint in report["endpoints"]
        for c in endpoint["changes"]
    )


def test_status_recorded_only_on_the_fresh_side_is_new(project: Path) -> None:
    """A test added since the baseline records a 404 for a new request: informational "new"."""
    write(project / "baseline", "items", interaction("/items/1", *ITEM))
    write(
        project / "fresh",
        "items",
        interaction("/items/1", *ITEM),
        interaction("/items/999", *MISSING),
    )
    code, report = drift(project)
    assert code == 0
    assert changes(report) == [("shop.item.missing", "new", "informational", "absent", "404")]


def test_status_recorded_only_on_the_baseline_side_is_not_rerecorded(project: Path) -> None:
    """A partial fresh folder without the 404 request: "not re-recorded", not breaking."""
    write(project / "baseline", "items", interaction("/items/1", *ITEM))
    write(project / "baseline", "missing", interaction("/items/999", *MISSING))
    write(project / "fresh", "items", interaction("/items/1", *ITEM))
    code, report = drift(project)
    assert code == 0
    assert changes(report) == [
        ("shop.item.missing", "not re-recorded", "informational", "404", "absent")
    ]


def test_endpoint_recorded_only_on_the_fresh_side_is_new(project: Path) -> None:
    """A whole endpoint no baseline cassette holds is informational "new"."""
    write(project / "baseline", "items", interaction("/items/1", *ITEM))
    write(project / "fresh", "items", interaction("/items/1", *ITEM))
    write(project / "fresh", "orders", interaction("/orders/7", *ITEM))
    code, report = drift(project)
    assert code == 0
    assert changes(report) == [("shop.order", "new", "informational", "absent", "200")]


def test_endpoint_recorded_only_on_the_baseline_side_is_not_rerecorded(project: Path) -> None:
    """A whole endpoint the fresh run did not request is informational "not re-recorded"."""
    write(project / "baseline", "items", interaction("/items/1", *ITEM))
    write(project / "baseline", "orders", interaction("/orders/7", *ITEM))
    write(project / "fresh", "items", interaction("/items/1", *ITEM))
    code, report = drift(project)
    assert code == 0
    assert changes(report) == [("shop.order", "not re-recorded", "informational", "200", "absent")]


def test_same_request_answered_with_another_status_is_breaking(project: Path) -> None:
    """The one request both sides made now gets a 404 instead of a 200: breaking."""
    write(project / "baseline", "items", interaction("/items/1", *ITEM))
    write(project / "fresh", "items", interaction("/items/1", *MISSING))
    code, report = drift(project)
    assert code == 1
    assert changes(report) == [
        ("shop.item", "status code changed", "breaking", "200", "404"),
    ]


def test_gzip_bodies_are_compared_decoded(project: Path) -> None:
    """A pinned field removed from a gzip body is found, as in a plain body."""
    write(project / "baseline", "items", interaction("/items/1", *ITEM, gzipped=True))
    write(
        project / "fresh",
        "items",
        interaction("/items/1", 200, {"id": 1}, gzipped=True),
    )
    code, report = drift(project)
    assert code == 1
    assert changes(report) == [("shop.item", "field removed", "breaking", "string", "absent")]


def test_interactions_under_no_contract_are_skipped_when_not_strict(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """strict = false: an interaction no contract covers is left out of drift with a note,
    as `check` warns about it, instead of stopping the comparison."""
    (project / "pyproject.toml").write_text("[tool.cassette_contracts]\nstrict = false\n")
    monkeypatch.chdir(project)
    for side in ("baseline", "fresh"):
        write(
            project / side,
            "shop",
            interaction("/items/1", 200, {"id": 1, "name": "pen"}),
            interaction("/carts/7", 200, {"total": 3}),
        )
    out, err = io.StringIO(), io.StringIO()
    args = ["drift", "--baseline", str(project / "baseline"), "--fresh", str(project / "fresh")]
    code = main([*args, "--schemas", str(project / "schemas")], out, err)
    assert code == 0, err.getvalue()
    assert "shop.item: no drift" in out.getvalue()
    assert err.getvalue() == (
        "note: interaction(s) under no contract left out of the comparison (strict = false): "
        "1 baseline, 1 fresh\n"
    )


def test_interactions_under_no_contract_stop_drift_when_strict(project: Path) -> None:
    """strict (the default): an interaction no contract covers is a one-line input error."""
    for side in ("baseline", "fresh"):
        write(project / side, "shop", interaction("/carts/7", 200, {"total": 3}))
    out, err = io.StringIO(), io.StringIO()
    args = ["drift", "--baseline", str(project / "baseline"), "--fresh", str(project / "fresh")]
    code = main([*args, "--schemas", str(project / "schemas")], out, err)
    assert code == 2
    assert "no contract" in err.getvalue()
    assert len(err.getvalue().strip().splitlines()) == 1
