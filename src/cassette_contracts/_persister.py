"""A pytest-recording persister that keeps vcrpy 9.4 cassette metadata and where each
interaction came from (the main cassette or one of the extra ones)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from pytest_recording._vcr import CombinedPersister
from vcr.persisters.filesystem import CassetteNotFoundError
from vcr.serialize import deserialize

from ._cassette import refuse_unsafe_yaml
from ._formats import JSON_SUFFIXES

__all__ = ["MetadataAwarePersister", "Origin"]

Origin = tuple[str, int]
"""The cassette file an interaction was loaded from, and its index in that file."""


def _load(path: str, serializer: ModuleType) -> tuple[list[Any], list[Any], dict[str, Any]]:
    try:
        data = Path(path).read_bytes()
    except OSError:
        return [], [], {}
    if Path(path).suffix.lower() not in JSON_SUFFIXES:  # refused as `check` refuses them
        refuse_unsafe_yaml(data, Path(path))
    text = data.decode("utf-8")
    requests, responses, *metadata = deserialize(text, serializer)
    return requests, responses, (metadata[0] if metadata else {})


@dataclass
class MetadataAwarePersister(CombinedPersister):
    """Load the cassette plus pytest-recording's extra cassettes; keep the main one's metadata.

    ``origins[cassette_path]`` lists, in the order of the loaded interactions, the file and
    index each came from, so a problem is reported where it is written, not at its position
    in the merged list.
    """

    origins: dict[str, list[Origin]] = field(default_factory=dict)

    def load_cassette(  # type: ignore[override]  # vcrpy 9.4 takes a third item, metadata
        self, cassette_path: str, serializer: ModuleType
    ) -> tuple[list[Any], list[Any], dict[str, Any]]:
        paths = list(dict.fromkeys([cassette_path, *self.extra_paths]))
        all_requests: list[Any] = []
        all_responses: list[Any] = []
        origins: list[Origin] = []
        main_metadata: dict[str, Any] = {}
        for position, path in enumerate(paths):
            requests, responses, metadata = _load(path, serializer)
            all_requests += requests
            all_responses += responses
            origins += [(path, index) for index in range(min(len(requests), len(responses)))]
            if position == 0:
                main_metadata = metadata
        if not all_requests:
            raise CassetteNotFoundError("No cassettes found.")
        self.origins[str(cassette_path)] = origins
        return all_requests, all_responses, main_metadata
