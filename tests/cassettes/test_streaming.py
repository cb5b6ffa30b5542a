"""YAML cassettes are read from libyaml's events, one interaction at a time, exactly as the
node graph path reads them; and vcrpy's loads get the same documents from the event builder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from vcr.serializers import yamlserializer

from cassette_contracts.cassettes.discover import iter_cassette_paths
from cassette_contracts.cassettes.interaction import interaction_from_record
from cassette_contracts.cassettes.load import parse_cassette, stream_cassette
from cassette_contracts.cassettes.shapes import cassette_records
from cassette_contracts.cassettes.yaml_events import NotBuilt, build_yaml
from cassette_contracts.cassettes.yaml_load import parse_yaml
from cassette_contracts.errors import CassetteError

ROOT = Path(__file__).parents[2]
COMMITTED = iter_cassette_paths([ROOT / "cassettes", ROOT / "tests" / "data" / "vcr_cassettes"])
YAML_FILES = [p for p in COMMITTED if p.suffix in (".yaml", ".yml")]

_ITEM = """\
- request:
    body: null
    headers: {{Accept: [application/json]}}
    method: GET
    uri: https://api.example.test/{n}
  response:
    body: {{string: '{{"n": {n}}}'}}
    headers: {{Content-Type: [application/json]}}
    status: {{code: 200, message: OK}}
"""


def _cassette(*items: str, tail: str = "version: 1\n") -> bytes:
    return ("interactions:\n" + "".join(items) + tail).encode()


def _node_path(data: bytes, path: Path) -> list[tuple[Any, ...]]:
    """What the node graph path (compose, then construct) reads: each interaction's fields."""
    document, lines = parse_yaml(data, path)
    records, _ = cassette_records(document, path)
    return [
        _fields(interaction_from_record(record, path, index, line))
        for index, (record, line) in enumerate(zip(records, lines, strict=True))
    ]


def _fields(i: Any) -> tuple[Any, ...]:
    return (i.index, i.line, i.method, i.uri, i.request_headers, i.request_body, i.status,
            i.response_headers, i.response_body)  # fmt: skip


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_event_builder_reads_committed_cassettes_as_the_node_path(path: Path) -> None:
    """Every committed real cassette gives the same interactions and lines either way."""
    data = path.read_bytes()
    streamed = [_fields(i) for i in parse_cassette(data, path).interactions]
    assert streamed == _node_path(data, path)


SHAPES = {
    "binary body": _ITEM.format(n=1).replace("body: null", "body: !!binary aGVsbG8="),
    "python tuple header": _ITEM.format(n=2).replace(
        "{Accept: [application/json]}", "{Accept: !!python/tuple [a, b]}"
    ),
    "merge key": _ITEM.format(n=3).replace(
        "status: {code: 200, message: OK}", "status: {<<: {code: 200}, message: OK}"
    ),
    "quoted and plain scalars": _ITEM.format(n=4).replace("message: OK", "message: '200'"),
    "int and null keys": _ITEM.format(n=5).replace(
        "{Accept: [application/json]}", "{2: [x], ~: [y], true: [z]}"
    ),
}


@pytest.mark.parametrize("item", SHAPES.values(), ids=SHAPES.keys())
def test_event_builder_reads_unusual_shapes_as_the_node_path(tmp_path: Path, item: str) -> None:
    """Tags, merge keys and resolved scalars come out as the node graph path builds them."""
    data = _cassette(_ITEM.format(n=0), item)
    path = tmp_path / "c.yaml"
    assert [_fields(i) for i in parse_cassette(data, path).interactions] == _node_path(data, path)


def test_interactions_are_handed_out_before_the_rest_is_read(tmp_path: Path) -> None:
    """The stream gives the first interaction before it reaches a malformation further on."""
    data = _cassette(_ITEM.format(n=0), _ITEM.format(n=1), tail="version: [1\n")
    stream = iter(stream_cassette(data, tmp_path / "c.yaml"))
    assert next(stream).uri == "https://api.example.test/0"
    with pytest.raises(CassetteError, match="malformed YAML"):
        list(stream)


def test_a_file_level_error_wins_over_a_bad_interaction(tmp_path: Path) -> None:
    """An interaction of the wrong shape is reported only when the file itself is sound."""
    data = _cassette("- 1\n", tail="version: 2\n")
    with pytest.raises(CassetteError, match="unsupported cassette version 2"):
        parse_cassette(data, tmp_path / "c.yaml")


def test_metadata_is_known_once_streamed(tmp_path: Path) -> None:
    """The metadata written after the interactions is read by the end of the stream."""
    data = _cassette(_ITEM.format(n=0), tail="metadata: {recorded_at: x}\nversion: 1\n")
    stream = stream_cassette(data, tmp_path / "c.yaml")
    assert [i.line for i in stream] == [2]
    assert stream.metadata == {"recorded_at": "x"}


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_build_yaml_equals_vcrpy_yaml_load(path: Path) -> None:
    """For vcrpy's loader, the event builder's document is what yaml.load gives."""
    text = path.read_text(encoding="utf-8")
    loader = yamlserializer._CassetteLoader
    assert build_yaml(text, loader) == yaml.load(text, Loader=loader)


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",
        "a: 1\na: 2\n",
        "a: !!python/object/new:_io.BytesIO {state: [!!binary aGk=]}\n",
        "a: [1\n",
    ],
    ids=["alias", "repeated key", "tagged collection", "malformed"],
)
def test_build_yaml_leaves_unusual_yaml_to_the_loader(text: str) -> None:
    """Anchors, repeated keys, tagged collections and errors are not built: yaml.load reads them."""
    with pytest.raises(NotBuilt):
        build_yaml(text, yamlserializer._CassetteLoader)
