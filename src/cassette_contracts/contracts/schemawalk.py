"""Walking JSON Schemas: the schema files of a folder, a document's subschemas, its
references, JSON pointers to places.

Shared by the registry (its files, dangling references, error places), the check cache (which
files a warm run stats), the ``$ref`` cycle check and the format checker (which formats a
schema set uses). Light to import: no jsonschema.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

__all__ = [
    "BASE_URI",
    "DATA_KEYWORDS",
    "NAMED_SUBSCHEMAS",
    "json_pointer",
    "references",
    "schema_files",
    "subschemas",
    "walk",
]

BASE_URI = "https://schemas.cassette-contracts.invalid/"
# Keywords whose values are data, not subschemas: a "$ref" inside them is not a reference.
DATA_KEYWORDS = frozenset({"const", "default", "enum", "examples"})
# Keywords whose values map names to subschemas: every key there names a subschema.
NAMED_SUBSCHEMAS = frozenset(
    {"$defs", "definitions", "dependentSchemas", "patternProperties", "properties"}
)


def schema_files(root: Path) -> list[Path]:
    """The schema files under folder ``root`` (``**/*.json``), in the order they are loaded."""
    return sorted(root.rglob("*.json"))


def json_pointer(parts: Iterable[Any]) -> str:
    """``#/a/b~1c`` for the path ``["a", "b/c"]`` (RFC 6901, as a URI fragment)."""
    escaped = (str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return "#/" + "/".join(escaped)


def subschemas(node: Any, base: str, where: list[Any]) -> Iterator[tuple[Any, str, list[Any]]]:
    """Every subschema (a mapping in a schema position) with its base URI and location."""
    if not isinstance(node, dict):
        return
    own_id = node.get("$id")
    if isinstance(own_id, str):
        base = urljoin(base, own_id)
    yield node, base, where
    for key, value in node.items():
        if key in DATA_KEYWORDS:
            continue
        if key in NAMED_SUBSCHEMAS and isinstance(value, dict):
            for name, sub in value.items():
                yield from subschemas(sub, base, [*where, key, name])
        elif isinstance(value, list):
            for index, sub in enumerate(value):
                yield from subschemas(sub, base, [*where, key, index])
        else:
            yield from subschemas(value, base, [*where, key])


def walk(node: Any, where: list[Any]) -> Iterator[tuple[dict[str, Any], list[Any]]]:
    """Every mapping in a schema document, with its location."""
    if isinstance(node, dict):
        yield node, where
        for key, value in node.items():
            yield from walk(value, [*where, key])
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, [*where, index])


def references(
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
            if not named and key in DATA_KEYWORDS:
                continue
            yield from references(
                value, base, [*where, key], named=not named and key in NAMED_SUBSCHEMAS
            )
    elif isinstance(node, list) and not named:
        for index, value in enumerate(node):
            yield from references(value, base, [*where, index], named=False)
