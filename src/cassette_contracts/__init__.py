"""cassette-contracts: contract tests on recorded HTTP fixtures.

Everything public is importable from here. Names are imported on first use, so that loading
the pytest plugin costs nothing until a test needs the harness (jsonschema alone takes a
second to import).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._cassette import Cassette, Interaction, iter_cassette_paths, load_cassette
    from ._check import CheckResult, EndpointRow, check, validate_interaction
    from .contracts.mapping import Contract, ContractMap
    from .contracts.registry import SchemaRegistry
    from .errors import (
        CassetteContractsError,
        CassetteError,
        ContractMapError,
        InputError,
        NoContractError,
        SchemaError,
        UsageError,
        Violation,
    )
    from .rendering.check import render
    from .settings import Settings, load_settings

_SOURCES = {
    "Cassette": "_cassette",
    "CassetteContractsError": "errors",
    "CassetteError": "errors",
    "CheckResult": "_check",
    "Contract": "contracts.mapping",
    "ContractMap": "contracts.mapping",
    "ContractMapError": "errors",
    "EndpointRow": "_check",
    "InputError": "errors",
    "Interaction": "_cassette",
    "NoContractError": "errors",
    "SchemaError": "errors",
    "SchemaRegistry": "contracts.registry",
    "Settings": "settings",
    "UsageError": "errors",
    "Violation": "errors",
    "check": "_check",
    "iter_cassette_paths": "_cassette",
    "load_cassette": "_cassette",
    "load_settings": "settings",
    "render": "rendering.check",
    "validate_interaction": "_check",
}

__all__ = [
    "Cassette",
    "CassetteContractsError",
    "CassetteError",
    "CheckResult",
    "Contract",
    "ContractMap",
    "ContractMapError",
    "EndpointRow",
    "InputError",
    "Interaction",
    "NoContractError",
    "SchemaError",
    "SchemaRegistry",
    "Settings",
    "UsageError",
    "Violation",
    "check",
    "iter_cassette_paths",
    "load_cassette",
    "load_settings",
    "render",
    "validate_interaction",
]


def __getattr__(name: str) -> Any:
    try:
        module = _SOURCES[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
