"""The one mapping from recorded interactions to schemas: ``schemas/contracts.toml``.

::

    [[contract]]
    name = "github.user"                                    # unique
    request = "GET https://api.github.com/users/{username}" # {x} = one path segment
    status = 200                                            # int or list of ints
    schema = "github/user.schema.json"                      # relative to the schemas folder
    # optional, the request side:
    query = ["per_page", "page"]     # query parameters the client may send (others break it)
    required_query = ["userId"]      # query parameters it must send
    request_schema = "ntfy/publish-request.schema.json"    # JSON request body
    auth = "optional"                # Authorization header: "required" | "optional" | "absent"
    # optional, the response side beyond a JSON body:
    body = "json"          # json (default) | empty | text | binary | event-stream | ndjson
    media_type = "image/*"           # or a list; checked against Content-Type, * is a wildcard
    headers = { "Retry-After" = "integer", "Link" = "string" }   # response headers relied on

``schema`` is required for the bodies that carry JSON (``json``, and ``event-stream`` /
``ndjson``, where it validates each event's JSON) and not allowed for the others. A header pin
is one of :data:`HEADER_TYPES` (or a list of them: any may match); the header must be present.

An interaction matches a contract when method, URL (without its query string) and status all
match; exactly one contract must match.

Length: one job, contracts.toml to ``ContractMap`` and the match; most of it is the checks
that give each mistake in the file a one-line error naming the entry and the key.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from os import PathLike
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..cassettes.bodies import BodyKind
from ..cassettes.interaction import Interaction
from ..errors import ContractMapError, NoContractError, display_path

__all__ = [
    "AUTH_RULES",
    "BODIES",
    "HEADER_TYPES",
    "KEYS",
    "REQUIRED_KEYS",
    "Contract",
    "ContractMap",
    "HeaderPin",
]

AUTH_RULES = ("required", "optional", "absent")
BODIES = ("json", "empty", "text", "binary", "event-stream", "ndjson")
JSON_BODIES = ("json", "event-stream", "ndjson")  # the bodies a schema validates
STREAM_BODIES = ("event-stream", "ndjson")
HEADER_TYPES = ("string", "integer", "number", "boolean", "http-date")
REQUIRED_KEYS = ("name", "request", "status")
KEYS = (
    *REQUIRED_KEYS,
    "schema",
    "body",
    "media_type",
    "headers",
    "query",
    "required_query",
    "request_schema",
    "auth",
)
_MEDIA_RANGE = re.compile(r"[a-z0-9!#$&^_.+*-]+/[a-z0-9!#$&^_.+*-]+")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_METHOD = re.compile(r"[A-Z]+")
_TOML_POSITION = re.compile(r"at line (\d+), column (\d+)")
_CLOSEST = 3
_Bad = Callable[[str], ContractMapError]


@dataclass(frozen=True)
class HeaderPin:
    """A response header the client relies on: it must be sent, each value of one of ``types``."""

    name: str
    types: tuple[str, ...]


@dataclass(frozen=True)
class Contract:
    """One ``[[contract]]`` entry. ``query`` None means the query string is not checked.

    ``body`` is one of :data:`BODIES`; ``schema`` validates the JSON of a ``json`` body or of
    each event of an ``event-stream`` / ``ndjson`` body and is None for the other kinds.
    ``media_types`` are media ranges (``image/*``) the response ``Content-Type`` must match
    (empty: not checked).
    """

    name: str
    method: str
    url: str
    statuses: tuple[int, ...]
    schema: str | None
    query: tuple[str, ...] | None = None
    required_query: tuple[str, ...] = ()
    request_schema: str | None = None
    auth: str | None = None
    body: str = "json"
    media_types: tuple[str, ...] = ()
    headers: tuple[HeaderPin, ...] = ()
    pattern: re.Pattern[str] = field(repr=False, compare=False, default=re.compile(""))

    @property
    def request(self) -> str:
        """``METHOD URL-TEMPLATE`` as written in contracts.toml."""
        return f"{self.method} {self.url}"

    def describe(self) -> str:
        """``name (METHOD URL, status 200)`` for messages."""
        return f"{self.name} ({self.request}, status {_statuses(self.statuses)})"

    def schemas(self) -> tuple[str, ...]:
        """The schema files this contract uses."""
        return tuple(s for s in (self.schema, self.request_schema) if s is not None)

    @property
    def json_body_schema(self) -> str | None:
        """The schema of a whole JSON response body: what coverage and drift compare fields
        against. None for every other kind of body (event streams are not tracked yet)."""
        return self.schema if self.body == "json" else None

    def accepts_media_type(self, media_type: str) -> bool:
        """Whether ``media_type`` (lowercase, no parameters) matches the contract's ranges."""
        return not self.media_types or any(fnmatchcase(media_type, r) for r in self.media_types)


def _statuses(statuses: Sequence[int]) -> str:
    return " or ".join(map(str, statuses))


def _strip_query(uri: str) -> str:
    """``scheme://host/path`` of ``uri``, scheme and host lower-cased."""
    parts = urlsplit(uri)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path}"


@dataclass(frozen=True)
class ContractMap:
    """All contracts of one contracts.toml."""

    path: Path
    contracts: tuple[Contract, ...]
    fingerprint: str = ""
    _memo: dict[tuple[str, str, int], Contract | ContractMapError | tuple[Contract, ...]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def load(cls, path: str | PathLike[str]) -> ContractMap:
        """Read and check contracts.toml; ContractMapError names the file, entry and key."""
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ContractMapError(f"cannot read contracts: {exc.strerror}", file=path) from None
        try:
            document = tomllib.loads(data.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise ContractMapError(f"not UTF-8 text (byte {exc.start})", file=path) from None
        except tomllib.TOMLDecodeError as exc:
            found = _TOML_POSITION.search(str(exc))
            raise ContractMapError(
                f"not valid TOML: {exc}", file=path, line=int(found[1]) if found else None
            ) from None
        except RecursionError:
            raise ContractMapError("not valid TOML: nested too deeply", file=path) from None
        from .toml_schema import problems  # jsonschema: only when a contracts.toml is read

        top, by_entry = problems(document)
        if top is not None:
            raise ContractMapError(top[0], file=path, json_path=top[1])
        entries = document.get("contract", [])
        contracts: list[Contract] = []
        seen: set[str] = set()
        for number, entry in enumerate(entries, start=1):
            if number - 1 in by_entry:
                message, json_path = by_entry[number - 1]
                label = entry.get("name") if isinstance(entry, Mapping) else None
                name = f" ({label})" if isinstance(label, str) and label else ""
                raise ContractMapError(
                    f"[[contract]] #{number}{name}: {message}", file=path, json_path=json_path
                )
            contract = _parse_entry(entry, number, path)
            if contract.name in seen:
                raise ContractMapError(
                    f"[[contract]] #{number}: name {contract.name!r} is used twice; names "
                    "must be unique",
                    file=path,
                )
            seen.add(contract.name)
            contracts.append(contract)
        return cls(
            path=path,
            contracts=tuple(contracts),
            fingerprint=hashlib.sha256(data).hexdigest(),
        )

    def match(self, interaction: Interaction) -> Contract:
        """The one contract for ``interaction``; NoContractError / ContractMapError otherwise.

        Contracts for the same request and status that differ in ``body`` (a streamed and a
        plain JSON answer of one endpoint) are told apart by the recorded body's kind.
        """
        found = self._lookup(
            interaction.method, interaction.uri, interaction.status, lambda: interaction.body_kind
        )
        if isinstance(found, Contract):
            return found
        raise type(found)(
            found.message,
            file=interaction.cassette,
            line=interaction.line,
            interaction=interaction.index,
        )

    def find(self, method: str, url: str, status: int) -> Contract | None:
        """The one contract for a request and status whose JSON body a client read, or None
        when none or several match."""
        found = self._lookup(method.upper(), url, status, lambda: BodyKind("json"))
        return found if isinstance(found, Contract) else None

    def _lookup(
        self, method: str, url: str, status: int, body_kind: Callable[[], BodyKind]
    ) -> Contract | ContractMapError:
        """The contract, or the error to raise; ``body_kind`` is asked only when contracts for
        the request and status differ in body (it may raise CassetteError for a body that
        cannot be decoded)."""
        try:
            key = (method, _strip_query(url), status)
        except ValueError as exc:  # e.g. an unclosed "[" of an IPv6 host
            return ContractMapError(f"request URL {url!r} is not a valid URL: {exc}")
        found = self._memo.get(key)
        if found is None:
            found = self._match(*key)
            self._memo[key] = found
        if not isinstance(found, tuple):
            return found
        kind = body_kind().kind
        for contract in found:
            if contract.body == kind:
                return contract
        bodies = "; ".join(f"{c.describe()}: body {c.body!r}" for c in found)
        return NoContractError(
            f"no contract in {display_path(self.path)} for {method} {key[1]} -> {status} with "
            f"{'an' if kind[0] in 'aeiou' else 'a'} {kind} body; the contracts for it expect "
            f"other bodies ({bodies}). Add a [[contract]] with body = {kind!r} (or fix the "
            "recording)"
        )

    def _match(
        self, method: str, url: str, status: int
    ) -> Contract | ContractMapError | tuple[Contract, ...]:
        url_matches = [c for c in self.contracts if c.pattern.fullmatch(url)]
        hits = [c for c in url_matches if c.method == method and status in c.statuses]
        if len(hits) == 1:
            return hits[0]
        if len({c.body for c in hits}) == len(hits) > 1:
            return tuple(hits)  # told apart by the body's kind
        toml = display_path(self.path)
        if hits:
            names = "; ".join(c.describe() for c in hits)
            return ContractMapError(
                f"{method} {url} -> {status} matches {len(hits)} contracts in {toml}: {names}. "
                "Make their URL templates, statuses or bodies disjoint"
            )
        near = [f"{c.describe()}: {_difference(c, method, status)}" for c in url_matches] or [
            c.describe() for c in self._closest(method, url)
        ]
        hint = f"; closest: {'; '.join(near)}" if near else ""
        return NoContractError(
            f"no contract in {toml} for {method} {url} -> {status}{hint}. "
            "Add a [[contract]] for it (or fix the recording)"
        )

    def _closest(self, method: str, url: str) -> list[Contract]:
        """Contracts for the same host, most leading path segments in common first."""
        parts = urlsplit(url)
        segments = parts.path.split("/")

        def shared(contract: Contract) -> int:
            template = urlsplit(contract.url)
            if template.netloc.lower() != parts.netloc:
                return -1
            count = 0
            for mine, theirs in zip(segments, template.path.split("/"), strict=False):
                if mine != theirs and not _PARAM.fullmatch(theirs):
                    break
                count += 1
            return count * 2 + (contract.method == method)

        scored = sorted(((shared(c), c.name, c) for c in self.contracts), key=lambda t: -t[0])
        return [c for score, _, c in scored[:_CLOSEST] if score > 0]


def _difference(contract: Contract, method: str, status: int) -> str:
    if contract.method != method:
        return f"the method differs ({method})"
    return f"the status differs ({status})"


def _parse_entry(entry: Any, number: int, path: Path) -> Contract:
    def bad(message: str) -> ContractMapError:
        label = entry.get("name") if isinstance(entry, Mapping) else None
        name = f" ({label})" if isinstance(label, str) and label else ""
        return ContractMapError(f"[[contract]] #{number}{name}: {message}", file=path)

    body = entry.get("body", "json")
    if body in JSON_BODIES and "schema" not in entry:
        raise bad("missing key(s) schema")
    if body not in JSON_BODIES and "schema" in entry:
        raise bad(
            f"'schema' is for bodies that carry JSON ({', '.join(JSON_BODIES)}), not for "
            f"body = {body!r}; leave it out or change 'body'"
        )
    name, request, schema = entry["name"], entry["request"], entry.get("schema")
    method, _, url = request.strip().partition(" ")
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise bad(f"request {request!r}: the URL is not valid: {exc}") from None
    if not _METHOD.fullmatch(method) or parts.scheme not in ("http", "https") or not parts.netloc:
        raise bad(
            f"request {request!r} must be 'METHOD URL', e.g. "
            "'GET https://api.example.com/users/{username}'"
        )
    if parts.query or parts.fragment:
        raise bad(
            f"request {request!r}: the URL template takes no query string; list query "
            "parameters in 'query' / 'required_query'"
        )
    if any(c in _PARAM.sub("", url) for c in "{}"):
        raise bad(
            f"request {request!r}: a '{{' or '}}' that is not part of a {{name}} placeholder "
            "(names are letters, digits and _)"
        )
    status = entry["status"]
    statuses = tuple(status) if isinstance(status, list) else (status,)
    auth = entry.get("auth")
    request_schema = entry.get("request_schema")
    query = entry.get("query")
    required_query = entry.get("required_query", [])
    return Contract(
        name=name,
        method=method,
        url=url,
        statuses=statuses,
        schema=schema,
        query=tuple(query) if query is not None else None,
        required_query=tuple(required_query),
        request_schema=request_schema,
        auth=auth,
        body=body,
        media_types=_media_types(entry, body, bad),
        headers=_header_pins(entry.get("headers", {}), bad),
        pattern=_compile(url),
    )


def _media_types(entry: Mapping[str, Any], body: str, bad: _Bad) -> tuple[str, ...]:
    """The ``media_type`` key as lowercase media ranges (``type/subtype``, ``*`` wildcards)."""
    value = entry.get("media_type")
    if value is None:
        return ()
    if body == "empty":
        raise bad("'media_type' does not apply to an 'empty' body: it has no content")
    ranges = [value] if isinstance(value, str) else value  # the types: see toml_schema
    for each in ranges:
        if not _MEDIA_RANGE.fullmatch(each.strip().lower()):
            raise bad(
                f"'media_type' {each!r} is not a media type such as 'text/plain' or 'image/*'"
            )
    return tuple(each.strip().lower() for each in ranges)


def _header_pins(value: Any, bad: _Bad) -> tuple[HeaderPin, ...]:
    """The ``headers`` table: header name -> type name or list of type names."""
    pins = []
    for name, kinds in value.items():  # the types: see toml_schema
        if not _HEADER_NAME.fullmatch(name):
            raise bad(f"'headers': {name!r} is not a header name")
        types = [kinds] if isinstance(kinds, str) else kinds
        pins.append(HeaderPin(name, tuple(types)))
    lowered = [pin.name.lower() for pin in pins]
    twice = sorted({n for n in lowered if lowered.count(n) > 1})
    if twice:
        raise bad(f"'headers': {', '.join(twice)} pinned twice (header names ignore case)")
    return tuple(pins)


def _compile(url: str) -> re.Pattern[str]:
    """A regex for ``url`` where each ``{name}`` stands for one path segment."""
    template = _strip_query(url)
    pieces: list[str] = []
    last = 0
    for found in _PARAM.finditer(template):
        pieces.append(re.escape(template[last : found.start()]))
        pieces.append("[^/]+")
        last = found.end()
    pieces.append(re.escape(template[last:]))
    return re.compile("".join(pieces))
