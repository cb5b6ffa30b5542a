"""All ``schemas/**/*.json`` in one offline ``referencing`` registry, validators built once.

Each file is registered under ``https://schemas.cassette-contracts.invalid/<relative path>``
(its own ``$id`` too, when it has one), so ``{"$ref": "common.schema.json#/$defs/login"}``
resolves across files by relative URI; nothing is ever fetched from the network.

jsonschema and ``referencing`` are imported only when needed: to check a schema against the
meta-schema or the set's references and ``$ref`` cycles (skipped for a file, or a whole set,
that passed before: ``_Verdicts``), and to describe a payload that the quick check
(``fastcheck``, which follows ``$ref`` through ``refs``) finds invalid. A replaying test suite
whose schemas passed before and whose payloads hold imports neither.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from ..cassettes.yaml_load import loads_json
from ..errors import SchemaError
from .fastcheck import DIALECT, Check, Compiler, Unsupported
from .refs import LocalRefs, ReferencingRefs, Refs, plain_documents
from .schemawalk import BASE_URI, json_pointer, references, schema_files, walk

if TYPE_CHECKING:
    from referencing import Registry

    from .formats import Draft202012Validator, FormatChecker

__all__ = ["SchemaRegistry", "schema_fingerprint"]


class SchemaRegistry:
    """The schemas under ``root``; problems found while loading are kept in ``errors``.

    ``validator(name)`` gives the one ``Draft202012Validator`` (with format checking) for a
    schema, built on first use and reused for every payload after.
    """

    def __init__(
        self,
        root: Path,
        contents: dict[str, Any],
        registry: Registry[Any] | None,
        errors: dict[str, SchemaError],
        fingerprint: str,
    ) -> None:
        self.root = root
        self.fingerprint = fingerprint
        self._contents = contents
        self._registry = registry  # None: built from the contents when first needed
        self._errors = errors
        self._validators: dict[str, Draft202012Validator] = {}
        self._quick: dict[str, Check | None] = {}
        self._places: dict[int, tuple[str, str]] | None = None
        self._format_checker: FormatChecker | None = None
        self._documents: dict[str, Any] | None = None  # plain_documents; {}: not plain

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
    def load(
        cls, root: str | PathLike[str], cache_dir: str | PathLike[str] | None = None
    ) -> SchemaRegistry:
        """Read, check and register every ``*.json`` under ``root``.

        With ``cache_dir``, a file whose exact content passed the meta-schema check before is
        not checked again (``_Verdicts``); a failure is never remembered."""
        root = Path(root)
        verdicts = _Verdicts(Path(cache_dir)) if cache_dir is not None else None
        digest = hashlib.sha256()
        contents: dict[str, Any] = {}
        errors: dict[str, SchemaError] = {}
        for path in schema_files(root):
            name = path.relative_to(root).as_posix()
            try:
                data = path.read_bytes()
            except OSError as exc:
                errors[name] = SchemaError(f"cannot read schema: {exc.strerror}", file=path)
                continue
            _fingerprint_update(digest, name, data)
            try:
                schema = _parse(data, path, verdicts)
            except SchemaError as exc:
                errors[name] = exc
                continue
            uri = BASE_URI + name
            if isinstance(schema, dict):
                own_id = schema.get("$id")
                schema = {**schema, "$id": urljoin(uri, own_id) if own_id else uri}
            contents[name] = schema
        for name, refused in _shared_uris(contents, root).items():
            errors[name] = refused
            del contents[name]
        fingerprint = digest.hexdigest()
        whole = verdicts.set_key(fingerprint) if verdicts is not None else ""
        registry = None
        if errors or verdicts is None or not verdicts.passed(whole):
            # The checks across files: every $ref resolves, no $ref cycle that consumes nothing.
            from .refcycles import RefCycles

            registry = _referencing(contents)
            for name, schema in contents.items():
                problem = _dangling_ref(registry, name, schema, root / name)
                if problem is not None:
                    errors[name] = problem
            cycles = RefCycles(registry, contents, errors)
            for name in contents:
                if name not in errors:
                    problem = cycles.find(name, root / name)
                    if problem is not None:
                        errors[name] = problem
            if not errors and verdicts is not None:
                verdicts.add(whole)
        for name in errors:
            contents.pop(name, None)
        if verdicts is not None:
            verdicts.save()
        return cls(root, contents, registry, errors, fingerprint)

    @property
    def referencing(self) -> Registry[Any]:
        """The ``referencing`` registry holding every loaded schema (for ``$ref`` lookups)."""
        if self._registry is None:
            self._registry = _referencing(self._contents)
        return self._registry

    def refs(self, name: str) -> Refs:
        """``$ref`` lookups from schema ``name``'s root: without ``referencing`` when the set
        is plain (``refs.plain_documents``), else by it."""
        if self._documents is None:
            self._documents = plain_documents(self._contents, self.uri) or {}

        def by_referencing(base: str) -> Refs:
            return ReferencingRefs(self.referencing.resolver(base_uri=base))

        if self._documents:
            return LocalRefs(self._documents, self.uri(name), by_referencing)
        return by_referencing(self.uri(name))

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
            from .formats import Draft202012Validator, format_checker

            if self._format_checker is None:
                self._format_checker = format_checker(self._contents.values())
            found = Draft202012Validator(
                self._contents[name], registry=self.referencing, format_checker=self._format_checker
            )
            self._validators[name] = found
        return found

    def locate(self, subschema: Any) -> tuple[str, str] | None:
        """(file name, JSON pointer) of a (sub)schema object of this registry, e.g. the
        ``schema`` of a jsonschema error, wherever ``$ref`` led; None if not one of ours."""
        if self._places is None:
            self._places = {}
            for name, contents in self._contents.items():
                for node, where in walk(contents, []):
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
            problem = self.error(name)
            if problem is not None:
                raise problem
            try:
                self._quick[name] = Compiler(self._formats).compile(
                    self._contents[name], self.refs(name)
                )
            except Unsupported:
                self._quick[name] = None
        return self._quick[name]

    def _formats(self) -> FormatChecker:
        """The validators' format checker (``formats.format_checker``: the formats the set
        uses); imports jsonschema, so asked for only when a ``format`` is compiled."""
        if self._format_checker is None:
            from .formats import format_checker

            self._format_checker = format_checker(self._contents.values())
        return self._format_checker


def _shared_uris(contents: dict[str, Any], root: Path) -> dict[str, SchemaError]:
    """The schemas whose ``$id`` (as ``referencing`` reads it: without a trailing ``#``) is
    another file's URI, or another schema's ``$id`` too: which one a ``$ref`` to it reached
    would depend on the order of the set. The file that claims the URI is refused, never the
    one whose own URI it is (both, when two ``$id`` are the same); files whose schemas are
    equal (copies, symlinks) share a URI harmlessly."""
    files = {BASE_URI + name: name for name in contents}
    ids: dict[str, list[str]] = {}
    for name, schema in contents.items():
        own = schema.get("$id") if isinstance(schema, dict) else None
        if isinstance(own, str) and own.rstrip("#") != BASE_URI + name:
            ids.setdefault(own.rstrip("#"), []).append(name)

    def shown(uri: str) -> str:
        return uri.removeprefix(BASE_URI)

    problems = {}
    for uri, names in ids.items():
        claimants = [*names, *([files[uri]] if uri in files else [])]
        if all(contents[each] == contents[claimants[0]] for each in claimants):
            continue  # the same schema under several names (a copy, a symlink): no ambiguity
        for name in names:
            if uri in files:
                other = f"the URI of {files[uri]}"
            elif len(names) > 1:
                other = "also the $id of " + ", ".join(n for n in names if n != name)
            else:
                continue
            problems[name] = SchemaError(
                f"$id {shown(uri)!r} is {other}: two schemas cannot share one URI "
                "(a $ref to it would reach either)",
                file=root / name,
            )
    return problems


def _referencing(contents: dict[str, Any]) -> Registry[Any]:
    """A ``referencing`` registry of the schemas ``contents`` (each under ``BASE_URI + name``
    and its own ``$id``)."""
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resources = [
        (BASE_URI + name, Resource.from_contents(schema, default_specification=DRAFT202012))
        for name, schema in contents.items()
    ]
    return Registry().with_resources(resources).crawl()


def _fingerprint_update(digest: Any, name: str, data: bytes) -> None:
    digest.update(f"{name}\0{len(data)}\0".encode())
    digest.update(data)


def schema_fingerprint(root: Path, files: list[Path]) -> str | None:
    """``SchemaRegistry.fingerprint`` of schema ``files`` under ``root`` as they are now (None
    when one cannot be read)."""
    digest = hashlib.sha256()
    for path in files:
        try:
            _fingerprint_update(digest, path.relative_to(root).as_posix(), path.read_bytes())
        except OSError:
            return None
    return digest.hexdigest()


#: The modules whose code decides a whole schema set's verdict (``_Verdicts.set_key``).
_SET_CHECKS = ("registry.py", "refcycles.py", "schemawalk.py")


class _Verdicts:
    """The content hashes of schema files that passed the meta-schema check, and of whole
    schema sets that passed the checks across files (every ``$ref`` resolves, no ``$ref``
    cycle), kept in ``<cache_dir>/schema-verdicts`` (one hex digest a line, keyed by the
    versions of jsonschema and ``referencing`` and the code of these checks too): checking
    costs more than everything else of loading, and imports both libraries. Only passes are
    recorded, so a broken schema is reported every time. The cache is an optimisation: when it
    cannot be read or written, schemas are simply checked."""

    def __init__(self, cache_dir: Path) -> None:
        from importlib.metadata import version

        self._path = cache_dir / "schema-verdicts"
        self._salt = f"jsonschema {version('jsonschema')}\0{DIALECT}\0".encode()
        self._set_salt = f"referencing {version('referencing')}\0".encode()
        try:
            self._passed = set(self._path.read_text("ascii").split())
        except (OSError, ValueError):
            self._passed = set()
        self._new = False

    def key(self, data: bytes) -> str:
        """The verdict key of a schema file's bytes."""
        return hashlib.sha256(self._salt + data).hexdigest()

    def set_key(self, fingerprint: str) -> str:
        """The verdict key of a whole schema set (``SchemaRegistry.fingerprint``)."""
        digest = hashlib.sha256(self._salt + self._set_salt + b"set\0" + fingerprint.encode())
        here = Path(__file__).parent
        for name in _SET_CHECKS:
            try:
                digest.update((here / name).read_bytes())
            except OSError:
                return ""  # never passed
        return digest.hexdigest()

    def passed(self, key: str) -> bool:
        """Whether the content of ``key`` passed the check before."""
        return bool(key) and key in self._passed

    def add(self, key: str) -> None:
        """Remember that the content of ``key`` passed the check."""
        if key:
            self._new |= key not in self._passed
            self._passed.add(key)

    def save(self) -> None:
        """Write the verdicts, whole, if any is new; a cache that cannot be written is none."""
        if not self._new:
            return
        from ..cassettes.atomic import atomic_write_bytes

        text = "".join(f"{key}\n" for key in sorted(self._passed))
        with contextlib.suppress(OSError):
            atomic_write_bytes(self._path, text.encode("ascii"))


def _parse(data: bytes, path: Path, verdicts: _Verdicts | None = None) -> Any:
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
    if dialect is not None and str(dialect).rstrip("#") != DIALECT:
        raise SchemaError(
            f"$schema is {dialect!r}: only JSON Schema 2020-12 "
            "('https://json-schema.org/draft/2020-12/schema') is supported",
            file=path,
        )
    # What Draft202012Validator.check_schema does, but keeping the errors whole: the one it
    # raises has lost what best_match needs, and formats (a "pattern" that is no regex, an
    # "$id" that is no URI) are checked too.
    key = verdicts.key(data) if verdicts is not None else ""
    if verdicts is not None and verdicts.passed(key):
        return schema
    content = hashlib.sha256(data).digest()
    if content not in _PASSED_HERE:
        from .formats import best_match

        worst = best_match(_meta_validator().iter_errors(schema))
        if worst is not None:
            raise SchemaError(
                f"not a valid JSON Schema 2020-12 at {json_pointer(worst.absolute_path)}: "
                f"{worst.message}",
                file=path,
            )
        _PASSED_HERE.add(content)
    if verdicts is not None:
        verdicts.add(key)
    return schema


@functools.cache
def _meta_validator() -> Draft202012Validator:
    from .formats import Draft202012Validator, meta_format_checker

    return Draft202012Validator(
        Draft202012Validator.META_SCHEMA, format_checker=meta_format_checker()
    )


#: The sha256 digests of the schema contents that passed the meta-schema check in this
#: process: a process that loads the same schemas again (a CLI command and the plugin in one
#: process, a long-lived caller, a test suite) checks each content once. Only passes are kept
#: (a broken schema is reported at every load), like the on-disk ``_Verdicts``.
_PASSED_HERE: set[bytes] = set()


def _dangling_ref(
    registry: Registry[Any], name: str, schema: Any, path: Path
) -> SchemaError | None:
    """The first ``$ref`` / ``$dynamicRef`` in ``schema`` that does not resolve, as an error."""
    from referencing.exceptions import Unresolvable

    for base, keyword, ref, where in references(schema, BASE_URI + name, [], named=False):
        try:
            found = registry.resolver(base_uri=base).lookup(ref).contents
        except (Unresolvable, ValueError, TypeError):  # a pointer into a string or a boolean
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
        if not isinstance(found, (dict, bool)):  # e.g. "#/required", or into a "const" string
            kind = (
                "an array"
                if isinstance(found, list)
                else "a string"
                if isinstance(found, str)
                else "a number or null"
            )
            return SchemaError(
                f"{keyword} {ref!r} at {json_pointer(where)} leads to {kind}, not a schema",
                file=path,
            )
    return None
