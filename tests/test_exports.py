"""The public API of cassette_contracts, pinned."""

from __future__ import annotations

import subprocess
import sys

import cassette_contracts

EXPORTS = [
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


def test_all_is_pinned_and_sorted() -> None:
    """__all__ lists exactly the pinned names, sorted."""
    assert cassette_contracts.__all__ == EXPORTS == sorted(EXPORTS)


def test_every_export_resolves() -> None:
    """Each exported name resolves to an object defined in a private module of the package."""
    for name in EXPORTS:
        value = getattr(cassette_contracts, name)
        assert value.__module__.startswith("cassette_contracts."), name


def test_import_is_light() -> None:
    """Importing the package (as the pytest plugin does) does not import jsonschema or yaml."""
    code = (
        "import sys, cassette_contracts; print('jsonschema' in sys.modules, 'yaml' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
