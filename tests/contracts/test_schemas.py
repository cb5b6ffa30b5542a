"""The schema registry: offline $ref across files, formats checked, validators built once."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest

from cassette_contracts import SchemaError, SchemaRegistry

from ..conftest import CORPUS

SCHEMAS = CORPUS / "project" / "schemas"


def _write(root: Path, name: str, schema: Any) -> None:
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(json.dumps(schema))


def test_date_time_format_is_checked(tmp_path: Path) -> None:
    """The string "not-a-date" fails format date-time: the format checkers really run."""
    _write(tmp_path, "when.json", {"type": "string", "format": "date-time"})
    registry = SchemaRegistry.load(tmp_path)
    validator = registry.validator("when.json")
    assert not validator.is_valid("not-a-date")
    assert validator.is_valid("2011-01-25T18:44:36Z")
    check = registry.quick_check("when.json")
    assert check is not None
    assert (check("not-a-date"), check("2011-01-25T18:44:36Z")) == (False, True)


def test_refs_resolve_across_files_and_folders(tmp_path: Path) -> None:
    """Relative $ref reach other files (../ too) and $defs; nothing is fetched."""
    _write(tmp_path, "common/defs.json", {"$defs": {"login": {"type": "string", "minLength": 1}}})
    _write(
        tmp_path,
        "api/user.json",
        {"properties": {"login": {"$ref": "../common/defs.json#/$defs/login"}}},
    )
    registry = SchemaRegistry.load(tmp_path)
    assert registry.errors == []
    assert registry.names == ["api/user.json", "common/defs.json"]
    assert not registry.validator("api/user.json").is_valid({"login": ""})


def test_remote_ref_is_not_fetched(tmp_path: Path) -> None:
    """A $ref to the network is an error, not a download."""
    _write(tmp_path, "a.json", {"$ref": "https://example.com/schema.json"})
    [error] = SchemaRegistry.load(tmp_path).errors
    assert "https://example.com/schema.json is not a schema here (nothing is fetched)" in str(error)


def test_validators_are_built_once() -> None:
    """The same validator object serves every payload."""
    registry = SchemaRegistry.load(SCHEMAS)
    assert registry.validator("github/user.schema.json") is registry.validator(
        "github/user.schema.json"
    )


def test_other_dialects_are_refused(tmp_path: Path) -> None:
    """A schema declaring another draft is an error naming the supported one."""
    _write(tmp_path, "old.json", {"$schema": "http://json-schema.org/draft-07/schema#"})
    [error] = SchemaRegistry.load(tmp_path).errors
    assert "only JSON Schema 2020-12" in error.message


# --- the quick check answers exactly like jsonschema ------------------------------------------

QUICK_SCHEMA = {
    "type": "object",
    "required": ["a", "n"],
    "additionalProperties": {"type": ["integer", "boolean", "array", "null", "string", "object"]},
    "properties": {
        "a": {"type": "string", "minLength": 2, "maxLength": 5, "pattern": "^[a-z]"},
        "n": {"type": "integer", "minimum": 0, "exclusiveMaximum": 10},
        "f": {"type": "number", "maximum": 1.5, "exclusiveMinimum": -1},
        "e": {"enum": [1, "x", None, True]},
        "c": {"const": False},
        "d": {"type": "string", "format": "date-time"},
        "u": {"type": "string", "format": "uri"},
        "l": {"type": "array", "items": {"$ref": "#/$defs/item"}, "minItems": 1, "maxItems": 3},
        "o": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/item"}]},
        "x": {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 5}]},
        "t": {"not": {"type": "string"}},
        "m": {"type": "object", "minProperties": 1, "maxProperties": 2},
        "tree": {"$ref": "#/$defs/tree"},
    },
    "$defs": {
        "item": {
            "type": "object",
            "required": ["id"],
            "properties": {"id": {"type": "integer"}},
            "additionalProperties": False,
        },
        "tree": {
            "type": "object",
            "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/tree"}}},
        },
    },
}
VALID = {
    "a": "abc",
    "n": 3,
    "f": 1.0,
    "e": "x",
    "c": False,
    "d": "2011-01-25T18:44:36Z",
    "u": "https://example.com/a",
    "l": [{"id": 1}],
    "o": None,
    "x": 2,
    "t": 5,
    "m": {"k": 1},
    "tree": {"children": [{"children": []}]},
    "extra": [1],
}
REPLACEMENTS = [
    None,
    True,
    False,
    0,
    1,
    1.0,
    2.5,
    -1,
    10,
    11,
    5.0,
    "",
    "a",
    "ab",
    "Ab",
    "abcdef",
    "x",
    "not-a-date",
    "2011-01-25T18:44:36Z",
    "no uri",
    [],
    [{"id": 1}],
    [{"id": "1"}],
    [{"id": 1, "z": 0}],
    {},
    {"id": 1},
    {"k": 1, "j": 2, "i": 3},
    {"children": [{"children": 1}]},
]


def _mutations(payload: Any, rng: random.Random, count: int) -> list[Any]:
    out = []
    for _ in range(count):
        mutated = copy.deepcopy(payload)
        for _ in range(rng.randint(1, 3)):
            key = rng.choice([*VALID, "missing"])
            if rng.random() < 0.15 and key in mutated:
                del mutated[key]
            else:
                mutated[key] = copy.deepcopy(rng.choice(REPLACEMENTS))
        out.append(mutated)
    return out


def test_quick_check_agrees_with_jsonschema(tmp_path: Path) -> None:
    """On thousands of mutated payloads, the quick check says valid exactly when jsonschema does."""
    _write(tmp_path, "s.json", QUICK_SCHEMA)
    registry = SchemaRegistry.load(tmp_path)
    check, validator = registry.quick_check("s.json"), registry.validator("s.json")
    assert check is not None
    payloads = [VALID, *_mutations(VALID, random.Random(20261123), 3000), [], "x", None]
    verdicts = [(check(p), validator.is_valid(p)) for p in payloads]
    assert all(quick == full for quick, full in verdicts)
    assert 0.1 < sum(full for _, full in verdicts) / len(verdicts) < 0.9  # both outcomes seen


@pytest.mark.parametrize(
    "schema",
    [
        {"uniqueItems": True},
        {"properties": {"a": {"if": {"type": "string"}, "then": {"minLength": 1}}}},
        {"enum": [[1, 2]]},
        {"patternProperties": {"^x": {"type": "string"}}, "additionalProperties": False},
        {"unevaluatedProperties": False},
    ],
)
def test_quick_check_steps_aside_for_other_keywords(tmp_path: Path, schema: dict[str, Any]) -> None:
    """A schema using a keyword the quick check does not implement gets none: jsonschema decides."""
    _write(tmp_path, "s.json", schema)
    assert SchemaRegistry.load(tmp_path).quick_check("s.json") is None


def test_project_schemas_all_have_a_quick_check() -> None:
    """The fixture schemas (like the project's) are all covered by the quick check."""
    registry = SchemaRegistry.load(SCHEMAS)
    assert all(registry.quick_check(name) is not None for name in registry.names)


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"$ref": "#"}, "$ref cycle at #/ that never reads a part of the value"),
        (
            {
                "$ref": "#/$defs/a",
                "$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}},
            },
            "$ref cycle at #/$defs/b that never reads a part of the value, so validation would "
            "never end: #/$defs/a -> #/$defs/b -> #/$defs/a",
        ),
        (
            {"$defs": {"a": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/a"}]}}},
            "$ref cycle at #/$defs/a/anyOf/1 that never reads",
        ),
        (
            {"properties": {"x": {"not": {"$ref": "#/properties/x"}}}},
            "$ref cycle at #/properties/x/not that never reads",
        ),
    ],
)
def test_ref_cycles_are_schema_errors(tmp_path: Path, schema: Any, message: str) -> None:
    """A $ref cycle that never descends into the value is a SchemaError naming the pointer."""
    _write(tmp_path, "loop.json", schema)
    registry = SchemaRegistry.load(tmp_path)
    assert registry.broken == {"loop.json"}
    [error] = registry.errors
    assert str(error).startswith(f"{tmp_path / 'loop.json'}: {message}")
    with pytest.raises(SchemaError):
        registry.validator("loop.json")


def test_ref_cycle_across_files(tmp_path: Path) -> None:
    """A cycle through two files breaks both, each error naming where it leads."""
    _write(tmp_path, "a.json", {"$ref": "b.json#/$defs/x"})
    _write(tmp_path, "b.json", {"$defs": {"x": {"$ref": "a.json"}}})
    registry = SchemaRegistry.load(tmp_path)
    assert registry.broken == {"a.json", "b.json"}
    assert "#/ -> b.json#/$defs/x -> #/" in str(registry.error("a.json"))


@pytest.mark.parametrize(
    "schema",
    [
        {
            "type": "object",
            "properties": {"children": {"type": "array", "items": {"$ref": "#"}}},
        },
        {
            "$ref": "#/$defs/node",
            "$defs": {
                "node": {
                    "type": "object",
                    "properties": {"next": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/node"}]}},
                }
            },
        },
    ],
)
def test_recursive_schemas_that_descend_still_work(tmp_path: Path, schema: Any) -> None:
    """A recursive schema that reads a part of the value before recursing is fine."""
    _write(tmp_path, "tree.json", schema)
    registry = SchemaRegistry.load(tmp_path)
    assert registry.errors == []
    deep: dict[str, Any] = {"children": [], "next": None}
    for _ in range(30):
        deep = {"children": [deep], "next": None}
    for _ in range(30):
        deep = {"children": [], "next": deep}
    validator = registry.validator("tree.json")
    assert validator.is_valid(deep)
    broken = {"children": [{"children": 3}], "next": 3}
    assert not validator.is_valid(broken)
    check = registry.quick_check("tree.json")
    if check is not None:
        assert (check(deep), check(broken)) == (True, False)


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (
            {"properties": {"a": {"pattern": "[unclosed"}}},
            "not a valid JSON Schema 2020-12 at #/properties/a/pattern: '[unclosed' is not a "
            "'regex'",
        ),
        (
            {"patternProperties": {"(x": {}}},
            "not a valid JSON Schema 2020-12 at #/patternProperties: '(x' is not a 'regex'",
        ),
        (
            {"$id": "http://[::1"},
            "not a valid JSON Schema 2020-12 at #/$id: 'http://[::1' is not a 'uri-reference'",
        ),
    ],
)
def test_invalid_formats_in_a_schema(tmp_path: Path, schema: Any, message: str) -> None:
    """An invalid regex or URI in a schema is a SchemaError naming the pointer, no traceback."""
    _write(tmp_path, "bad.json", schema)
    [error] = SchemaRegistry.load(tmp_path).errors
    assert str(error) == f"{tmp_path / 'bad.json'}: {message}"


@pytest.mark.parametrize("depth", [101, 100_000])
def test_schema_nesting_is_bounded(tmp_path: Path, depth: int) -> None:
    """A schema nested deeper than 100 levels is a SchemaError, not a RecursionError."""
    (tmp_path / "deep.json").write_text('{"items":' * depth + "{}" + "}" * depth)
    [error] = SchemaRegistry.load(tmp_path).errors
    assert str(error) == f"{tmp_path / 'deep.json'}: schema is nested deeper than 100 levels"


def test_the_quick_checks_keywords_are_jsonschemas() -> None:
    """fastcheck's list of asserting keywords is Draft202012Validator's (an unlisted one would
    be ignored as an annotation)."""
    from jsonschema import Draft202012Validator

    from cassette_contracts.contracts.fastcheck import ASSERTIONS

    assert frozenset(Draft202012Validator.VALIDATORS) == ASSERTIONS


@pytest.mark.parametrize(
    ("files", "refused"),
    [
        (
            {"b.json": {"$id": "urn:x", "type": "string"}, "c.json": {"$id": "urn:x"}},
            {"b.json", "c.json"},
        ),
        (
            {"b.json": {"$id": "urn:x", "type": "string"}, "c.json": {"$id": "urn:x#"}},
            {"b.json", "c.json"},
        ),
        ({"b.json": {"$id": "c.json"}, "c.json": {"type": "object"}}, {"b.json"}),
        ({"z.json": {"$id": "c.json"}, "c.json": {"type": "object"}}, {"z.json"}),
    ],
    ids=["same-id", "same-id-but-a-trailing-hash", "id-of-a-later-file", "id-of-an-earlier-file"],
)
def test_two_schemas_known_by_one_uri_are_refused(
    tmp_path: Path, files: dict[str, Any], refused: set[str]
) -> None:
    """A URI two files claim is a schema error of the file whose $id claims it (both, for one
    $id twice): a $ref to it could reach either. The file whose own URI it is stays usable."""
    for name, schema in files.items():
        _write(tmp_path, name, schema)
    registry = SchemaRegistry.load(tmp_path)
    assert registry.broken == refused
    assert all("two schemas cannot share one URI" in e.message for e in registry.errors)


def test_copies_of_one_schema_may_share_its_id(tmp_path: Path) -> None:
    """Two files with equal schemas (a copy, a symlink) under one $id: a $ref reaches the same
    schema either way, so neither is refused."""
    schema = {"$id": "urn:user", "type": "object"}
    _write(tmp_path, "a.json", schema)
    _write(tmp_path, "b.json", schema)
    (tmp_path / "c.json").symlink_to(tmp_path / "a.json")
    _write(tmp_path, "d.json", {"$ref": "urn:user"})
    assert SchemaRegistry.load(tmp_path).errors == []


@pytest.mark.parametrize(
    "own_id",
    ["a.json", "./a.json", "a.json#", "#", "https://schemas.cassette-contracts.invalid/a.json"],
)
def test_an_id_naming_the_files_own_uri_is_no_conflict(tmp_path: Path, own_id: str) -> None:
    """An $id that spells the file's own URI claims nothing another file has."""
    _write(tmp_path, "a.json", {"$id": own_id, "type": "object"})
    _write(tmp_path, "b.json", {"$ref": "a.json"})
    assert SchemaRegistry.load(tmp_path).errors == []


@pytest.mark.parametrize(
    ("target", "kind"), [("#/required", "an array"), ("#/$defs/s/const/0", "a string")]
)
def test_a_ref_to_something_that_is_no_schema_is_a_schema_error(
    tmp_path: Path, target: str, kind: str
) -> None:
    """A $ref that resolves to a list or a string (no schema) is refused at load, one line."""
    schema = {
        "required": ["a"],
        "$defs": {"s": {"const": "text"}},
        "properties": {"a": {"$ref": target}},
    }
    _write(tmp_path, "s.json", schema)
    [error] = SchemaRegistry.load(tmp_path).errors
    assert f"leads to {kind}, not a schema" in error.message


@pytest.mark.parametrize("target", ["#/$defs/s/enum/0/x", "#/$defs/b/x"])
def test_a_ref_into_a_string_or_a_boolean_is_a_schema_error(tmp_path: Path, target: str) -> None:
    """A pointer that walks into a non-container does not resolve: one error, no traceback."""
    schema = {"$defs": {"s": {"enum": ["text"]}, "b": True}, "properties": {"a": {"$ref": target}}}
    _write(tmp_path, "s.json", schema)
    [error] = SchemaRegistry.load(tmp_path).errors
    assert "does not resolve" in error.message


def test_a_part_in_another_dialect_is_left_to_jsonschema(tmp_path: Path) -> None:
    """A subschema declaring another $schema makes jsonschema apply that draft's rules there,
    which the quick check does not implement: it steps aside and jsonschema decides."""
    draft7 = "http://json-schema.org/draft-07/schema#"
    part = {"$schema": draft7, "dependencies": {"x": ["y"]}}
    _write(tmp_path, "s.json", {"properties": {"a": part}})
    registry = SchemaRegistry.load(tmp_path)
    assert registry.quick_check("s.json") is None
    assert not registry.validator("s.json").is_valid({"a": {"x": 1}})
