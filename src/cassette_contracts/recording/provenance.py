"""Where a recording run lands and what it notes: fresh staging folders, and the provenance
(time, tool versions, upstream version headers) stamped into each fresh cassette.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import json
import sys
import tempfile
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from importlib import metadata as importlib_metadata
from pathlib import Path
from types import ModuleType
from typing import Any

from ..cassettes.atomic import atomic_write_bytes
from ..errors import CassetteError
from ..settings import GENERIC_PROVENANCE_HEADERS

__all__ = ["UPSTREAM_VERSION_HEADERS", "new_staging_dir", "stamp_provenance", "tool_versions"]

#: Response headers that say which version of an upstream answered, kept in provenance when
#: the caller names none (setting ``provenance_headers``).
UPSTREAM_VERSION_HEADERS = tuple(GENERIC_PROVENANCE_HEADERS)


def new_staging_dir(root: Path, kind: str) -> Path:
    """A fresh, empty folder ``root/<kind>-<UTC timestamp>-<n>`` for one recording run."""
    root.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return Path(tempfile.mkdtemp(prefix=f"{kind}-{stamp}-", dir=root))


def tool_versions() -> dict[str, str]:
    """Versions of the harness and the libraries that recorded the cassette."""
    versions = {}
    for dist in ("cassette-contracts", "vcrpy", "requests"):
        try:
            versions[dist] = importlib_metadata.version(dist)
        except importlib_metadata.PackageNotFoundError:
            versions[dist] = "unknown"
    return versions


@functools.cache
def _serializer(name: str) -> ModuleType:
    """vcrpy's serializer module ``name`` (``yamlserializer``, ``jsonserializer``), which wrote
    the fresh cassettes: the stamped file is written and read back exactly as vcrpy writes
    and reads it.

    Without importing the ``vcr`` package when nothing imported it yet (the ``rerecord`` and
    ``drift`` commands): its ``__init__`` imports ``vcr.patch``, which imports every HTTP
    library vcrpy can patch (aiohttp, httpx, requests, ...), about a fifth of a second of a
    command that patches nothing. The serializer modules themselves import only ``io``,
    ``json`` and ``yaml``, so one is run from vcrpy's files as a module of its own; a vcrpy
    whose serializer needs more of its package gets the ordinary import. The copy is this
    module's alone: only its ``serialize`` and ``deserialize`` are called, and it is never
    handed to vcrpy (which compares serializers by identity).
    """
    qualified = f"vcr.serializers.{name}"
    loaded = sys.modules.get(qualified)
    if loaded is not None:
        return loaded
    package = importlib.util.find_spec("vcr")
    folders = package.submodule_search_locations if package is not None else None
    for folder in folders or ():
        path = Path(folder) / "serializers" / f"{name}.py"
        # a top-level name: a relative import in that file finds no package but vcrpy's own
        spec = importlib.util.spec_from_file_location(f"_cassette_contracts_vcr_{name}", path)
        if spec is None or spec.loader is None or not path.is_file():
            continue
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception:  # it needs its package after all: the ordinary import
            break
        return module
    return importlib.import_module(qualified)


def _upstream_headers(
    interactions: list[Mapping[str, Any]], names: Iterable[str]
) -> dict[str, str]:
    found: dict[str, str] = {}
    wanted = {name.lower(): name for name in names}
    for interaction in interactions:
        headers = interaction.get("response", {}).get("headers", {}) or {}
        for name, values in headers.items():
            key = wanted.get(str(name).lower())
            if key and key not in found and values:
                found[key] = str(values[0] if isinstance(values, list) else values)
    return found


def stamp_provenance(
    path: Path,
    *,
    recorded_at: datetime | None = None,
    upstreams: Mapping[str, str] | None = None,
    headers: Iterable[str] = UPSTREAM_VERSION_HEADERS,
) -> dict[str, Any]:
    """Write this recording's provenance into the cassette's ``metadata`` and return it.

    Records ``recorded_at`` (UTC), the versions of the harness, vcrpy and requests, the first
    value of each response header in ``headers`` (which version of the upstream answered;
    setting ``provenance_headers``), and the real base URLs recorded from (``upstreams``, only
    when some are configured).
    CassetteError (one line) when the file is not a whole cassette (a recording cut off).
    """
    import yaml

    # what pytest-recording names a cassette of vcrpy's JSON serializer; any other is YAML
    serializer = _serializer("jsonserializer" if path.suffix == ".json" else "yamlserializer")
    try:
        data = serializer.deserialize(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CassetteError(
            f"not a whole cassette ({exc.msg}): cut off while being written?",
            file=path,
            line=exc.lineno,
        ) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise CassetteError(
            f"not a whole cassette ({problem}): cut off while being written?",
            file=path,
            line=mark.line + 1 if mark is not None else None,
        ) from None
    interactions = data.get("interactions") if isinstance(data, dict) else None
    whole = (
        isinstance(data, dict)
        and "version" in data
        and isinstance(interactions, list)
        and all(isinstance(i, dict) and {"request", "response"} <= i.keys() for i in interactions)
    )
    if not whole:
        raise CassetteError(
            "not a whole cassette (no `version`, or an interaction without its request or "
            "response): cut off while being written?",
            file=path,
        )
    when = (recorded_at or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    provenance: dict[str, Any] = {
        "source": "live recording by `cassette-contracts rerecord`",
        "recorded_at": when,
        "recorded_with": tool_versions(),
        "upstream_version_headers": _upstream_headers(
            list(data.get("interactions") or []), headers
        ),
    }
    if upstreams:
        provenance["upstreams"] = dict(upstreams)
    metadata = dict(data.get("metadata") or {})
    metadata["provenance"] = provenance
    data["metadata"] = metadata
    atomic_write_bytes(path, serializer.serialize(data).encode("utf-8"))
    return provenance
