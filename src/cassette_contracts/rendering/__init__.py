"""The one rendering home: every command's result in the same formats, through :func:`render`.

``FORMATS``: text (for people), json (for programs), junit (CI test reports), markdown (a
pull-request comment), github (workflow annotations). Each result type has its module here
(``check``, ``coverage``, ``drift``, ``audit``, ``scan``), holding a ``RENDERERS`` mapping with
every format; they share ``escape`` (markdown cells, GitHub annotations) and ``junit``. A new
output format is a new key in every ``RENDERERS`` and in ``FORMATS``; the grid test in
tests/rendering/ runs every command with every format.

Results are matched by type name and their module imported only then, so importing this
package costs nothing (no jsonschema for ``--help``).
"""

from __future__ import annotations

import importlib
from typing import Any

from ..errors import UsageError

__all__ = ["FORMATS", "render"]

FORMATS = ("text", "json", "junit", "markdown", "github")

_MODULES = {
    "CheckResult": "check",
    "CoverageReport": "coverage",
    "DriftReport": "drift",
    "AuditReport": "audit",
    "ScanReport": "scan",
}


def render(result: Any, fmt: str = "text") -> str:
    """``result`` (a CheckResult, CoverageReport, DriftReport, AuditReport or ScanReport) in
    format ``fmt``, ending with a newline where it says anything; UsageError for another fmt."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    try:
        module = _MODULES[type(result).__name__]
    except KeyError:
        raise TypeError(f"nothing renders a {type(result).__name__}") from None
    renderers = importlib.import_module(f".{module}", __name__).RENDERERS
    return renderers[fmt](result)  # type: ignore[no-any-return]
