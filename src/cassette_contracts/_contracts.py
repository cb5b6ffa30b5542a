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

An interaction matches a contract when method, URL (without its query string) and status all
match; exactly one contract must match.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ._cassette import Interaction
from .errors import ContractMapError, NoContractError, display_path

__all__ = ["AUTH_RULES", "Contract", "ContractMap"]

AUTH_RULES = ("required", "optional", "absent")
_REQUIRED_KEYS = ("name", "request", "status", "schema")
_OPTIONAL_KEYS = ("query", "required_query", "request_schema", "auth")
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_METHOD = re.compile(r"[A-Z]+")
_TOML_POSITION = re.compile(r"at line (\d+), column (\d+)")
_CLOSEST = 3


@dataclass(frozen=True)
class Contract:
    """One ``[[contract]]`` entry. ``query`` None means the query string is not checked."""

    name: str
    method: str
    url: str
    statuses: tuple[int, ...]
    schema: str
    query: tuple[str, ...] | None = None
    required_query: tuple[str, ...] = ()
    request_schema: str | None = None
    auth: str | None = None
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
        return (self.schema,) if self.request_schema is None else (self.schema, self.request_schema)


def _statuses(statuses: Sequence[int]) -> str:
    return " or ".join(map(str, statuses))


def _strip_query(uri: str) -> str:
    """``scheme://host/path`` of ``uri``, scheme and host lower-cased."""
    parts = urlsplit(uri)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path}"


@dataclass(frozen=True)
class ContractMap:
    """All contracts of one contracts.toml; ``schemas_root`` is the folder that holds it."""

    path: Path
    contracts: tuple[Contract, ...]
    fingerprint: str = ""
    _memo: dict[tuple[str, str, int], Contract | ContractMapError] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def schemas_root(self) -> Path:
        return self.path.parent

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
        unknown = sorted(set(document) - {"contract"})
        if unknown:
            raise ContractMapError(
                f"unknown top-level key(s) {', '.join(unknown)}: only [[contract]] tables "
                "are allowed",
                file=path,
            )
        entries = document.get("contract", [])
        if not isinstance(entries, list):
            raise ContractMapError("'contract' must be an array of tables: [[contract]]", file=path)
        contracts: list[Contract] = []
        seen: set[str] = set()
        for number, entry in enumerate(entries, start=1):
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
        """The one contract for ``interaction``; NoContractError / ContractMapError otherwise."""
        found = self._lookup(interaction.method, interaction.uri, interaction.status)
        if isinstance(found, Contract):
            return found
        raise type(found)(
            found.message,
            file=interaction.cassette,
            line=interaction.line,
            interaction=interaction.index,
        )

    def find(self, method: str, url: str, status: int) -> Contract | None:
        """The one contract for a request and status, or None when none or several match."""
        found = self._lookup(method.upper(), url, status)
        return found if isinstance(found, Contract) else None

    def _lookup(self, method: str, url: str, status: int) -> Contract | ContractMapError:
        key = (method, _strip_query(url), status)
        found = self._memo.get(key)
        if found is None:
            found = self._match(*key)
            self._memo[key] = found
        return found

    def _match(self, method: str, url: str, status: int) -> Contract | ContractMapError:
        url_matches = [c for c in self.contracts if c.pattern.fullmatch(url)]
        hits = [c for c in url_matches if c.method == method and status in c.statuses]
        if len(hits) == 1:
            return hits[0]
        toml = display_path(self.path)
        if hits:
            names = "; ".join(c.describe() for c in hits)
            return ContractMapError(
                f"{method} {url} -> {status} matches {len(hits)} contracts in {toml}: {names}. "
                "Make their URL templates or statuses disjoint"
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
        name = f" ({label})" if isinstance(label, str) else ""
        return ContractMapError(f"[[contract]] #{number}{name}: {message}", file=path)

    if not isinstance(entry, Mapping):
        raise bad("is not a table")
    unknown = sorted(set(entry) - set(_REQUIRED_KEYS) - set(_OPTIONAL_KEYS))
    if unknown:
        allowed = ", ".join((*_REQUIRED_KEYS, *_OPTIONAL_KEYS))
        raise bad(f"unknown key(s) {', '.join(unknown)}; allowed: {allowed}")
    missing = [key for key in _REQUIRED_KEYS if key not in entry]
    if missing:
        raise bad(f"missing key(s) {', '.join(missing)}")
    name, request, schema = entry["name"], entry["request"], entry["schema"]
    for key, value in (("name", name), ("request", request), ("schema", schema)):
        if not isinstance(value, str) or not value.strip():
            raise bad(f"{key!r} must be a non-empty string")
    method, _, url = request.strip().partition(" ")
    url = url.strip()
    parts = urlsplit(url)
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
    status = entry["status"]
    statuses = tuple(status) if isinstance(status, list) else (status,)
    if not statuses or not all(
        isinstance(s, int) and not isinstance(s, bool) and 100 <= s <= 599 for s in statuses
    ):
        raise bad(f"'status' must be an HTTP status or a list of them, got {status!r}")
    auth = entry.get("auth")
    if auth is not None and auth not in AUTH_RULES:
        raise bad(f"'auth' must be one of {', '.join(map(repr, AUTH_RULES))}, got {auth!r}")
    request_schema = entry.get("request_schema")
    if request_schema is not None and (not isinstance(request_schema, str) or not request_schema):
        raise bad("'request_schema' must be a non-empty string")
    query = entry.get("query")
    required_query = entry.get("required_query", [])
    for key, value in (("query", query), ("required_query", required_query)):
        if value is not None and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            raise bad(f"{key!r} must be a list of parameter names")
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
        pattern=_compile(url),
    )


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
