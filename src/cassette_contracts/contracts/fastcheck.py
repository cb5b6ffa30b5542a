"""A compiled fast path for the common subset of JSON Schema (deliberate hot path).

Why: jsonschema's ``iter_errors`` costs most of ``check``'s time on large cassettes, and a valid
instance (the usual case) needs no error details. ``Compiler`` turns a schema into one closure
that answers valid / not valid; a schema using any keyword it does not implement is refused
(``Unsupported``) and jsonschema does the work. Only a False answer is ever followed by
jsonschema's own errors, so reports are jsonschema's. The equivalence with jsonschema is
pinned in tests/contracts/test_schemas.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .refs import RefError, Refs

if TYPE_CHECKING:
    from .formats import FormatChecker

Check = Callable[[Any], bool]
_TRUE, _FALSE = object(), object()


#: The one dialect the quick check implements (jsonschema's ``Draft202012Validator``).
DIALECT = "https://json-schema.org/draft/2020-12/schema"


class Unsupported(Exception):
    """The schema uses a keyword the quick check does not implement."""


def _always(instance: Any) -> bool:
    return True


def _never(instance: Any) -> bool:
    return False


def _is_number(instance: Any) -> bool:
    return isinstance(instance, (int, float)) and not isinstance(instance, bool)


def _scalar_equal(value: Any, instance: Any) -> bool:
    """jsonschema's equality for a scalar ``value``: True is not 1, False is not 0."""
    if value is instance:
        return True
    if isinstance(value, str) or isinstance(instance, str):
        return bool(value == instance)
    unbool = {True: _TRUE, False: _FALSE}
    left = unbool[value] if isinstance(value, bool) else value
    right = unbool[instance] if isinstance(instance, bool) else instance
    return bool(left == right)


def _all(checks: list[Check]) -> Check:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]

    def every(instance: Any) -> bool:
        return all(each(instance) for each in checks)

    return every


# What jsonschema's draft 2020-12 type checker accepts, keyword by keyword.
_TYPE_TESTS: dict[str, Check] = {
    "array": lambda x: isinstance(x, list),
    "boolean": lambda x: isinstance(x, bool),
    "integer": lambda x: (
        (isinstance(x, int) and not isinstance(x, bool))
        or (isinstance(x, float) and x.is_integer())
    ),
    "null": lambda x: x is None,
    "number": _is_number,
    "object": lambda x: isinstance(x, dict),
    "string": lambda x: isinstance(x, str),
}
_EXACT_TYPES: dict[str, tuple[type, ...]] = {
    "array": (list,),
    "boolean": (bool,),
    "integer": (int,),
    "null": (type(None),),
    "number": (int, float),
    "object": (dict,),
    "string": (str,),
}
#: The keywords jsonschema's ``Draft202012Validator`` asserts with (its ``VALIDATORS``; the same
#: set, pinned by tests/contracts/test_schemas.py, without importing jsonschema): every other
#: keyword is an annotation the quick check ignores, as jsonschema does.
ASSERTIONS = frozenset(
    {
        "$dynamicRef",
        "$ref",
        "additionalProperties",
        "allOf",
        "anyOf",
        "const",
        "contains",
        "dependentRequired",
        "dependentSchemas",
        "enum",
        "exclusiveMaximum",
        "exclusiveMinimum",
        "format",
        "if",
        "items",
        "maxItems",
        "maxLength",
        "maxProperties",
        "maximum",
        "minItems",
        "minLength",
        "minProperties",
        "minimum",
        "multipleOf",
        "not",
        "oneOf",
        "pattern",
        "patternProperties",
        "prefixItems",
        "properties",
        "propertyNames",
        "required",
        "type",
        "unevaluatedItems",
        "unevaluatedProperties",
        "uniqueItems",
    }
)
_NUMERIC: dict[str, Callable[[Any], Check]] = {
    "minimum": lambda limit: lambda x: not _is_number(x) or x >= limit,
    "maximum": lambda limit: lambda x: not _is_number(x) or x <= limit,
    "exclusiveMinimum": lambda limit: lambda x: not _is_number(x) or x > limit,
    "exclusiveMaximum": lambda limit: lambda x: not _is_number(x) or x < limit,
    "minLength": lambda n: lambda x: not isinstance(x, str) or len(x) >= n,
    "maxLength": lambda n: lambda x: not isinstance(x, str) or len(x) <= n,
    "minItems": lambda n: lambda x: not isinstance(x, list) or len(x) >= n,
    "maxItems": lambda n: lambda x: not isinstance(x, list) or len(x) <= n,
    "minProperties": lambda n: lambda x: not isinstance(x, dict) or len(x) >= n,
    "maxProperties": lambda n: lambda x: not isinstance(x, dict) or len(x) <= n,
}


class Compiler:
    """Turns a schema into nested closures answering "valid?" as jsonschema would.

    Every keyword jsonschema asserts with must be implemented here exactly, or the whole
    schema is refused (Unsupported); keywords jsonschema ignores are ignored here too.
    """

    def __init__(self, format_checker: Callable[[], FormatChecker | None]) -> None:
        """``format_checker`` gives the validators' format checker (or None), asked the first
        time a ``format`` keyword is compiled: a schema without one never builds it."""
        self.format_checker = format_checker
        self.done: dict[int, Check] = {}  # by id() of the (registry-owned) schema object

    def compile(self, schema: Any, resolver: Refs) -> Check:
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, dict):
            raise Unsupported
        if "$schema" in schema and str(schema["$schema"]).rstrip("#") != DIALECT:
            raise Unsupported  # jsonschema switches to that dialect's rules for this part
        if isinstance(schema.get("$id"), str):
            resolver = resolver.enter(schema)
        key = id(schema)
        if key in self.done:
            return self.done[key]
        cell: list[Check] = []
        self.done[key] = lambda instance: cell[0](instance)  # for recursive schemas
        compiled = _all(
            [self.keyword(k, v, schema, resolver) for k, v in schema.items() if k in ASSERTIONS]
        )
        cell.append(compiled)
        self.done[key] = compiled
        return compiled

    def keyword(self, name: str, value: Any, schema: dict[str, Any], resolver: Refs) -> Check:
        if name == "type":
            return self.type(value)
        if name == "properties":
            pairs = [(key, self.compile(sub, resolver)) for key, sub in value.items()]

            def properties(instance: Any) -> bool:
                if isinstance(instance, dict):
                    for key, check in pairs:
                        if key in instance and not check(instance[key]):
                            return False
                return True

            return properties
        if name == "required":
            required = list(value)
            return lambda x: not isinstance(x, dict) or all(k in x for k in required)
        if name == "additionalProperties":
            if "patternProperties" in schema:
                raise Unsupported
            known = set(schema.get("properties", {}))
            if value is True or value == {}:
                return _always
            if value is False:
                return lambda x: not isinstance(x, dict) or all(k in known for k in x)
            extra = self.compile(value, resolver)
            return lambda x: (
                not isinstance(x, dict) or all(extra(v) for k, v in x.items() if k not in known)
            )
        if name == "items":
            if "prefixItems" in schema:
                raise Unsupported
            item = self.compile(value, resolver)
            return lambda x: not isinstance(x, list) or all(item(v) for v in x)
        if name in ("enum", "const"):
            values = list(value) if name == "enum" else [value]
            if not all(v is None or isinstance(v, (str, int, float)) for v in values):
                raise Unsupported  # containers: jsonschema's deep equality
            return lambda x: any(_scalar_equal(v, x) for v in values)
        if name == "format":
            checker = self.format_checker()
            if checker is None:
                return _always
            return lambda x: checker.conforms(x, value)
        if name == "pattern":
            try:
                regex = re.compile(value)
            except re.error:
                raise Unsupported from None
            return lambda x: not isinstance(x, str) or regex.search(x) is not None
        if name in _NUMERIC:
            return _NUMERIC[name](value)
        if name in ("allOf", "anyOf", "oneOf", "not"):
            if name == "not":
                negated = self.compile(value, resolver)
                return lambda x: not negated(x)
            subs = [self.compile(sub, resolver) for sub in value]
            if name == "allOf":
                return _all(subs)
            if name == "anyOf":
                return lambda x: any(sub(x) for sub in subs)
            return lambda x: sum(1 for sub in subs if sub(x)) == 1
        if name == "$ref":
            try:
                contents, there = resolver.lookup(value)
            except RefError:
                raise Unsupported from None
            return self.compile(contents, there)
        raise Unsupported

    @staticmethod
    def type(value: Any) -> Check:
        names = [value] if isinstance(value, str) else list(value)
        if not all(isinstance(n, str) and n in _TYPE_TESTS for n in names):
            raise Unsupported
        exact = frozenset(t for n in names for t in _EXACT_TYPES[n])
        tests = [_TYPE_TESTS[n] for n in names]
        return lambda x: type(x) in exact or any(test(x) for test in tests)
