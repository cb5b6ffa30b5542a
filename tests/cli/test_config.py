"""Settings: command line > [tool.cassette_contracts] in pyproject.toml > built-in defaults."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cassette_contracts import UsageError, load_settings

from ..conftest import Run


def _pyproject(root: Path, table: str) -> None:
    (root / "pyproject.toml").write_text(f"[tool.cassette_contracts]\n{table}\n")


def test_defaults_without_pyproject(tmp_path: Path) -> None:
    """Without any pyproject.toml the built-in defaults apply, relative to the start folder."""
    settings = load_settings(tmp_path / "nowhere")
    assert settings.pyproject is None
    assert settings.cassettes == tmp_path / "nowhere" / "cassettes"
    assert (settings.schemas.name, settings.strict, settings.cache_dir) == (
        "schemas",
        True,
        tmp_path / "nowhere" / ".cassette-contracts",
    )


def test_pyproject_overrides_defaults(tmp_path: Path) -> None:
    """Keys of the nearest pyproject.toml replace the defaults, relative to its folder."""
    _pyproject(tmp_path, 'cassettes = "fixtures/cassettes"\nstrict = false')
    (tmp_path / "sub").mkdir()
    settings = load_settings(tmp_path / "sub")
    assert settings.pyproject == tmp_path / "pyproject.toml"
    assert settings.cassettes == tmp_path / "fixtures" / "cassettes"
    assert settings.strict is False
    assert settings.schemas == tmp_path / "schemas"  # not set: the default


def test_command_line_overrides_pyproject(tmp_path: Path) -> None:
    """Given options win over pyproject.toml; None means not given."""
    _pyproject(tmp_path, 'cassettes = "fixtures"\nschemas = "contracts"\nstrict = false')
    settings = load_settings(tmp_path, cassettes="elsewhere", schemas=None, strict=True)
    assert settings.cassettes == Path("elsewhere")  # relative to the working folder
    assert settings.schemas == tmp_path / "contracts"
    assert settings.strict is True


def test_order_through_the_cli(project: Path, cli: Callable[..., Run]) -> None:
    """--schemas beats pyproject's schemas, which beats the default."""
    (project / "schemas").rename(project / "contracts")
    assert cli("check", "--no-cache").code == 2  # default: schemas/ is gone
    _pyproject(project, 'schemas = "contracts"')
    assert cli("check", "--no-cache").code == 0
    (project / "contracts").rename(project / "other")
    assert cli("check", "--no-cache", "--schemas", "other").code == 0


def test_unknown_key_lists_the_allowed_ones(tmp_path: Path) -> None:
    """A misspelt key is a UsageError naming it and every allowed key."""
    _pyproject(tmp_path, 'cassete = "x"')
    with pytest.raises(UsageError, match=r"unknown setting 'cassete'; allowed: cache_dir, "):
        load_settings(tmp_path)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('strict = "yes"', "strict must be true or false, got 'yes'"),
        ("cassettes = 3", "cassettes must be a path"),
        ("upstreams = 3", "upstreams must be a table of strings"),
    ],
)
def test_wrong_type(tmp_path: Path, table: str, message: str) -> None:
    """A value of the wrong kind is a UsageError naming the key."""
    _pyproject(tmp_path, table)
    with pytest.raises(UsageError, match=message):
        load_settings(tmp_path)


def test_unknown_key_through_the_cli(project: Path, cli: Callable[..., Run]) -> None:
    """The CLI reports a bad setting on one line, exit 2."""
    _pyproject(project, "colour = true")
    run = cli("check")
    assert run.code == 2
    assert run.err.startswith("cassette-contracts: error: pyproject.toml [tool.cassette_contracts]")
    assert len(run.err.splitlines()) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tool = 1\n", r"\[tool.cassette_contracts\] must be a table"),
        ("x = " + "[" * 100_000 + "]" * 100_000 + "\n", "TOML nested too deeply"),
        ('[tool.cassette_contracts]\nschemas = "a\\u0000b"\n', "schemas must be a path"),
        ('[tool.cassette_contracts]\ncache_dir = "a\\u0000b"\n', "cache_dir must be a path"),
    ],
)
def test_hostile_pyproject(tmp_path: Path, text: str, message: str) -> None:
    """A pyproject.toml that once crashed the loader is a UsageError naming file and key."""
    (tmp_path / "pyproject.toml").write_text(text)
    with pytest.raises(UsageError, match=message):
        load_settings(tmp_path)
