"""``$ref`` cycles that never consume any of the instance: jsonschema would recurse on them
until it crashes, so the registry refuses such a schema with the cycle named."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from referencing import Registry
from referencing.exceptions import Unresolvable

from ..errors import SchemaError
from .schemawalk import BASE_URI, json_pointer, subschemas

__all__ = ["RefCycles"]

# Keywords that apply their subschemas to the very value being validated, not to a part of
# it: a chain of these (through $ref) that comes back to where it started never ends.
_IN_PLACE = ("allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas")


class RefCycles:
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
            for node, base, where in subschemas(schema, BASE_URI + name, []):
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
