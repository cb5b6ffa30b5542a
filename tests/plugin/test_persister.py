"""The persister loads what vcrpy loads, and parses an unchanged cassette once per session."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from vcr.serialize import deserialize, serialize
from vcr.serializers import jsonserializer, yamlserializer

from cassette_contracts.cassettes import persister as _persister
from cassette_contracts.cassettes.discover import iter_cassette_paths

ROOT = Path(__file__).parents[2]
YAML_FILES = [
    p
    for p in iter_cassette_paths([ROOT / "cassettes", ROOT / "tests" / "data" / "vcr_cassettes"])
    if p.suffix == ".yaml"
]
USER = ROOT / "cassettes" / "github" / "user_jacquev6.yaml"


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    _persister._parsed.clear()
    yield
    _persister._parsed.clear()


def _seen(loaded: tuple[list[Any], list[Any], dict[str, Any]]) -> Any:
    requests, responses, metadata = loaded
    return [(r.method, r.uri, r.body, dict(r.headers)) for r in requests], responses, metadata


def _old_copy(tmp_path: Path, source: Path = USER) -> Path:
    path = tmp_path / source.name
    path.write_bytes(source.read_bytes())
    past = time.time() - 60
    os.utime(path, (past, past))
    return path


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_loads_what_vcrpy_loads(path: Path) -> None:
    """Requests, responses and metadata equal vcrpy's own deserialize of the file."""
    requests, responses, *metadata = deserialize(path.read_text("utf-8"), yamlserializer)
    expected = (requests, responses, metadata[0] if metadata else {})
    assert _seen(_persister._load(str(path), yamlserializer)) == _seen(expected)


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = _persister.build_yaml

    def counted(text: str, loader: Any) -> Any:
        calls.append(1)
        return real(text, loader)

    monkeypatch.setattr(_persister, "build_yaml", counted)
    return calls


def test_unchanged_cassette_is_parsed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second load of the same unchanged file comes from the cache, equal to the first."""
    path = _old_copy(tmp_path)
    calls = _counting(monkeypatch)
    first = _seen(_persister._load(str(path), yamlserializer))
    assert _seen(_persister._load(str(path), yamlserializer)) == first
    assert len(calls) == 1


def test_changed_cassette_is_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file rewritten since it was cached (another size and mtime) is read afresh."""
    path = _old_copy(tmp_path)
    calls = _counting(monkeypatch)
    _persister._load(str(path), yamlserializer)
    path.write_text(path.read_text("utf-8").replace("jacquev6", "someone-else"), "utf-8")
    requests, _, _ = _persister._load(str(path), yamlserializer)
    assert requests[0].uri.endswith("/someone-else")
    assert len(calls) == 2


def test_just_written_cassette_is_not_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file written within the last second may change under the same stat: not cached."""
    path = tmp_path / USER.name
    path.write_bytes(USER.read_bytes())
    calls = _counting(monkeypatch)
    _persister._load(str(path), yamlserializer)
    _persister._load(str(path), yamlserializer)
    assert len(calls) == 2


def test_each_load_gets_its_own_responses(tmp_path: Path) -> None:
    """Changing a loaded response (vcrpy does, in place) leaves the next load untouched."""
    path = _old_copy(tmp_path)
    _, responses, _ = _persister._load(str(path), yamlserializer)
    responses[0]["body"]["string"] = b"changed"
    responses[0]["headers"].clear()
    _, again, _ = _persister._load(str(path), yamlserializer)
    assert again[0]["body"]["string"].startswith(b"{")
    assert again[0]["headers"]


def test_other_serializers_are_left_to_vcrpy(tmp_path: Path) -> None:
    """A JSON-serializer cassette is read by vcrpy's serializer, never cached."""
    requests, responses, *_ = deserialize(USER.read_text("utf-8"), yamlserializer)
    path = tmp_path / "c.json"
    path.write_text(serialize({"requests": requests, "responses": responses}, jsonserializer))
    loaded, _, _ = _persister._load(str(path), jsonserializer)
    assert loaded[0].uri == requests[0].uri
    assert not _persister._parsed


def test_cache_keeps_the_most_recently_used_within_its_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beyond CACHE_BYTES of cassette files the least recently used go, one by one."""
    size = USER.stat().st_size
    monkeypatch.setattr(_persister, "CACHE_BYTES", 2 * size)
    paths = []
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
        paths.append(_old_copy(tmp_path / name))
    a, b, c = (str(p) for p in paths)
    calls = _counting(monkeypatch)
    for path in (a, b, a, c, a, b):  # c drops b (a was used since); b drops c
        _persister._load(path, yamlserializer)
    assert len(calls) == 4  # a, b, c, b
    assert sorted(key[0] for key in _persister._parsed) == sorted([a, b])
    assert _persister._parsed.size == 2 * size
