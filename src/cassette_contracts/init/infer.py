"""JSON Schemas inferred from recorded payloads, aware of how little a few samples prove.

genson does the structural union of every sample: types are unioned (``integer`` and
``number`` give ``number``), ``null`` joins a field's types, ``required`` holds the fields
present in every sample, array items are merged element by element, ``additionalProperties``
stays open. Its output is then refined with counts taken over the same samples, because a
union of a handful of samples promises more than the samples show:

- a field seen in a single sample is optional (one sample cannot show a field is always sent);
- a field seen only as ``null`` pins no type and says so in a ``$comment``;
- an array seen only empty pins no item schema;
- **a string or object field seen non-null fewer than** ``PROOF`` **times may also be null.**
  APIs use ``null`` for "no value" in text fields and for "no related resource" in object
  fields (a user without a bio, a repository without a licence); a few recordings of the same
  account or project rarely show it. ``PROOF`` is 30 by the rule of three: when a value was
  non-null in n independent samples and never null, the 95% upper bound of its null rate is
  about 3/n, so 30 samples bound it under 10%. Fewer samples prove the type, not that the
  value is always there: the type is still checked, only ``null`` is let through. Numbers,
  booleans and arrays are not widened: APIs give them zero values (``0``, ``false``, ``[]``)
  rather than ``null``, and a count that turns into ``null`` is a change worth hearing about.

``pin_only`` (for ``init --from-coverage``) keeps only the JSON paths the code read, and the
objects on the way to them; everything else stays open.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from genson import SchemaBuilder  # type: ignore[import-untyped]

from .. import jsonpath

__all__ = ["DIALECT", "PROOF", "Inferred", "Samples", "infer_schema", "render_schema"]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: Non-null samples a string or object field needs before ``null`` is no longer let through.
PROOF = 30
_ORDER = ("$schema", "$comment", "type", "properties", "required", "items", "anyOf")
_WIDENED = frozenset({"string", "object"})


Shape = Any  # a hashable stand-in of a payload's structure (see ``Samples.count``)
_SCALARS: dict[type, tuple[str]] = {
    str: ("s",),
    bool: ("b",),
    int: ("i",),
    float: ("n",),
    type(None): ("z",),
}
_THAWED: dict[str, Any] = {"s": "", "b": False, "i": 0, "n": 0.5, "z": None}


@dataclass
class Samples:
    """Counts over the samples by generalized JSON path (``$.items[*].name``), and the
    distinct shapes of the samples.

    A shape keeps every member name, array element and JSON type of a payload and drops the
    values; identical array elements collapse into one. genson infers the same schema from
    the shapes as from the payloads (it never looks at a string's or a number's value), so
    it only sees each distinct shape once: thousands of recordings of one endpoint usually
    have a handful of shapes.
    """

    seen: Counter[str]
    non_null: Counter[str]
    shapes: list[Any]

    @classmethod
    def count(cls, payloads: Iterable[Any]) -> Samples:
        seen: Counter[str] = Counter()
        non_null: Counter[str] = Counter()
        paths: dict[tuple[str, str], str] = {}

        def walk(value: Any, path: str) -> Shape:
            seen[path] += 1
            if value is None:
                return _SCALARS[type(None)]
            non_null[path] += 1
            if isinstance(value, dict):
                members = []
                for key, child in value.items():
                    child_path = paths.get((path, key))
                    if child_path is None:
                        child_path = paths[path, key] = jsonpath.member(path, key)
                    members.append((key, walk(child, child_path)))
                return ("o", tuple(members))
            if isinstance(value, list):
                inner = jsonpath.items(path)
                return ("a", tuple(dict.fromkeys(walk(child, inner) for child in value)))
            return _SCALARS.get(type(value), ("s",))

        shapes = dict.fromkeys(walk(payload, jsonpath.ROOT) for payload in payloads)
        return cls(seen, non_null, [_thaw(shape) for shape in shapes])


def _thaw(shape: Shape) -> Any:
    """A JSON value with the structure ``shape`` stands for."""
    tag = shape[0]
    if tag == "o":
        return {key: _thaw(child) for key, child in shape[1]}
    if tag == "a":
        return [_thaw(child) for child in shape[1]]
    return _THAWED[tag]


@dataclass(frozen=True)
class Inferred:
    """An inferred schema, the JSON paths it pins a type for, and reads no sample holds."""

    schema: dict[str, Any]
    pinned: tuple[str, ...]
    missing: tuple[str, ...] = ()


def infer_schema(
    payloads: Sequence[Any],
    *,
    comment: str,
    reads: Collection[str] | None = None,
    proof: int = PROOF,
) -> Inferred:
    """The schema of ``payloads`` (see the module docstring).

    ``comment`` goes into the root ``$comment`` (where the samples came from). ``reads``, when
    given, are the JSON paths the code read: only those are pinned (see ``pin_only``).
    """
    samples = Samples.count(payloads)
    builder = SchemaBuilder(schema_uri=None)
    for shape in samples.shapes:
        builder.add_object(shape)
    schema = _refine(builder.to_schema(), jsonpath.ROOT, samples, proof)
    missing: tuple[str, ...] = ()
    if reads is not None:
        schema, missing = pin_only(schema, reads, samples)
    pinned = tuple(sorted(set(_pinned_paths(schema, jsonpath.ROOT))))
    return Inferred({"$schema": DIALECT, "$comment": comment, **_ordered(schema)}, pinned, missing)


def _types(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return {kind}
    return set(kind) if isinstance(kind, list) else set()


def _widen(path: str, kinds: set[str], samples: Samples, proof: int) -> bool:
    """Whether a string or object field below the root must also allow null (too few samples)."""
    return (
        path != jsonpath.ROOT
        and bool(kinds & _WIDENED)
        and "null" not in kinds
        and samples.non_null[path] < proof
    )


def _refine(schema: dict[str, Any], path: str, samples: Samples, proof: int) -> dict[str, Any]:
    if "anyOf" in schema:
        branches = [_refine(b, path, samples, proof) for b in schema["anyOf"]]
        kinds = set().union(*(_types(b) for b in branches))
        if _widen(path, kinds, samples, proof):
            branches.append({"type": "null"})
        branches.sort(key=lambda b: json.dumps(b, sort_keys=True))
        return {"anyOf": branches}
    kinds = _types(schema)
    if kinds == {"null"}:
        return {"$comment": f"seen only as null ({samples.seen[path]}x): type not pinned"}
    out = dict(schema)
    if "object" in kinds:
        properties = out.get("properties", {})
        out["properties"] = {
            key: _refine(value, jsonpath.member(path, key), samples, proof)
            for key, value in properties.items()
        }
        required = [
            key
            for key in out.get("required", [])
            if samples.seen[jsonpath.member(path, key)] >= max(proof, 2)
        ]
        out.pop("required", None)
        if required:
            out["required"] = sorted(required)
    if "array" in kinds and "items" in out:
        out["items"] = _refine(out["items"], jsonpath.items(path), samples, proof)
    if _widen(path, kinds, samples, proof):
        kinds.add("null")
    if len(kinds) > 1:
        out["type"] = sorted(kinds)
    return out


def pin_only(
    schema: dict[str, Any], reads: Collection[str], samples: Samples
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """``schema`` with only the read paths (and the objects holding them) kept.

    Returns the schema and the reads no sample holds (reported, never invented).
    """
    wanted = {jsonpath.generalize(read) for read in reads}
    keep = set(wanted)
    for read in wanted:
        keep.update(jsonpath.ancestors(read))
    missing = tuple(sorted(read for read in wanted if samples.seen[read] == 0))
    return _prune(schema, jsonpath.ROOT, keep), missing


def _prune(schema: dict[str, Any], path: str, keep: set[str]) -> dict[str, Any]:
    if "anyOf" in schema:
        return {"anyOf": [_prune(b, path, keep) for b in schema["anyOf"]]}
    out = dict(schema)
    if "properties" in out:
        properties = {
            key: _prune(value, jsonpath.member(path, key), keep)
            for key, value in out["properties"].items()
            if jsonpath.member(path, key) in keep
        }
        out["properties"] = properties
        required = [key for key in out.get("required", []) if key in properties]
        out.pop("required", None)
        if required:
            out["required"] = required
    if "items" in out:
        if jsonpath.items(path) in keep:
            out["items"] = _prune(out["items"], jsonpath.items(path), keep)
        else:
            del out["items"]
    return out


def _pinned_paths(schema: dict[str, Any], path: str) -> Iterable[str]:
    """The paths below the root the schema pins: every property (as contract coverage counts
    pins; one seen only as null is there without a type) and typed array items."""
    branches = schema.get("anyOf", [schema])
    for branch in branches:
        if path != jsonpath.ROOT and "type" in branch:
            yield path
        for key, value in branch.get("properties", {}).items():
            yield jsonpath.member(path, key)
            yield from _pinned_paths(value, jsonpath.member(path, key))
        if "items" in branch:
            yield from _pinned_paths(branch["items"], jsonpath.items(path))


def _ordered(schema: Any) -> Any:
    """Keywords in a fixed order, property names sorted: stable output."""
    if isinstance(schema, list):
        return [_ordered(v) for v in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key in sorted(schema, key=lambda k: (_ORDER.index(k) if k in _ORDER else 99, k)):
        value = schema[key]
        if key == "properties":
            out[key] = {name: _ordered(value[name]) for name in sorted(value)}
        else:
            out[key] = _ordered(value)
    return out


def render_schema(schema: dict[str, Any]) -> bytes:
    """The bytes written for ``schema``: 2-space JSON, lists of scalars on one line, UTF-8."""
    return (_dump(schema, "") + "\n").encode("utf-8")


def _dump(value: Any, indent: str) -> str:
    if isinstance(value, dict) and value:
        inner = indent + "  "
        members = (
            f"{inner}{json.dumps(k, ensure_ascii=False)}: {_dump(v, inner)}"
            for k, v in value.items()
        )
        return "{\n" + ",\n".join(members) + "\n" + indent + "}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        inner = indent + "  "
        return "[\n" + ",\n".join(inner + _dump(v, inner) for v in value) + "\n" + indent + "]"
    return json.dumps(value, ensure_ascii=False)
