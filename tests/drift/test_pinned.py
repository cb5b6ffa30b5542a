"""pinned_fields(): the JSON paths a 2020-12 schema pins, their types, required and format."""

from __future__ import annotations

from typing import Any

import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from cassette_contracts.contracts.pins import JSON_TYPES, PinnedField, pinned_fields
from cassette_contracts.errors import SchemaError

D = "https://json-schema.org/draft/2020-12/schema"


def obj(**properties: Any) -> dict[str, Any]:
    return {"$schema": D, "type": "object", "properties": properties}


@pytest.mark.parametrize(
    ("subschema", "types"),
    [
        ({"type": "string"}, {"string"}),
        ({"type": ["string", "null"]}, {"string", "null"}),
        ({"anyOf": [{"type": "integer"}, {"type": "null"}]}, {"integer", "null"}),
        ({"oneOf": [{"type": "string"}, {"type": "boolean"}]}, {"string", "boolean"}),
        ({"enum": ["open", "closed", None]}, {"string", "null"}),
        ({"const": 3}, {"integer"}),
        ({"allOf": [{"type": ["string", "null"]}, {"type": "string"}]}, {"string"}),
        ({"type": "number", "allOf": [{"type": "integer"}]}, {"integer"}),
        ({"description": "anything"}, set(JSON_TYPES)),
        (True, set(JSON_TYPES)),
    ],
)
def test_allowed_types(subschema: Any, types: set[str]) -> None:
    """type, type lists, anyOf/oneOf unions, enum/const and allOf intersections give the types."""
    assert pinned_fields(obj(x=subschema))["$.x"].types == types


def test_required_and_format() -> None:
    """A member listed in ``required`` is required; ``format`` is carried."""
    schema = obj(created_at={"type": "string", "format": "date-time"}, bio={"type": "string"})
    schema["required"] = ["created_at"]
    pins = pinned_fields(schema)
    assert pins["$.created_at"] == PinnedField(
        "$.created_at", frozenset({"string"}), True, "date-time"
    )
    assert pins["$.bio"].required is False
    assert pins["$.bio"].format is None


def test_nested_objects_and_list_items() -> None:
    """Nested members are ``$.owner.login``; list items are walked as ``[*]``."""
    schema = obj(
        owner={
            "type": "object",
            "required": ["login"],
            "properties": {"login": {"type": "string"}},
        },
        topics={
            "type": "array",
            "items": {"type": "object", "properties": {"name": {"type": "string"}}},
        },
    )
    assert set(pinned_fields(schema)) == {
        "$.owner",
        "$.owner.login",
        "$.topics",
        "$.topics[*].name",
    }
    assert pinned_fields(schema)["$.owner.login"].required is True


def test_root_list_schema() -> None:
    """A list payload pins ``$[*].name``."""
    schema = {"type": "array", "items": obj(name={"type": "string"})}
    assert list(pinned_fields(schema)) == ["$[*].name"]


def test_local_defs_ref_and_nullable_ref() -> None:
    """``$ref`` into ``$defs`` is followed, also inside the anyOf-with-null nullable idiom."""
    schema = obj(
        owner={"$ref": "#/$defs/user"},
        parent={"anyOf": [{"$ref": "#/$defs/user"}, {"type": "null"}]},
    )
    schema["$defs"] = {
        "user": {
            "type": "object",
            "required": ["login"],
            "properties": {"login": {"type": "string"}},
        }
    }
    pins = pinned_fields(schema)
    assert pins["$.owner"].types == {"object"}
    assert pins["$.parent"].types == {"object", "null"}
    assert pins["$.parent.login"] == PinnedField("$.parent.login", frozenset({"string"}), True)


def test_ref_across_files_through_a_registry() -> None:
    """A relative ``$ref`` to another file resolves through the given registry."""
    common = {
        "$schema": D,
        "$id": "https://schemas.example.invalid/common.schema.json",
        "$defs": {"count": {"type": "integer", "minimum": 0}},
    }
    registry: Registry[Any] = Registry().with_resource(
        common["$id"], Resource.from_contents(common, default_specification=DRAFT202012)
    )
    schema = obj(followers={"$ref": "common.schema.json#/$defs/count"})
    schema["$id"] = "https://schemas.example.invalid/user.schema.json"
    assert pinned_fields(schema, registry)["$.followers"].types == {"integer"}


def test_additional_properties_pin_nothing() -> None:
    """``additionalProperties`` / ``patternProperties`` are open: no pinned path."""
    schema = obj(login={"type": "string"})
    schema["additionalProperties"] = {"type": "string"}
    schema["patternProperties"] = {"^x-": {"type": "integer"}}
    assert list(pinned_fields(schema)) == ["$.login"]


def test_recursive_schema_terminates() -> None:
    """A schema that refers to itself is walked once, not forever."""
    schema = obj(name={"type": "string"}, parent={"$ref": "#"})
    pins = pinned_fields(schema)
    assert "$.parent" in pins
    assert "$.parent.parent.parent" not in pins


def test_odd_member_name_is_quoted() -> None:
    """A member name that is not a plain identifier is written ``$['a b']``, as jsonschema does."""
    assert list(pinned_fields(obj(**{"a b": {"type": "string"}}))) == ["$['a b']"]


@pytest.mark.parametrize("name", ["a:b", "1st", "x-y", "_x", "it's"])
def test_pinned_path_is_the_path_jsonschema_reports(name: str) -> None:
    """The pin of a member is the json_path jsonschema gives an error at that member."""
    from jsonschema import Draft202012Validator

    schema = obj(**{name: {"type": "string"}})
    (error,) = Draft202012Validator(schema).iter_errors({name: 1})
    assert list(pinned_fields(schema)) == [error.json_path]


def test_unresolvable_ref_is_a_schema_error() -> None:
    """A dangling ``$ref`` raises SchemaError naming it."""
    with pytest.raises(SchemaError, match=r"missing\.json"):
        pinned_fields(obj(x={"$ref": "missing.json#/$defs/x"}), base_uri="https://s.invalid/a.json")


def test_nullable_and_allows() -> None:
    """``nullable`` says whether null is allowed; an integer is allowed where number is."""
    field = PinnedField("$.x", frozenset({"number", "null"}), required=False)
    assert field.nullable
    assert field.allows("integer")
    assert not field.allows("string")
