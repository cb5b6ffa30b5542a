"""The JSON paths a JSON Schema (2020-12) pins, with their allowed types and nullability.

A *pinned field* is a ``properties`` entry, wherever it sits (nested objects, list items,
``$ref`` targets in the same or another file, ``allOf``/``anyOf``/``oneOf`` branches). Paths use
the one notation of ``_jsonpath`` (jsonschema's ``json_path``): ``$.owner.login``, ``$[*].name``;
a member name that is not a plain identifier is written ``$['odd name']``.
``additionalProperties`` and ``patternProperties`` are open: they pin nothing.

Allowed types come from ``type`` (a string or a list), ``const``/``enum`` values, and the
combinators: ``anyOf``/``oneOf`` unite their branches (the nullable idiom
``anyOf: [{"$ref": ...}, {"type": "null"}]`` gives ``{"string", "null"}``), ``allOf`` and a
``$ref`` next to other keywords intersect. A schema that says nothing about types allows all
seven JSON types. A recursive ``$ref`` stops the walk where it loops.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import SchemaError
from ..jsonpath import ROOT, items, member
from .refs import ReferencingRefs, RefError, Refs

if TYPE_CHECKING:
    from referencing import Registry

    from ..settings import Settings
    from .mapping import ContractMap
    from .registry import SchemaRegistry

__all__ = [
    "JSON_TYPES",
    "PinnedField",
    "contract_pins",
    "json_type",
    "pinned_by_contract",
    "pinned_fields",
    "schema_pins",
]

#: The JSON Schema type names; "integer" is a subset of "number".
JSON_TYPES = frozenset({"null", "boolean", "object", "array", "number", "integer", "string"})

#: Python type to JSON Schema type name, in test order: ``bool`` before ``int`` (a bool is an int).
_JSON_TYPE_NAMES: tuple[tuple[type, str], ...] = (
    (type(None), "null"),
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)


def json_type(value: Any) -> str:
    """The JSON Schema type name of a decoded JSON value (``1`` is "integer", ``1.5`` "number")."""
    for python_type, name in _JSON_TYPE_NAMES:
        if isinstance(value, python_type):
            return name
    return type(value).__name__


@dataclass(frozen=True)
class PinnedField:
    """One pinned JSON path: the types the schema allows there, ``required``, ``format``."""

    path: str
    types: frozenset[str]
    required: bool
    format: str | None = None

    @property
    def nullable(self) -> bool:
        """Whether the schema allows ``null`` here."""
        return "null" in self.types

    def allows(self, json_type_name: str) -> bool:
        """Whether a value of this JSON type is allowed (an integer is a number too)."""
        if json_type_name in self.types:
            return True
        return json_type_name == "integer" and "number" in self.types


@dataclass
class _Shape:
    """What a (sub)schema says about a value: types, format, members, items."""

    types: frozenset[str] = JSON_TYPES
    formats: frozenset[str] = frozenset()
    properties: dict[str, _Shape] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    items: _Shape | None = None

    def _merged(
        self, other: _Shape, merge: Callable[[_Shape, _Shape], _Shape]
    ) -> tuple[dict[str, _Shape], _Shape | None]:
        """Properties and items of both, those on both sides merged with ``merge``."""
        properties = dict(self.properties)
        for name, shape in other.properties.items():
            properties[name] = merge(properties[name], shape) if name in properties else shape
        items = self.items
        if other.items is not None:
            items = other.items if items is None else merge(items, other.items)
        return properties, items

    def intersect(self, other: _Shape) -> _Shape:
        properties, items = self._merged(other, _Shape.intersect)
        return _Shape(
            types=_intersect_types(self.types, other.types),
            formats=self.formats | other.formats,
            properties=properties,
            required=self.required | other.required,
            items=items,
        )

    def union(self, other: _Shape) -> _Shape:
        properties, items = self._merged(other, _Shape.union)
        return _Shape(
            types=self.types | other.types,
            formats=self.formats | other.formats,
            properties=properties,
            required=_union_required(self, other),
            items=items,
        )


def _union_required(a: _Shape, b: _Shape) -> frozenset[str]:
    """A member is required when every branch that can be an object requires it (the null
    branch of a nullable object does not make its members optional)."""
    if "object" not in a.types:
        return b.required
    if "object" not in b.types:
        return a.required
    return a.required & b.required


def _intersect_types(a: frozenset[str], b: frozenset[str]) -> frozenset[str]:
    both = set(a & b)
    if ("integer" in a and "number" in b) or ("number" in a and "integer" in b):
        both.add("integer")
    return frozenset(both)


_NOTHING = _Shape(types=frozenset())


class _Walker:
    def __init__(self, where: str) -> None:
        self.where = where
        self.stack: list[int] = []

    def shape(self, schema: Any, resolver: Refs) -> _Shape:
        if schema is True or schema == {}:
            return _Shape()
        if schema is False:
            return _NOTHING
        if not isinstance(schema, Mapping):
            return _Shape()
        if id(schema) in self.stack:  # recursive schema: stop here
            return _Shape()
        self.stack.append(id(schema))
        try:
            return self._shape(schema, resolver)
        finally:
            self.stack.pop()

    def _shape(self, schema: Mapping[str, Any], resolver: Refs) -> _Shape:
        if "$id" in schema:
            resolver = resolver.enter(schema)
        own = _Shape()
        declared = schema.get("type")
        if isinstance(declared, str):
            own.types = frozenset({declared})
        elif isinstance(declared, list):
            own.types = frozenset(t for t in declared if isinstance(t, str))
        if "const" in schema:
            own.types = _intersect_types(own.types, frozenset({json_type(schema["const"])}))
        if isinstance(schema.get("enum"), list):
            enum_types = frozenset(json_type(v) for v in schema["enum"])
            own.types = _intersect_types(own.types, enum_types)
        if isinstance(schema.get("format"), str):
            own.formats = frozenset({schema["format"]})
        properties = schema.get("properties")
        if isinstance(properties, Mapping):
            own.properties = {
                str(name): self.shape(sub, resolver) for name, sub in properties.items()
            }
        required = schema.get("required")
        if isinstance(required, list):
            own.required = frozenset(str(r) for r in required)
        if "items" in schema:
            own.items = self.shape(schema["items"], resolver)
        result = own
        ref = schema.get("$ref")
        if isinstance(ref, str):
            try:
                contents, there = resolver.lookup(ref)
            except RefError as exc:
                raise SchemaError(
                    f"$ref {ref!r} does not resolve ({exc}); cannot list the pinned fields",
                    file=self.where or None,
                ) from exc
            result = result.intersect(self.shape(contents, there))
        for keyword in ("allOf",):
            for sub in _branches(schema, keyword):
                result = result.intersect(self.shape(sub, resolver))
        for keyword in ("anyOf", "oneOf"):
            branches = list(_branches(schema, keyword))
            if branches:
                union = self.shape(branches[0], resolver)
                for sub in branches[1:]:
                    union = union.union(self.shape(sub, resolver))
                result = result.intersect(union)
        return result


def _branches(schema: Mapping[str, Any], keyword: str) -> Iterator[Any]:
    value = schema.get(keyword)
    if isinstance(value, list):
        yield from value


def _flatten(shape: _Shape, path: str, out: dict[str, PinnedField]) -> None:
    for name, sub in shape.properties.items():
        sub_path = member(path, name)
        formats = sorted(sub.formats)
        out[sub_path] = PinnedField(
            path=sub_path,
            types=sub.types,
            required=name in shape.required,
            format=formats[0] if len(formats) == 1 else None,
        )
        _flatten(sub, sub_path, out)
    if shape.items is not None:
        _flatten(shape.items, items(path), out)


def pinned_fields(
    schema: Mapping[str, Any],
    registry: Registry[Any] | None = None,
    *,
    base_uri: str = "",
) -> dict[str, PinnedField]:
    """Every JSON path ``schema`` pins, mapped to its :class:`PinnedField`.

    ``registry`` holds the other schemas a ``$ref`` may point to (as built by
    ``SchemaRegistry``); ``base_uri`` is the schema's own URI when it has no ``$id``. Raises
    ``SchemaError`` for a ``$ref`` that does not resolve.
    """
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    uri = str(schema.get("$id") or base_uri)
    resource: Resource[Any] = Resource.from_contents(
        dict(schema), default_specification=DRAFT202012
    )
    registry = (registry if registry is not None else Registry()).with_resource(uri, resource)
    return _pinned(resource.contents, ReferencingRefs(registry.resolver(base_uri=uri)), uri)


def _pinned(schema: Any, refs: Refs, where: str) -> dict[str, PinnedField]:
    shape = _Walker(where).shape(schema, refs)
    out: dict[str, PinnedField] = {}
    _flatten(shape, ROOT, out)
    return out


def schema_pins(registry: SchemaRegistry, schema: str) -> dict[str, PinnedField]:
    """The fields the registry's schema ``schema`` pins, by JSON path."""
    contents = registry.schema(schema)
    own_id = contents.get("$id") if isinstance(contents, Mapping) else None
    uri = str(own_id or registry.uri(schema))
    return _pinned(contents, registry.refs(schema), uri)


def contract_pins(contract_map: ContractMap, registry: SchemaRegistry) -> dict[str, set[str]]:
    """The JSON paths each contract's response schema pins (JSON bodies: no other is tracked)."""
    return {
        contract.name: set(schema_pins(registry, schema))
        for contract in contract_map.contracts
        if (schema := contract.json_body_schema) is not None
    }


def pinned_by_contract(settings: Settings) -> dict[str, set[str]]:
    """:func:`contract_pins` of the project's contracts.toml and schemas."""
    from .mapping import ContractMap
    from .registry import SchemaRegistry

    return contract_pins(
        ContractMap.load(settings.contracts), SchemaRegistry.load(settings.schemas)
    )
