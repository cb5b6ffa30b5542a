"""Schema inference from samples: genson's union, refined by what a few samples can prove."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from cassette_contracts.init.infer import DIALECT, PROOF, infer_schema, render_schema

GITHUB = Path(__file__).resolve().parents[1] / "data" / "realdata" / "github"


def infer(*payloads: Any, **options: Any) -> dict[str, Any]:
    return infer_schema(list(payloads), comment="test", **options).schema


def field(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return schema["properties"][name]  # type: ignore[no-any-return]


def test_schema_is_2020_12_and_carries_the_comment() -> None:
    """The root names the 2020-12 dialect and holds the provenance comment."""
    schema = infer({"a": 1})
    assert schema["$schema"] == DIALECT
    assert schema["$comment"] == "test"
    Draft202012Validator.check_schema(schema)


def test_integer_and_number_union_to_number() -> None:
    """A field seen as integer and as number is a number."""
    assert field(infer({"a": 1}, {"a": 1.5}), "a") == {"type": "number"}


def test_null_makes_a_field_nullable() -> None:
    """A field seen as an integer and as null takes both."""
    assert field(infer({"a": 1}, {"a": None}), "a") == {"type": ["integer", "null"]}


def test_a_field_seen_only_as_null_pins_no_type() -> None:
    """Only null: any type is allowed, and a comment says why."""
    assert field(infer({"a": None}, {"a": None}), "a") == {
        "$comment": "seen only as null (2x): type not pinned"
    }


def test_an_empty_array_pins_no_items() -> None:
    """An array seen only empty says nothing about its items."""
    assert field(infer({"a": []}, {"a": []}), "a") == {"type": "array"}


def test_arrays_of_objects_are_merged() -> None:
    """Items of every sample are merged into one item schema."""
    items = field(infer({"a": [{"x": 1}]}, {"a": [{"y": True}]}), "a")["items"]
    assert items["properties"] == {"x": {"type": "integer"}, "y": {"type": "boolean"}}


def test_additional_properties_stay_open() -> None:
    """Members no sample held are allowed."""
    schema = infer({"a": 1})
    assert "additionalProperties" not in schema
    assert Draft202012Validator(schema).is_valid({"a": 2, "new": "x"})


def test_a_field_seen_in_a_single_sample_is_optional() -> None:
    """One sample cannot show a field is always sent."""
    assert "required" not in infer({"a": 1, "b": "x"})


def test_required_needs_proof_in_every_sample() -> None:
    """Only a field present in every one of at least PROOF samples is required."""
    few = [{"a": i} for i in range(PROOF - 1)]
    enough = [{"a": i, "b": i} for i in range(PROOF)] + [{"a": -1}]
    assert "required" not in infer(*few)
    assert infer(*enough)["required"] == ["a"]


@pytest.mark.parametrize(("value", "kind"), [("x", "string"), ({"k": 1}, "object")])
def test_strings_and_objects_stay_nullable_until_proven(value: Any, kind: str) -> None:
    """A string or object field seen non-null fewer than PROOF times also allows null."""
    assert field(infer(*[{"a": value}] * (PROOF - 1)), "a")["type"] == ["null", kind]
    assert field(infer(*[{"a": value}] * PROOF), "a")["type"] == kind


@pytest.mark.parametrize(("value", "kind"), [(1, "integer"), (True, "boolean"), ([1], "array")])
def test_numbers_booleans_and_arrays_are_not_widened(value: Any, kind: str) -> None:
    """Fields with natural zero values keep their type without null."""
    assert field(infer({"a": value}), "a")["type"] == kind


def test_types_are_still_checked() -> None:
    """A value of another type breaks the inferred schema."""
    validator = Draft202012Validator(infer({"id": 1, "login": "a"}, {"id": 2, "login": "b"}))
    assert validator.is_valid({"id": 3, "login": None})
    assert not validator.is_valid({"id": "3", "login": "c"})
    assert not validator.is_valid({"id": 3, "login": 4})


def test_mixed_object_and_string_fields_allow_both_and_null() -> None:
    """A field seen as an object and as a string takes either, or null."""
    schema = field(infer({"a": "x"}, {"a": {"k": 1}}), "a")
    validator = Draft202012Validator(schema)
    assert all(validator.is_valid(v) for v in ("y", {"k": 2}, None))
    assert not validator.is_valid(5)


def test_pinned_paths_are_listed() -> None:
    """Every property is listed as pinned (as coverage counts pins; one seen only as null has no
    type), and typed array items."""
    inferred = infer_schema([{"a": {"b": [{"c": 1}]}, "n": None}], comment="")
    assert inferred.pinned == ("$.a", "$.a.b", "$.a.b[*]", "$.a.b[*].c", "$.n")


def test_reads_pin_only_what_the_code_read() -> None:
    """With reads given, only those paths and the objects on the way stay pinned."""
    inferred = infer_schema(
        [{"a": {"b": 1, "c": 2}, "d": "x"}], comment="", reads={"$.a.b", "$.zzz"}
    )
    assert inferred.pinned == ("$.a", "$.a.b")
    assert inferred.missing == ("$.zzz",)


def test_rendering_is_stable() -> None:
    """Property names come out sorted, whatever order the samples had."""
    first = render_schema(infer({"b": 1, "a": {"z": 1, "y": 2}}))
    second = render_schema(infer({"a": {"y": 2, "z": 1}, "b": 1}))
    assert first == second
    assert first.index(b'"a"') < first.index(b'"b"')


@pytest.mark.parametrize("endpoint", ["users_get", "repos_get", "users_repos", "_non2xx/repos_get"])
def test_genson_infers_the_same_from_shapes_as_from_payloads(
    endpoint: str, github_samples: Any
) -> None:
    """Feeding genson the distinct shapes, not the payloads, changes nothing in its output."""
    from genson import SchemaBuilder  # type: ignore[import-untyped]

    from cassette_contracts.init.infer import Samples

    payloads = [s.body for s in github_samples(endpoint)]
    if not payloads:  # the error folders hold no 200s: take every body there
        payloads = [
            json.loads(p.read_bytes())
            for p in sorted((GITHUB / endpoint).glob("*.json"))
            if not p.name.endswith(".meta.json")
        ]
    direct, shaped = SchemaBuilder(), SchemaBuilder()
    for payload in payloads:
        direct.add_object(payload)
    for shape in Samples.count(payloads).shapes:
        shaped.add_object(shape)
    assert shaped.to_schema() == direct.to_schema()
