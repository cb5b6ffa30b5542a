"""vcrpy's patcher groups whose HTTP library is not installed, looked up once while the import
system stays the same.

vcrpy's ``CassettePatcherBuilder.build()`` runs for every cassette and tries to import each
HTTP library it knows how to patch (botocore, httplib2, tornado, aiohttp, httpx2, ...). Python
remembers no failed import, so each missing library searches every ``sys.path`` folder again,
for every test. The plugin hands the groups whose library cannot be found to vcrpy's own
``skip_patchers`` option (vcrpy 9.4): vcrpy then does not run the builders that would have
found nothing to patch. See docs/vcrpy-upstream.md (3).

Why this keeps vcrpy's behaviour:

- a group is skipped only when its library's top-level package is neither imported
  (``sys.modules``) nor findable (``importlib.util.find_spec`` is None): vcrpy's
  ``import botocore.awsrequest`` would then fail with ModuleNotFoundError and its builder
  yield no patcher. A group whose library is there, or half there (found, but its submodule
  fails to import), is left to vcrpy, which tries as before;
- a library in ``sys.modules`` is never skipped, even when the lookup below is kept (one loaded
  by file location or aliased under its name changes nothing else);
- the answer is kept only while the import system looks the same: ``sys.path``,
  ``sys.meta_path`` and ``sys.path_hooks`` (the same objects in the same order), the working
  folder, and the modification time of every ``sys.path`` folder (installing a package
  creates its folder or file there, which changes that folder's mtime, as Python's own
  ``FileFinder`` cache relies on). When anything differs, the libraries are looked up again,
  so one installed or made importable during the run is patched from the next cassette on;
- a project's own ``skip_patchers`` (``vcr_config``, the marker) takes precedence in vcrpy
  over the instance's: then vcrpy tries every import as before.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import Any

__all__ = ["missing_patcher_groups", "skip_missing_patchers"]

#: vcrpy patcher group -> the top-level package its builder imports. Only groups that patch
#: one library each: the ``httpx`` group also tries two other libraries, but httpx itself may
#: be installed; ``httplib``, ``requests`` and ``urllib3`` are always tried.
GROUP_PACKAGES = {
    "boto3": "botocore",
    "httplib2": "httplib2",
    "tornado": "tornado",
    "aiohttp": "aiohttp",
    "httpx2": "httpx2",
}

_Key = tuple[Any, ...]
_last: tuple[_Key, tuple[str, ...]] | None = None


def _mtime(entry: object) -> int | None:
    try:
        return os.stat(entry if isinstance(entry, str) and entry else os.getcwd()).st_mtime_ns
    except (OSError, TypeError, ValueError):
        return None


def _import_state() -> _Key:
    """What a failed lookup depends on; a change means: look again."""
    return (
        tuple(sys.path),
        tuple(sys.meta_path),  # held, so compared by identity: no id reused
        tuple(sys.path_hooks),
        os.getcwd(),
        tuple(_mtime(entry) for entry in sys.path),
    )


def _findable(package: str) -> bool:
    if package in sys.modules:
        return True
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):  # a broken finder or spec: let vcrpy try
        return True


def missing_patcher_groups(known: tuple[str, ...]) -> tuple[str, ...]:
    """The groups of ``known`` (vcrpy's ``PATCHER_NAMES``) whose library cannot be imported."""
    global _last
    state = (_import_state(), known)
    if _last is not None and _last[0] == state:
        # a module loaded into sys.modules (by file location, an alias) changes none of the
        # state: vcrpy's import would find it, so its group is never skipped
        modules = sys.modules
        return tuple(group for group in _last[1] if GROUP_PACKAGES[group] not in modules)
    missing = tuple(
        group
        for group, package in GROUP_PACKAGES.items()
        if group in known and not _findable(package)
    )
    _last = (state, missing)
    return missing


def skip_missing_patchers(vcr: Any) -> None:
    """Add the patcher groups of libraries that are not installed to ``vcr.skip_patchers``
    (a vcrpy without that option is left alone)."""
    try:
        from vcr.patch import PATCHER_NAMES
    except ImportError:  # pragma: no cover - vcrpy before 9.4
        return
    current = getattr(vcr, "skip_patchers", None)
    if not isinstance(current, tuple):  # pragma: no cover - a VCR without the option
        return
    missing = missing_patcher_groups(tuple(PATCHER_NAMES))
    if missing:
        vcr.skip_patchers = tuple(dict.fromkeys([*current, *missing]))
