"""The JSON Schema of ``contracts.toml``, checked with jsonschema: each mistake one line naming
the key, with its JSON path (``$.contract[2].status``).

The schema holds the structure (tables, keys, types, allowed values); each subschema carries
the sentence said when it fails (``x-message``, a keyword jsonschema ignores; a
``str.format`` template of ``value`` and ``key``). What a schema
cannot say well (a URL template that parses, media ranges, a header pinned twice) stays in
``contracts.mapping``.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from .mapping import AUTH_RULES, BODIES, HEADER_TYPES, JSON_BODIES, KEYS, REQUIRED_KEYS

if TYPE_CHECKING:
    from .fastcheck import Check

__all__ = ["SCHEMA", "problems"]


def _choices(values: tuple[str, ...]) -> str:
    return ", ".join(map(repr, values))


def _text(key: str) -> dict[str, Any]:
    return {"type": "string", "pattern": r"\S", "x-message": f"{key!r} must be a non-empty string"}


def _names(key: str) -> dict[str, Any]:
    return {
        "type": "array",
        "items": {"type": "string"},
        "x-message": f"{key!r} must be a list of parameter names",
    }


_STATUS = {"type": "integer", "minimum": 100, "maximum": 599}
_HEADER_TYPE = {"enum": list(HEADER_TYPES)}
ENTRY: dict[str, Any] = {
    "type": "object",
    "x-message": "is not a table",
    "required": list(REQUIRED_KEYS),
    "additionalProperties": False,
    "properties": {
        "name": _text("name"),
        "request": _text("request"),
        "schema": _text("schema"),
        "status": {
            "anyOf": [_STATUS, {"type": "array", "minItems": 1, "items": _STATUS}],
            "x-message": "'status' must be an HTTP status or a list of them, got {value!r}",
        },
        "body": {
            "enum": list(BODIES),
            "x-message": f"'body' must be one of {_choices(BODIES)}, got {{value!r}}",
        },
        "auth": {
            "enum": list(AUTH_RULES),
            "x-message": f"'auth' must be one of {_choices(AUTH_RULES)}, got {{value!r}}",
        },
        "request_schema": {
            "type": "string",
            "minLength": 1,
            "x-message": "'request_schema' must be a non-empty string",
        },
        "query": _names("query"),
        "required_query": _names("required_query"),
        "media_type": {
            "anyOf": [
                {"type": "string"},
                {"type": "array", "minItems": 1, "items": {"type": "string"}},
            ],
            "x-message": "'media_type' must be a media type or a list of them, got {value!r}",
        },
        "headers": {
            "type": "object",
            "x-message": "'headers' must be a table of header name = type, e.g. "
            '{{ "Retry-After" = "integer" }}',
            "additionalProperties": {
                "anyOf": [
                    _HEADER_TYPE,
                    {"type": "array", "minItems": 1, "items": _HEADER_TYPE},
                ],
                "x-message": f"'headers': {{key!r}} must be one of {_choices(HEADER_TYPES)} "
                "or a list of them, got {value!r}",
            },
        },
    },
}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "contract": {
            "type": "array",
            "x-message": "'contract' must be an array of tables: [[contract]]",
            "items": ENTRY,
        }
    },
}
# The order in which an entry's mistakes are named when it has several.
_ORDER = ("type", "additionalProperties", "required", "body", *KEYS)

Problem = tuple[str, str]  # (message, JSON path)


@cache
def _validator() -> Any:
    from .formats import Draft202012Validator

    return Draft202012Validator(SCHEMA)


@cache
def _holds() -> Check | None:
    """The quick check of SCHEMA (``fastcheck``): a sound file needs no jsonschema (None if
    SCHEMA ever uses a keyword the quick check does not implement)."""
    from .fastcheck import Compiler, Unsupported
    from .refs import NO_REFS

    try:
        return Compiler(lambda: None).compile(SCHEMA, NO_REFS)
    except Unsupported:
        return None


def problems(document: Any) -> tuple[Problem | None, dict[int, Problem]]:
    """The file's own problem (top-level keys, ``contract`` not an array), and the first
    problem of each ``[[contract]]`` entry, by 0-based index."""
    holds = _holds()
    if holds is not None and holds(document):
        return None, {}
    top: list[tuple[int, Problem]] = []
    entries: dict[int, list[tuple[int, Problem]]] = {}
    for error in _validator().iter_errors(document):
        where = list(error.absolute_path)
        if len(where) < 2:
            top.append((0, (_top_message(error), error.json_path)))
            continue
        index, key = where[1], where[2] if len(where) > 2 else error.validator
        rank = _ORDER.index(key) if key in _ORDER else len(_ORDER)
        entries.setdefault(index, []).append((rank, (_entry_message(error), error.json_path)))
    first = {index: min(found)[1] for index, found in entries.items()}
    return (min(top)[1] if top else None), first


def _top_message(error: Any) -> str:
    if error.validator == "additionalProperties":
        unknown = sorted(set(error.instance) - {"contract"})
        return (
            f"unknown top-level key(s) {', '.join(unknown)}: only [[contract]] tables are allowed"
        )
    return str(error.schema.get("x-message", error.message))


def _entry_message(error: Any) -> str:
    if error.validator == "additionalProperties" and len(error.absolute_path) == 2:
        unknown = sorted(set(error.instance) - set(KEYS))
        return f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(KEYS)}"
    if error.validator == "required":
        missing = [key for key in REQUIRED_KEYS if key not in error.instance]
        if error.instance.get("body", "json") in JSON_BODIES and "schema" not in error.instance:
            missing.append("schema")  # a JSON body needs its schema
        return f"missing key(s) {', '.join(missing)}"
    message = error.schema.get("x-message")
    if message is None:  # an item inside a key (a query name): say it of the key
        own = ENTRY["properties"].get(error.absolute_path[2], {})
        return str(own.get("x-message", error.message))
    key = error.absolute_path[-1] if error.absolute_path else ""
    return str(message).format(value=error.instance, key=key)
