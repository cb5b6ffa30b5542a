"""Staging and promotion of fresh recordings.

Nothing here writes into the committed cassette folder except :func:`promote`, and it does so
one file at a time through :func:`atomic_write_bytes` (temporary file in the same folder,
fsync, ``os.replace``): a crash leaves either the old cassette or the new one, never a partial
one. vcrpy itself writes cassettes in place and keeps partial recordings when a test fails;
pytest-recording's ``rewrite`` mode deletes the cassette before the test runs. Recording
therefore always goes into a fresh staging folder, never into the committed one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

__all__ = [
    "UPSTREAM_VERSION_HEADERS",
    "atomic_write_bytes",
    "new_staging_dir",
    "promote",
    "stamp_provenance",
    "tool_versions",
]

#: Response headers that say which version of an upstream answered; kept in provenance.
UPSTREAM_VERSION_HEADERS = (
    "X-GitHub-Api-Version-Selected",
    "X-GitHub-Media-Type",
    "Server",
    "X-Powered-By",
    "Api-Version",
)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so readers see the old file or the new one, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def new_staging_dir(root: Path, kind: str) -> Path:
    """A fresh, empty folder ``root/<kind>-<UTC timestamp>-<n>`` for one recording run."""
    root.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return Path(tempfile.mkdtemp(prefix=f"{kind}-{stamp}-", dir=root))


def promote(staged_root: Path, target_root: Path, relative_paths: Iterable[Path]) -> list[Path]:
    """Copy each staged cassette over its committed counterpart, atomically, file by file."""
    promoted = []
    for rel in sorted(relative_paths):
        target = target_root / rel
        atomic_write_bytes(target, (staged_root / rel).read_bytes())
        promoted.append(target)
    return promoted


def tool_versions() -> dict[str, str]:
    """Versions of the harness and the libraries that recorded the cassette."""
    versions = {}
    for dist in ("cassette-contracts", "vcrpy", "requests"):
        try:
            versions[dist] = importlib_metadata.version(dist)
        except importlib_metadata.PackageNotFoundError:
            versions[dist] = "unknown"
    return versions


def _upstream_headers(interactions: list[Mapping[str, Any]]) -> dict[str, str]:
    found: dict[str, str] = {}
    wanted = {name.lower(): name for name in UPSTREAM_VERSION_HEADERS}
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
) -> dict[str, Any]:
    """Write this recording's provenance into the cassette's ``metadata`` and return it.

    Records ``recorded_at`` (UTC), the versions of the harness, vcrpy and requests, the
    upstream version headers seen in the responses, and the real base URLs recorded from.
    """
    from vcr.serializers import yamlserializer

    data = yamlserializer.deserialize(path.read_text(encoding="utf-8"))
    when = (recorded_at or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    provenance: dict[str, Any] = {
        "source": "live recording by `cassette-contracts rerecord`",
        "recorded_at": when,
        "recorded_with": tool_versions(),
        "upstream_version_headers": _upstream_headers(list(data.get("interactions") or [])),
    }
    if upstreams:
        provenance["upstreams"] = dict(upstreams)
    metadata = dict(data.get("metadata") or {})
    metadata["provenance"] = provenance
    data["metadata"] = metadata
    atomic_write_bytes(path, yamlserializer.serialize(data).encode("utf-8"))
    return provenance
