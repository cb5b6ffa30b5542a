"""The pytest plugin (entry point ``pytest11``): thin glue between pytest-recording and the
contract checker. Heavy imports happen inside hooks, so installing it costs tests nothing.

- Cassettes keep their vcrpy 9.4 ``metadata`` (provenance) when pytest-recording loads them:
  pytest-recording 0.14's ``CombinedPersister`` expects ``(requests, responses)`` and fails with
  "too many values to unpack" on a cassette that has metadata.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    """Swap pytest-recording's persister for one that understands cassette metadata."""
    from ._persister import MetadataAwarePersister

    extra_paths = list(getattr(vcr.persister, "extra_paths", []))
    vcr.register_persister(MetadataAwarePersister(extra_paths))
