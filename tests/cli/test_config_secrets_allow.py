"""A `secrets_allow` entry that is not a valid regular expression is named where it is written:
in pyproject.toml's [tool.cassette_contracts]."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cassette_contracts.cli import main

PYPROJECT = """\
[tool.cassette_contracts]
cassettes = "cassettes"

[tool.cassette_contracts.secrets_allow]
"[unclosed" = "paging cursors"
"""


def test_invalid_secrets_allow_regex_names_pyproject(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`scan` with an invalid secrets_allow regex: exit 2, one line naming pyproject.toml."""
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "cassettes").mkdir()
    monkeypatch.chdir(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    assert main(["scan"], out, err) == 2
    (line,) = (out.getvalue() + err.getvalue()).splitlines()
    assert "pyproject.toml" in line
    assert "secrets_allow" in line
    assert "'[unclosed'" in line
