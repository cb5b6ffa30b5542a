"""``$ref`` lookups for the quick check and the pin walker, without importing ``referencing``
where a schema set needs nothing more than files and JSON pointers.

Why: ``referencing`` (with attrs and rpds) costs about 20 ms to import, and jsonschema, which
imports it, more: a replaying test suite paid both in its first replaying test and in every
xdist worker, although what it validates (``fastcheck``) only ever follows ``$ref``. For a
*plain* schema set, :class:`LocalRefs` resolves a reference as ``referencing`` does: the
reference joined to the base URI of the document it sits in, the document found by its URI,
the fragment read as a JSON pointer. A set is plain when no schema embeds a resource or an
anchor (``$id`` below a file's root, ``$anchor``, ``$dynamicAnchor``, ``$dynamicRef``, the
older ``$recursive*``) and no two files claim one URI. Anything else, and any lookup
``LocalRefs`` cannot answer, is handed to ``referencing`` itself (:class:`ReferencingRefs`),
so the answer is always ``referencing``'s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.parse import unquote, urldefrag, urljoin

from .schemawalk import walk

__all__ = ["NO_REFS", "LocalRefs", "RefError", "ReferencingRefs", "Refs", "plain_documents"]

#: Keywords that make a schema set more than files and JSON pointers (see the module doc).
_NOT_PLAIN = frozenset(
    {"$anchor", "$dynamicAnchor", "$dynamicRef", "$recursiveAnchor", "$recursiveRef"}
)


class RefError(Exception):
    """A ``$ref`` that does not resolve."""


class Refs(Protocol):
    """Where a ``$ref`` leads, from the base URI of the schema it sits in."""

    def lookup(self, ref: str) -> tuple[Any, Refs]:
        """The target's contents, and the lookups from the target's own base; RefError."""

    def enter(self, schema: Mapping[str, Any]) -> Refs:
        """The lookups from inside ``schema``, a subschema with its own ``$id``."""


def plain_documents(
    contents: Mapping[str, Any], uri: Callable[[str], str]
) -> dict[str, Any] | None:
    """Each loaded schema by every URI ``referencing`` knows it by (``uri(name)`` and its
    ``$id``), when the set is plain; None when it is not (then use ReferencingRefs). The
    registry already refuses two files known by one URI; the check here is a second guard."""
    documents: dict[str, Any] = {}
    for name, schema in contents.items():
        if not isinstance(schema, dict):
            return None
        for node, where in walk(schema, []):
            if _NOT_PLAIN.intersection(node) or (where and "$id" in node):
                return None
        own_id = schema.get("$id", uri(name))
        if not isinstance(own_id, str):
            return None
        for key in {uri(name), own_id.rstrip("#")}:  # referencing drops a trailing '#'
            if documents.setdefault(key, schema) is not schema:
                return None
    return documents


class LocalRefs:
    """``referencing``'s lookups in a plain schema set (``plain_documents``); a lookup it
    cannot answer exactly is asked of ``fallback()``, the same lookup by ``referencing``."""

    def __init__(
        self, documents: Mapping[str, Any], base: str, fallback: Callable[[str], Refs]
    ) -> None:
        self.documents = documents
        self.base = base
        self.fallback = fallback

    def lookup(self, ref: str) -> tuple[Any, Refs]:
        if not isinstance(ref, str):
            return self.fallback(self.base).lookup(ref)
        if ref.startswith("#"):  # as referencing reads it: this document, without a join
            document, fragment = self.base, ref[1:]
        else:
            document, fragment = urldefrag(urljoin(self.base, ref))
        contents = self.documents.get(document)
        if contents is None or (fragment and not fragment.startswith("/")):
            return self.fallback(self.base).lookup(ref)
        if fragment:
            for segment in unquote(fragment[1:]).split("/"):
                if isinstance(contents, dict):
                    key = segment.replace("~1", "/").replace("~0", "~")
                    if key not in contents:
                        return self.fallback(self.base).lookup(ref)
                    contents = contents[key]
                elif isinstance(contents, list) and segment.isascii() and segment.isdigit():
                    index = int(segment)
                    if index >= len(contents):
                        return self.fallback(self.base).lookup(ref)
                    contents = contents[index]
                else:
                    return self.fallback(self.base).lookup(ref)
        return contents, LocalRefs(self.documents, document, self.fallback)

    def enter(self, schema: Mapping[str, Any]) -> Refs:
        own_id = schema.get("$id")
        if not isinstance(own_id, str):
            return self
        return LocalRefs(self.documents, urljoin(self.base, own_id.rstrip("#")), self.fallback)


class ReferencingRefs:
    """Lookups by a ``referencing`` resolver."""

    def __init__(self, resolver: Any) -> None:
        self.resolver = resolver

    def lookup(self, ref: str) -> tuple[Any, Refs]:
        from referencing.exceptions import Unresolvable

        try:
            resolved = self.resolver.lookup(ref)
        except (Unresolvable, ValueError, TypeError) as exc:  # also a pointer into a string
            raise RefError(str(exc)) from exc
        return resolved.contents, ReferencingRefs(resolved.resolver)

    def enter(self, schema: Mapping[str, Any]) -> Refs:
        from referencing.jsonschema import DRAFT202012

        return ReferencingRefs(self.resolver.in_subresource(DRAFT202012.create_resource(schema)))


class _NoRefs:
    """The lookups of a schema that stands alone: no ``$ref`` resolves."""

    def lookup(self, ref: str) -> tuple[Any, Refs]:
        raise RefError(f"{ref!r}: this schema refers to no other")

    def enter(self, schema: Mapping[str, Any]) -> Refs:
        return self


NO_REFS: Refs = _NoRefs()
