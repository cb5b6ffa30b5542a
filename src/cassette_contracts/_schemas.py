"""All ``schemas/**/*.json`` in one offline ``referencing`` registry, validators built once.

Each file is registered under ``https://schemas.cassette-contracts.invalid/<relative path>``
(its own ``$id`` too, when it has one), so ``{"$ref": "common.schema.json#/$defs/login"}``
resolves across files by relative URI; nothing is ever fetched from the network.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from ._cassette import loads_json
from .errors import SchemaError

# -- format checkers ---------------------------------------------------------------------------
# jsonschema's `_format` module, run by `import jsonschema`, imports every format-checker
# package it can find. Two of them cost far more than the rest for formats few schemas use:
# rfc3987-syntax (the `iri` and `iri-reference` formats of the format-nongpl extra) compiles
# its Lark grammars on import, about a second; isoduration (`duration`) imports arrow and
# dateutil, tens of milliseconds in every process that validates. So jsonschema is imported
# here without them, and their checkers are put back where jsonschema keeps them (the checkers
# of the drafts that define the format, and FormatChecker's defaults) as jsonschema registers
# them, importing the package on their first call. Every format stays checked, for this package
# and for any other code in the process; only the price moves to the first value checked.


def _lazy_iri_check(rule: str) -> Callable[[object], bool]:
    """jsonschema's check for an ``iri`` format, importing rfc3987-syntax on first use."""

    def check(instance: object) -> bool:
        if not isinstance(instance, str):
            return True
        from rfc3987_syntax import is_valid_syntax  # type: ignore[import-untyped]

        return bool(is_valid_syntax(rule, instance))

    return check


def _lazy_duration_check(instance: object) -> bool:
    """jsonschema's check for the ``duration`` format, importing isoduration on first use."""
    if not isinstance(instance, str):
        return True
    import isoduration  # type: ignore[import-untyped]

    isoduration.parse_duration(instance)  # DurationParsingException, a ValueError
    return instance.endswith(tuple("DMYWHMS"))  # as jsonschema does (bolsote/isoduration#25)


_LATER_DRAFTS = ("draft7", "draft201909", "draft202012")
#: package -> {format: (check, what it raises, the drafts that define the format)}
_LAZY_FORMATS: dict[str, dict[str, tuple[Callable[[object], bool], type, tuple[str, ...]]]] = {
    "rfc3987_syntax": {
        "iri": (_lazy_iri_check("iri"), ValueError, _LATER_DRAFTS),
        "iri-reference": (_lazy_iri_check("iri_reference"), ValueError, _LATER_DRAFTS),
    },
    "isoduration": {"duration": (_lazy_duration_check, ValueError, _LATER_DRAFTS[1:])},
}


def _import_jsonschema_lazily() -> None:
    """``import jsonschema`` without importing the packages of ``_LAZY_FORMATS``; their
    checkers made lazy. A package imported already is left as it is (its price is paid)."""
    if "jsonschema" in sys.modules:
        return  # imported already: the price is paid, jsonschema is left as it is
    skipped = [
        package
        for package in _LAZY_FORMATS
        if package not in sys.modules and importlib.util.find_spec(package) is not None
    ]
    if not skipped:
        return
    for package in skipped:
        sys.modules[package] = None  # type: ignore[assignment]  # import -> ImportError
    try:
        import jsonschema  # type: ignore[import-untyped]
    finally:
        for package in skipped:
            del sys.modules[package]
    validators = {
        "draft7": jsonschema.Draft7Validator,
        "draft201909": jsonschema.Draft201909Validator,
        "draft202012": jsonschema.Draft202012Validator,
    }
    for package in skipped:
        for name, (check, raises, drafts) in _LAZY_FORMATS[package].items():
            if name in jsonschema.FormatChecker.checkers:
                continue  # provided by another package (rfc3987): nothing was skipped
            for draft in drafts:
                validators[draft].FORMAT_CHECKER.checks(name, raises=raises)(check)
            jsonschema.FormatChecker.checkers[name] = (check, raises)


_import_jsonschema_lazily()

from jsonschema import Draft202012Validator, FormatChecker  # noqa: E402
from jsonschema.exceptions import ValidationError, best_match  # type: ignore[import-untyped]  # noqa: E402

if TYPE_CHECKING:
    from referencing._core import Resolver

__all__ = [
    "BASE_URI",
    "SchemaRegistry",
    "ValidationError",
    "best_match",
    "json_pointer",
]

Check = Callable[[Any], bool]

BASE_URI = "https://schemas.cassette-contracts.invalid/"
_DIALECT = "https://json-schema.org/draft/2020-12/schema"
# Keywords whose values are data, not subschemas: a "$ref" inside them is not a reference.
_DATA_KEYWORDS = frozenset({"const", "default", "enum", "examples"})
# Keywords whose values map names to subschemas: every key there names a subschema.
_NAMED_SUBSCHEMAS = frozenset(
    {"$defs", "definitions", "dependentSchemas", "patternProperties", "properties"}
)


def json_pointer(parts: Iterable[Any]) -> str:
    """``#/a/b~1c`` for the path ``["a", "b/c"]`` (RFC 6901, as a URI fragment)."""
    escaped = (str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return "#/" + "/".join(escaped)


class SchemaRegistry:
    """The schemas under ``root``; problems found while loading are kept in ``errors``.

    ``validator(name)`` gives the one ``Draft202012Validator`` (with format checking) for a
    schema, built on first use and reused for every payload after.
    """

    def __init__(
        self,
        root: Path,
        contents: dict[str, Any],
        registry: Registry[Any],
        errors: dict[str, SchemaError],
        fingerprint: str,
    ) -> None:
        self.root = root
        self.fingerprint = fingerprint
        self._contents = contents
        self._registry = registry
        self._errors = errors
        self._validators: dict[str, Draft202012Validator] = {}
        self._quick: dict[str, Check | None] = {}
        self._places: dict[int, tuple[str, str]] | None = None
        self._format_checker: FormatChecker | None = None

    @property
    def names(self) -> list[str]:
        """Relative (POSIX) names of the schema files that loaded cleanly."""
        return sorted(self._contents)

    @property
    def broken(self) -> frozenset[str]:
        """Relative names of the schema files that exist but cannot be used."""
        return frozenset(self._errors)

    @property
    def errors(self) -> list[SchemaError]:
        """One error per broken schema file, in file order."""
        return [self._errors[name] for name in sorted(self._errors)]

    @classmethod
    def load(cls, root: str | PathLike[str]) -> SchemaRegistry:
        """Read, check and register every ``*.json`` under ``root``."""
        root = Path(root)
        digest = hashlib.sha256()
        contents: dict[str, Any] = {}
        errors: dict[str, SchemaError] = {}
        resources: list[tuple[str, Resource[Any]]] = []
        for path in sorted(root.rglob("*.json")):
            name = path.relative_to(root).as_posix()
            try:
                data = path.read_bytes()
            except OSError as exc:
                errors[name] = SchemaError(f"cannot read schema: {exc.strerror}", file=path)
                continue
            digest.update(f"{name}\0{len(data)}\0".encode())
            digest.update(data)
            try:
                schema = _parse(data, path)
            except SchemaError as exc:
                errors[name] = exc
                continue
            uri = BASE_URI + name
            if isinstance(schema, dict):
                own_id = schema.get("$id")
                schema = {**schema, "$id": urljoin(uri, own_id) if own_id else uri}
            resource = Resource.from_contents(schema, default_specification=DRAFT202012)
            resources.append((uri, resource))
            contents[name] = schema
        registry = Registry().with_resources(resources).crawl()
        for name, schema in contents.items():
            problem = _dangling_ref(registry, name, schema, root / name)
            if problem is not None:
                errors[name] = problem
        cycles = _RefCycles(registry, contents, errors)
        for name in contents:
            if name not in errors:
                problem = cycles.find(name, root / name)
                if problem is not None:
                    errors[name] = problem
        for name in errors:
            contents.pop(name, None)
        return cls(root, contents, registry, errors, digest.hexdigest())

    @property
    def referencing(self) -> Registry[Any]:
        """The ``referencing`` registry holding every loaded schema (for ``$ref`` lookups)."""
        return self._registry

    @staticmethod
    def uri(name: str) -> str:
        """The URI schema ``name`` is registered under (its base for relative ``$ref``)."""
        return BASE_URI + name

    def schema(self, name: str) -> Any:
        """The contents of schema ``name``; SchemaError if it is broken or missing."""
        problem = self.error(name)
        if problem is not None:
            raise problem
        return self._contents[name]

    def error(self, name: str) -> SchemaError | None:
        """Why schema ``name`` cannot be used (broken or missing), or None when it can."""
        if name in self._contents:
            return None
        if name in self._errors:
            return self._errors[name]
        return SchemaError(f"no schema file {name!r} under {self.root.as_posix()}/")

    def validator(self, name: str) -> Draft202012Validator:
        """The validator for schema ``name`` (relative to the root); SchemaError if unusable."""
        found = self._validators.get(name)
        if found is None:
            problem = self.error(name)
            if problem is not None:
                raise problem
            if self._format_checker is None:
                self._format_checker = _format_checker(self._contents.values())
            found = Draft202012Validator(
                self._contents[name], registry=self._registry, format_checker=self._format_checker
            )
            self._validators[name] = found
        return found

    def locate(self, subschema: Any) -> tuple[str, str] | None:
        """(file name, JSON pointer) of a (sub)schema object of this registry, e.g. the
        ``schema`` of a jsonschema error, wherever ``$ref`` led; None if not one of ours."""
        if self._places is None:
            self._places = {}
            for name, contents in self._contents.items():
                for node, where in _walk(contents, []):
                    self._places.setdefault(id(node), (name, json_pointer(where)))
        return self._places.get(id(subschema))

    def quick_check(self, name: str) -> Check | None:
        """A fast yes/no test equal to ``validator(name).is_valid``, or None.

        Built once per schema from the keywords it uses (type, properties, required, items,
        $ref, enum, format, ...). None when the schema uses a keyword the fast test does not
        cover: then only the jsonschema validator decides. Violations are always described
        by the validator; this only spares it the payloads that hold.
        """
        if name not in self._quick:
            validator = self.validator(name)
            try:
                self._quick[name] = _Compiler(self._registry, validator.format_checker).compile(
                    validator.schema, self._registry.resolver(base_uri=BASE_URI + name)
                )
            except _Unsupported:
                self._quick[name] = None
        return self._quick[name]


def _format_checker(schemas: Iterable[Any]) -> FormatChecker:
    """Draft 2020-12's format checker, holding only the formats ``schemas`` use."""
    used = {
        node["format"]
        for schema in schemas
        for node, _ in _walk(schema, [])
        if isinstance(node.get("format"), str)
    }
    known = Draft202012Validator.FORMAT_CHECKER.checkers
    checker = FormatChecker(formats=())
    for name in sorted(used & set(known)):
        check, raises = known[name]
        checker.checks(name, raises)(check)
    return checker


def _parse(data: bytes, path: Path) -> Any:
    try:
        schema = loads_json(data)
    except UnicodeDecodeError as exc:
        raise SchemaError(f"schema is not UTF-8 text (byte {exc.start})", file=path) from None
    except json.JSONDecodeError as exc:
        raise SchemaError(
            f"schema is not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            file=path,
            line=exc.lineno,
        ) from None
    except ValueError as exc:  # nested deeper than MAX_NESTING
        raise SchemaError(f"schema is {exc}", file=path) from None
    if not isinstance(schema, (dict, bool)):
        raise SchemaError(
            f"a schema must be a JSON object or boolean, not a JSON {type(schema).__name__}",
            file=path,
        )
    dialect = schema.get("$schema") if isinstance(schema, dict) else None
    if dialect is not None and str(dialect).rstrip("#") != _DIALECT:
        raise SchemaError(
            f"$schema is {dialect!r}: only JSON Schema 2020-12 "
            "('https://json-schema.org/draft/2020-12/schema') is supported",
            file=path,
        )
    # What Draft202012Validator.check_schema does, but keeping the errors whole: the one it
    # raises has lost what best_match needs, and formats (a "pattern" that is no regex, an
    # "$id" that is no URI) are checked too.
    worst = best_match(_META_VALIDATOR.iter_errors(schema))
    if worst is not None:
        raise SchemaError(
            f"not a valid JSON Schema 2020-12 at {json_pointer(worst.absolute_path)}: "
            f"{worst.message}",
            file=path,
        )
    return schema


_META_VALIDATOR = Draft202012Validator(
    Draft202012Validator.META_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER
)


def _dangling_ref(
    registry: Registry[Any], name: str, schema: Any, path: Path
) -> SchemaError | None:
    """The first ``$ref`` / ``$dynamicRef`` in ``schema`` that does not resolve, as an error."""
    for base, keyword, ref, where in _refs(schema, BASE_URI + name, [], named=False):
        try:
            registry.resolver(base_uri=base).lookup(ref)
        except Unresolvable:
            target = urljoin(base, ref)
            document, _, fragment = target.partition("#")
            if document.startswith(BASE_URI) and document != BASE_URI + name:
                relative = document[len(BASE_URI) :]
                if document not in registry:
                    reason = f"no schema file {relative!r}"
                else:
                    reason = f"{relative!r} has no {fragment!r}"
            elif document.startswith(BASE_URI):
                reason = f"this file has no {fragment!r}"
            else:
                reason = f"{document} is not a schema here (nothing is fetched)"
            return SchemaError(
                f"{keyword} {ref!r} at {json_pointer(where)} does not resolve: {reason}", file=path
            )
    return None


# Keywords that apply their subschemas to the very value being validated, not to a part of
# it: a chain of these (through $ref) that comes back to where it started never ends.
_IN_PLACE = ("allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas")


class _RefCycles:
    """Finds ``$ref`` cycles that never consume any of the instance (``"$ref": "#"``,
    ``$defs`` referring to each other): jsonschema would recurse on them until it crashes.

    A recursive schema that descends first (a tree whose ``children`` items ``$ref`` back to
    the node) is fine: ``properties``, ``items`` and the like apply to a smaller value.
    """

    def __init__(
        self, registry: Registry[Any], contents: dict[str, Any], broken: dict[str, SchemaError]
    ) -> None:
        self.registry = registry
        # Every subschema (by id) -> (file, base URI, location): where the edges start.
        self.places: dict[int, tuple[str, str, list[Any]]] = {}
        self.nodes: dict[int, dict[str, Any]] = {}
        for name, schema in contents.items():
            if name in broken:
                continue
            for node, base, where in _subschemas(schema, BASE_URI + name, []):
                self.places.setdefault(id(node), (name, base, where))
                self.nodes[id(node)] = node
        self.safe: set[int] = set()  # subschemas from which no cycle can be reached

    def edges(self, key: int) -> Iterator[int]:
        """The subschemas applied to the same value as subschema ``key``."""
        node, (_, base, _) = self.nodes[key], self.places[key]
        for keyword in _IN_PLACE:
            value = node.get(keyword)
            children = (
                value
                if isinstance(value, list)
                else value.values()
                if keyword == "dependentSchemas" and isinstance(value, dict)
                else [value]
            )
            for child in children:
                if isinstance(child, dict) and id(child) in self.nodes:
                    yield id(child)
        for keyword in ("$ref", "$dynamicRef"):
            ref = node.get(keyword)
            if isinstance(ref, str):
                try:
                    target = self.registry.resolver(base_uri=base).lookup(ref).contents
                except (Unresolvable, ValueError):
                    continue  # reported as a dangling reference
                if isinstance(target, dict) and id(target) in self.nodes:
                    yield id(target)

    def find(self, name: str, path: Path) -> SchemaError | None:
        """A SchemaError for the first such cycle reachable from a subschema of ``name``."""
        for key, (owner, _, _) in self.places.items():
            if owner != name or key in self.safe:
                continue
            cycle = self._search(key)
            if cycle is not None:
                hops = " -> ".join(self._label(k, name) for k in cycle)
                return SchemaError(
                    f"$ref cycle at {self._label(cycle[-2], name)} that never reads a part of "
                    f"the value, so validation would never end: {hops}",
                    file=path,
                )
        return None

    def _search(self, start: int) -> list[int] | None:
        """Depth first from ``start``: the cycle found (first node repeated last), or None."""
        path, on_path = [start], {start}
        stack = [self.edges(start)]
        while stack:
            following = next(stack[-1], None)
            if following is None:  # every way on from here explored: no cycle through it
                stack.pop()
                done = path.pop()
                on_path.discard(done)
                self.safe.add(done)
                continue
            if following in on_path:
                return [*path[path.index(following) :], following]
            if following in self.safe:
                continue
            path.append(following)
            on_path.add(following)
            stack.append(self.edges(following))
        return None

    def _label(self, key: int, name: str) -> str:
        owner, _, where = self.places[key]
        pointer = json_pointer(where)
        return pointer if owner == name else f"{owner}{pointer}"


def _subschemas(node: Any, base: str, where: list[Any]) -> Iterator[tuple[Any, str, list[Any]]]:
    """Every subschema (a mapping in a schema position) with its base URI and location."""
    if not isinstance(node, dict):
        return
    own_id = node.get("$id")
    if isinstance(own_id, str):
        base = urljoin(base, own_id)
    yield node, base, where
    for key, value in node.items():
        if key in _DATA_KEYWORDS:
            continue
        if key in _NAMED_SUBSCHEMAS and isinstance(value, dict):
            for name, sub in value.items():
                yield from _subschemas(sub, base, [*where, key, name])
        elif isinstance(value, list):
            for index, sub in enumerate(value):
                yield from _subschemas(sub, base, [*where, key, index])
        else:
            yield from _subschemas(value, base, [*where, key])


def _walk(node: Any, where: list[Any]) -> Iterator[tuple[dict[str, Any], list[Any]]]:
    """Every mapping in a schema document, with its location."""
    if isinstance(node, dict):
        yield node, where
        for key, value in node.items():
            yield from _walk(value, [*where, key])
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, [*where, index])


def _refs(
    node: Any, base: str, where: list[Any], *, named: bool
) -> Iterator[tuple[str, str, str, list[Any]]]:
    """(base URI, keyword, reference, location) of every reference in a schema document."""
    if isinstance(node, dict):
        if not named:
            own_id = node.get("$id")
            if isinstance(own_id, str):
                base = urljoin(base, own_id)
            for keyword in ("$ref", "$dynamicRef"):
                ref = node.get(keyword)
                if isinstance(ref, str):
                    yield base, keyword, ref, where
        for key, value in node.items():
            if not named and key in _DATA_KEYWORDS:
                continue
            yield from _refs(
                value, base, [*where, key], named=not named and key in _NAMED_SUBSCHEMAS
            )
    elif isinstance(node, list) and not named:
        for index, value in enumerate(node):
            yield from _refs(value, base, [*where, index], named=False)


class _Unsupported(Exception):
    """The schema uses a keyword the quick check does not implement."""


def _always(instance: Any) -> bool:
    return True


def _never(instance: Any) -> bool:
    return False


def _is_number(instance: Any) -> bool:
    return isinstance(instance, (int, float)) and not isinstance(instance, bool)


_TRUE, _FALSE = object(), object()


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
_ASSERTIONS = frozenset(Draft202012Validator.VALIDATORS)
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


class _Compiler:
    """Turns a schema into nested closures answering "valid?" as jsonschema would.

    Every keyword jsonschema asserts with must be implemented here exactly, or the whole
    schema is refused (_Unsupported); keywords jsonschema ignores are ignored here too.
    """

    def __init__(self, registry: Registry[Any], format_checker: FormatChecker | None) -> None:
        self.registry = registry
        self.format_checker = format_checker
        self.done: dict[int, Check] = {}  # by id() of the (registry-owned) schema object

    def compile(self, schema: Any, resolver: Resolver[Any]) -> Check:
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, dict):
            raise _Unsupported
        own_id = schema.get("$id")
        if isinstance(own_id, str):
            resolver = resolver.in_subresource(
                Resource.from_contents(schema, default_specification=DRAFT202012)
            )
        key = id(schema)
        if key in self.done:
            return self.done[key]
        cell: list[Check] = []
        self.done[key] = lambda instance: cell[0](instance)  # for recursive schemas
        compiled = _all(
            [self.keyword(k, v, schema, resolver) for k, v in schema.items() if k in _ASSERTIONS]
        )
        cell.append(compiled)
        self.done[key] = compiled
        return compiled

    def keyword(
        self, name: str, value: Any, schema: dict[str, Any], resolver: Resolver[Any]
    ) -> Check:
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
                raise _Unsupported
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
                raise _Unsupported
            item = self.compile(value, resolver)
            return lambda x: not isinstance(x, list) or all(item(v) for v in x)
        if name in ("enum", "const"):
            values = list(value) if name == "enum" else [value]
            if not all(v is None or isinstance(v, (str, int, float)) for v in values):
                raise _Unsupported  # containers: jsonschema's deep equality
            return lambda x: any(_scalar_equal(v, x) for v in values)
        if name == "format":
            checker = self.format_checker
            if checker is None:
                return _always
            return lambda x: checker.conforms(x, value)
        if name == "pattern":
            try:
                regex = re.compile(value)
            except re.error:
                raise _Unsupported from None
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
                resolved = resolver.lookup(value)
            except Unresolvable:
                raise _Unsupported from None
            return self.compile(resolved.contents, resolved.resolver)
        raise _Unsupported

    @staticmethod
    def type(value: Any) -> Check:
        names = [value] if isinstance(value, str) else list(value)
        if not all(isinstance(n, str) and n in _TYPE_TESTS for n in names):
            raise _Unsupported
        exact = frozenset(t for n in names for t in _EXACT_TYPES[n])
        tests = [_TYPE_TESTS[n] for n in names]
        return lambda x: type(x) in exact or any(test(x) for test in tests)
