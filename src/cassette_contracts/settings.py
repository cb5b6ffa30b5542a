"""Settings: ``[tool.cassette_contracts]`` in the nearest pyproject.toml, and their overrides.

The one order, highest first::

    command line option  >  [tool.cassette_contracts] in pyproject.toml  >  built-in default

Paths in pyproject.toml are relative to the folder holding it; paths given on the command
line are relative to the working folder.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from os import PathLike
from pathlib import Path
from typing import Any

from .errors import UsageError

__all__ = ["DEFAULTS", "Settings", "find_pyproject", "load_settings"]

TABLE = "tool.cassette_contracts"

#: Response headers kept in a fresh cassette's provenance when no ``provenance_headers`` are
#: set: the usual ways a server says which software and API version answered.
GENERIC_PROVENANCE_HEADERS = ["Server", "X-Powered-By", "Api-Version", "X-Api-Version"]

#: Every allowed key with its built-in default. The kind of the default is the kind of the
#: setting: a str is a path (or, for ``rerecord_marker``, a marker expression), a bool a flag,
#: a dict a table of strings, a list a list of strings.
DEFAULTS: dict[str, str | bool | dict[str, str] | list[str]] = {
    "cassettes": "cassettes",
    "schemas": "schemas",
    "strict": True,
    "cache_dir": ".cassette-contracts",
    # Where the pytest plugin collects which payload fields the code reads.
    "coverage_dir": ".cassette-contracts/coverage",
    # Base-URL environment variable -> the real service it stands for, e.g.
    # SHOP_API_URL = "https://api.shop.example": recordings against an override keep the real
    # host. No upstream is known unless listed here.
    "upstreams": {},
    # `rerecord` / `drift`: the test paths they run (default: pytest's own testpaths), and the
    # marker expression that selects the tests that record (default "vcr": every test that
    # uses a cassette, as pytest-recording marks them). Tests marked `frozen_cassette` are
    # always left out.
    "rerecord_tests": [],
    "rerecord_marker": "vcr",
    # Environment variables the recording run gets unless the environment sets them (e.g. a
    # bound on a client's rate-limit wait); replays never get them.
    "rerecord_env": {},
    # Response headers whose first value is kept in a fresh cassette's provenance.
    "provenance_headers": GENERIC_PROVENANCE_HEADERS,
    # Values that look like secrets but are not (paging cursors), for the scrubber and scan:
    # a JSON path ("$.meta.next_token") or a regular expression on the value ("^next:"),
    # each with the reason it is safe.
    "secrets_allow": {},
    # `cassette-contracts audit`: a cassette recorded longer ago than this ("180d", "26w",
    # "36h"; "" = no limit) is reported; with max_age_policy "fail" the audit exits 1.
    "max_age": "",
    "max_age_policy": "warn",
}

MAX_AGE_POLICIES = ("warn", "fail")
_DURATION = re.compile(r"\s*(\d+)\s*([hdw])\s*\Z")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


@dataclass(frozen=True)
class Settings:
    """Resolved settings. ``cache_dir`` None means: no result cache (``--no-cache``)."""

    root: Path
    pyproject: Path | None
    cassettes: Path
    schemas: Path
    strict: bool
    cache_dir: Path | None
    coverage_dir: Path
    upstreams: Mapping[str, str]
    secrets_allow: Mapping[str, str] = field(default_factory=dict)
    max_age: timedelta | None = None
    max_age_policy: str = "warn"
    #: Test paths `rerecord` / `drift` run (relative to ``root``); empty: pytest's testpaths.
    rerecord_tests: tuple[Path, ...] = ()
    rerecord_marker: str = "vcr"
    rerecord_env: Mapping[str, str] = field(default_factory=dict)
    provenance_headers: tuple[str, ...] = tuple(GENERIC_PROVENANCE_HEADERS)

    @property
    def contracts(self) -> Path:
        """``contracts.toml`` inside the schemas folder."""
        return self.schemas / "contracts.toml"


def find_pyproject(start: str | PathLike[str] | None = None) -> Path | None:
    """The nearest ``pyproject.toml`` in ``start`` (default: the working folder) or above."""
    here = Path(start) if start is not None else Path.cwd()
    for folder in (here, *here.resolve().parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def _read_table(pyproject: Path) -> dict[str, Any]:
    try:
        document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{pyproject}: cannot read [{TABLE}]: {exc}") from None
    except RecursionError:
        raise UsageError(f"{pyproject}: cannot read [{TABLE}]: TOML nested too deeply") from None
    tool = document.get("tool", {})
    table = tool.get("cassette_contracts", {}) if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        raise UsageError(f"{pyproject}: [{TABLE}] must be a table")
    return table


def parse_max_age(value: str, origin: str = "max_age") -> timedelta | None:
    """``"180d"`` -> 180 days (units h, d, w); ``""`` -> None (no limit)."""
    if value == "":
        return None
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None:
        raise UsageError(
            f"{origin}: max_age must be a number of hours, days or weeks such as '180d', "
            f"'26w' or '36h', got {value!r}"
        )
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _checked(key: str, value: Any, origin: str) -> Any:
    if key not in DEFAULTS:
        allowed = ", ".join(sorted(DEFAULTS))
        raise UsageError(f"{origin}: unknown setting {key!r}; allowed: {allowed}")
    if key == "max_age":
        parse_max_age(value, origin)
        return value
    if key == "max_age_policy":
        if value not in MAX_AGE_POLICIES:
            allowed = ", ".join(repr(p) for p in MAX_AGE_POLICIES)
            raise UsageError(f"{origin}: max_age_policy must be one of {allowed}, got {value!r}")
        return value
    default = DEFAULTS[key]
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise UsageError(f"{origin}: {key} must be true or false, got {value!r}")
    elif isinstance(default, list):
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise UsageError(f"{origin}: {key} must be a list of non-empty strings, got {value!r}")
    elif isinstance(default, dict):
        if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise UsageError(f"{origin}: {key} must be a table of strings, got {value!r}")
        if key == "secrets_allow":  # each entry a JSON path or a regex: say where it is
            from .recording.secrets import Allowlist

            try:
                Allowlist(value)
            except UsageError as exc:
                raise UsageError(f"{origin}: {exc}") from None
    elif not isinstance(value, (str, PathLike)) or not str(value) or "\0" in str(value):
        raise UsageError(f"{origin}: {key} must be a path (a non-empty string), got {value!r}")
    return value


def load_settings(start: str | PathLike[str] | None = None, **overrides: Any) -> Settings:
    """Settings for the project around ``start`` (default: the working folder).

    ``overrides`` are the command line's values by setting name; None means "not given".
    To run without a cache, replace ``cache_dir`` by None in the result.
    """
    pyproject = find_pyproject(start)
    root = pyproject.parent if pyproject is not None else Path(start or ".")
    values: dict[str, Any] = {}
    origin: dict[str, Path] = {}
    if pyproject is not None:
        for key, value in _read_table(pyproject).items():
            values[key] = _checked(key, value, f"{pyproject.name} [{TABLE}]")
            origin[key] = root
    for key, value in overrides.items():
        if value is not None:
            values[key] = _checked(key, value, "command line")
            origin[key] = Path()
    merged: dict[str, Any] = {key: values.get(key, default) for key, default in DEFAULTS.items()}

    def path(key: str) -> Path:
        value = Path(merged[key])
        return value if value.is_absolute() else origin.get(key, root) / value

    return Settings(
        root=root,
        pyproject=pyproject,
        cassettes=path("cassettes"),
        schemas=path("schemas"),
        strict=bool(merged["strict"]),
        cache_dir=path("cache_dir"),
        coverage_dir=path("coverage_dir"),
        upstreams=dict(merged["upstreams"]),
        secrets_allow=dict(merged["secrets_allow"]),
        max_age=parse_max_age(merged["max_age"]),
        max_age_policy=str(merged["max_age_policy"]),
        rerecord_tests=tuple(
            Path(p) if Path(p).is_absolute() else origin.get("rerecord_tests", root) / p
            for p in merged["rerecord_tests"]
        ),
        rerecord_marker=str(merged["rerecord_marker"]),
        rerecord_env=dict(merged["rerecord_env"]),
        provenance_headers=tuple(merged["provenance_headers"]),
    )
