"""``$ref`` lookups without ``referencing`` (``contracts.refs``) give what ``referencing`` gives,
and hand to it whatever they cannot answer exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cassette_contracts.contracts.refs import (
    LocalRefs,
    ReferencingRefs,
    RefError,
    plain_documents,
)
from cassette_contracts.contracts.registry import SchemaRegistry

DIALECT = "https://json-schema.org/draft/2020-12/schema"
FILES: dict[str, Any] = {
    "common.json": {
        "$schema": DIALECT,
        "$defs": {
            "login": {"type": "string"},
            "a/b": {"type": "integer"},
            "t~x": {"type": "boolean"},
            "with space": {"type": "null"},
            "list": {"anyOf": [{"type": "string"}, {"type": "number"}]},
        },
    },
    "nested/user.json": {
        "$schema": DIALECT,
        "properties": {"login": {"$ref": "../common.json#/$defs/login"}},
        "$defs": {"self": {"$ref": "#/properties/login"}},
    },
    "named.json": {"$schema": DIALECT, "$id": "https://example.com/named.json", "type": "object"},
}


@pytest.fixture
def registry(tmp_path: Path) -> SchemaRegistry:
    for name, schema in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(json.dumps(schema))
    loaded = SchemaRegistry.load(tmp_path)
    assert loaded.errors == []
    return loaded


@pytest.mark.parametrize(
    ("start", "ref"),
    [
        ("nested/user.json", "../common.json#/$defs/login"),
        ("nested/user.json", "#/properties/login"),
        ("nested/user.json", "#/$defs/self"),
        ("nested/user.json", "user.json"),
        ("common.json", "#/$defs/a~1b"),
        ("common.json", "#/$defs/t~0x"),
        ("common.json", "#/$defs/with%20space"),
        ("common.json", "#/$defs/list/anyOf/1"),
        ("common.json", "#"),
        ("common.json", "https://example.com/named.json"),
        ("common.json", "nested/user.json#/properties"),
    ],
)
def test_a_lookup_gives_what_referencing_gives(
    registry: SchemaRegistry, start: str, ref: str
) -> None:
    """The same target object, and lookups from it that start where referencing's do."""
    local = registry.refs(start)
    assert isinstance(local, LocalRefs)
    theirs = ReferencingRefs(registry.referencing.resolver(base_uri=registry.uri(start)))
    (mine, mine_there), (found, found_there) = local.lookup(ref), theirs.lookup(ref)
    assert mine is found
    assert mine_there.lookup("#")[0] is found_there.lookup("#")[0]


@pytest.mark.parametrize(
    "ref", ["#/$defs/nobody", "#/$defs/list/anyOf/9", "#/$defs/list/anyOf/-1", "#anchor", "x.json"]
)
def test_a_lookup_it_cannot_answer_is_referencings(registry: SchemaRegistry, ref: str) -> None:
    """What LocalRefs cannot answer exactly is asked of referencing, whose answer stands."""
    theirs = ReferencingRefs(registry.referencing.resolver(base_uri=registry.uri("common.json")))
    try:
        expected: Any = theirs.lookup(ref)[0]
    except RefError:
        with pytest.raises(RefError):
            registry.refs("common.json").lookup(ref)
    else:
        assert registry.refs("common.json").lookup(ref)[0] is expected


@pytest.mark.parametrize(
    "schemas",
    [
        {"a.json": {"$defs": {"x": {"$anchor": "x"}}}},
        {"a.json": {"$defs": {"x": {"$id": "inner.json"}}}},
        {"a.json": {"$dynamicAnchor": "node"}},
        {
            "a.json": {"$id": "https://example.com/s.json"},
            "b.json": {"$id": "https://example.com/s.json"},
        },
        {"a.json": {"$id": "urn:x"}, "b.json": {"$id": "urn:x#"}},
        {"a.json": True},
    ],
    ids=[
        "anchor",
        "embedded-id",
        "dynamic-anchor",
        "one-uri-twice",
        "one-uri-twice-but-a-trailing-hash",
        "boolean-schema",
    ],
)
def test_a_set_that_needs_more_than_pointers_is_left_to_referencing(schemas: Any) -> None:
    """Anchors, embedded resources, a URI claimed twice, a boolean schema: not plain."""
    assert plain_documents(schemas, lambda name: "https://schemas.invalid/" + name) is None
