"""What ``check`` found: :class:`CheckResult` and its :class:`EndpointRow` s. A module of its
own, light to import, so that a warm run answered from the cache (``checking.cache``) never
imports the checker (nor jsonschema).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import InputError, Violation

__all__ = ["CheckResult", "EndpointRow"]


@dataclass(frozen=True)
class EndpointRow:
    """Summary of one contract: how many interactions it covered and how they fared.

    ``result`` is ``"ok"``, ``"broken"`` (some violation), ``"error"`` (its schema cannot be
    used, or an interaction could not be checked, e.g. a body that is not JSON) or
    ``"unused"`` (no recorded interaction matched it).
    """

    contract: str
    request: str
    interactions: int
    schema: str
    result: str
    violations: int
    errors: int = 0


@dataclass
class CheckResult:
    """What ``check`` found. ``exit_code`` is 2 on input errors, 1 on violations, else 0."""

    rows: list[EndpointRow]
    violations: list[Violation]
    errors: list[InputError]
    warnings: list[InputError] = field(default_factory=list)
    files: int = 0
    interactions: int = 0
    cached_files: int = 0

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 2
        return 1 if self.violations else 0

    @property
    def ok(self) -> bool:
        return self.exit_code == 0
