"""cassette-contracts: contract tests on recorded HTTP fixtures.

Everything public is importable from here. Names are imported on first use, so that loading
the pytest plugin costs nothing until a test needs the harness (jsonschema alone takes a
second to import).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cassettes.discover import iter_cassette_paths
    from .cassettes.interaction import Cassette, Interaction
    from .cassettes.load import load_cassette
    from .checking.run import CheckResult, EndpointRow, check
    from .contracts.mapping import Contract, ContractMap
    from .contracts.registry import SchemaRegistry
    from .contracts.validate import validate_interaction
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
    from .rendering import render
    from .settings import Settings, load_settings

_SOURCES = {
    "Cassette": "cassettes.interaction",
    "CassetteContractsError": "errors",
    "CassetteError": "errors",
    "CheckResult": "checking.run",
    "Contract": "contracts.mapping",
    "ContractMap": "contracts.mapping",
    "ContractMapError": "errors",
    "EndpointRow": "checking.run",
    "InputError": "errors",
    "Interaction": "cassettes.interaction",
    "NoContractError": "errors",
    "SchemaError": "errors",
    "SchemaRegistry": "contracts.registry",
    "Settings": "settings",
    "UsageError": "errors",
    "Violation": "errors",
    "check": "checking.run",
    "iter_cassette_paths": "cassettes.discover",
    "load_cassette": "cassettes.load",
    "load_settings": "settings",
    "render": "rendering",
    "validate_interaction": "contracts.validate",
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
