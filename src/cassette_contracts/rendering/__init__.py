"""The one rendering home: every command's result in the same formats, through :func:`render`.

``FORMATS``: text (for people), json (for programs), junit (CI test reports), markdown (a
pull-request comment), github (workflow annotations). Each result type has its module here
(``check``, ``coverage``, ``drift``, ``audit``, ``scan``, ``init``, ``rerecord``), holding a
``RENDERERS`` mapping with every format, built by :func:`renderers`; they share ``escape``
(markdown cells, GitHub annotations), ``junit`` and :func:`json_text`. A new output format
is a new parameter of :func:`renderers` and a new name in ``FORMATS``; the grid test in
tests/rendering/ runs every command with every format.

Results are matched by type name and their module imported only then, so importing this
package costs nothing (no jsonschema for ``--help``).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import UsageError

__all__ = ["FORMATS", "json_text", "render", "renderers"]

FORMATS = ("text", "json", "junit", "markdown", "github")

R = TypeVar("R")

_MODULES = {
    "CheckResult": "check",
    "CoverageReport": "coverage",
    "DriftReport": "drift",
    "AuditReport": "audit",
    "ScanReport": "scan",
    "InitOutcome": "init",
    "RerecordOutcome": "rerecord",
}


def render(result: Any, fmt: str = "text") -> str:
    """``result`` (a CheckResult, CoverageReport, DriftReport, AuditReport, ScanReport,
    InitOutcome or RerecordOutcome) in format ``fmt``, ending with a newline where it says
    anything; UsageError for another fmt."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    try:
        module = _MODULES[type(result).__name__]
    except KeyError:
        raise TypeError(f"nothing renders a {type(result).__name__}") from None
    renderers = importlib.import_module(f".{module}", __name__).RENDERERS
    return renderers[fmt](result)  # type: ignore[no-any-return]


def renderers(
    text: Callable[[R], str],
    json: Callable[[R], str],
    junit: Callable[[R], str],
    markdown: Callable[[R], str],
    github: Callable[[R], str],
) -> dict[str, Callable[[R], str]]:
    """A result type's ``RENDERERS``: its function for each of ``FORMATS``, none left out."""
    return dict(zip(FORMATS, (text, json, junit, markdown, github), strict=True))


def json_text(document: Any) -> str:
    """A JSON document as the json format prints it: indented, not ASCII-escaped, a newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
