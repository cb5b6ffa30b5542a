"""Secret scrubbing (before anything is written to disk) and ``scan`` of committed cassettes.

Both halves ask :mod:`._secrets` the same questions (by name and by value, detect-secrets'
plugins included), through the ``*_hits`` functions below, so what ``scan`` would report in a
recording the scrubber has already removed from it.

* **Scrubbing** runs as vcrpy ``before_record_request`` / ``before_record_response`` hooks, so a
  secret never reaches the cassette file. It replaces values with :data:`PLACEHOLDER` and keeps
  the *shape* of the recording: a sensitive header stays present (``Authorization: token
  <REDACTED>``: the contract checks that an auth header was sent, never its value), a JSON body
  stays valid JSON with the same keys and types, a query parameter keeps its name.

  Where it looks: the URL (userinfo password, query parameters, path segments after
  ``/tokens/``-like segments), every header value (``Location`` and ``Link`` URLs included),
  JSON bodies (every string, member names deciding too, at any depth and in lists),
  form-encoded and plain-text bodies, in requests and responses; gzip / deflate responses are
  decoded first. What it replaces: see :mod:`._secrets`, plus every literal occurrence of the
  secrets handed to :class:`Scrubber` (usually :meth:`Scrubber.from_environ`: the values of
  environment variables named like secrets, :func:`is_secret_variable`).

* **Scanning** (:func:`scan`) reads committed cassette files (YAML, or vcrpy's JSON
  serializer) and reports :class:`Finding` objects naming the file, line, interaction and place
  (header name, ``uri query parameter token``, body JSON path); ``!!binary`` bodies are
  base64-decoded and gunzipped (by their magic bytes) first. A finding shows only a masked
  prefix of the value. A cassette holding YAML anchors or aliases (vcrpy never writes them;
  a "billion laughs" block would make the walk explode) is refused with a one-line
  ``CassetteError``.

An :class:`Allowlist` (``secrets_allow`` in ``[tool.cassette_contracts]``) removes values that
look random but are not secrets, in both halves. A path given to :func:`scan` that does not
exist or cannot be read raises ``CassetteError`` (an ``InputError``: exit 2) naming it.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import re
import zlib
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from . import _jsonpath
from ._cassette import iter_cassette_paths, loads_json
from ._secrets import (
    MIN_RANDOM_LENGTH,
    MIN_SECRET_LENGTH,
    PLACEHOLDER,
    SENSITIVE_QUERY_PARAMETERS,
    Allowlist,
    Hit,
    cookie_hits,
    find_secrets,
    is_secret_name,
    is_secret_variable,
    looks_random,
    named_secret,
    strip_auth_scheme,
)
from .errors import CassetteError

__all__ = [
    "MIN_RANDOM_LENGTH",
    "MIN_SECRET_LENGTH",
    "PLACEHOLDER",
    "SENSITIVE_QUERY_PARAMETERS",
    "Allowlist",
    "Finding",
    "ScanReport",
    "Scrubber",
    "is_secret_name",
    "is_secret_variable",
    "looks_random",
    "scan",
    "scan_report",
    "scrub_request",
    "scrub_response",
]

_MediaJSON = re.compile(r"[/+]json\b", re.I)
_NO_ALLOW = Allowlist()

# --------------------------------------------------------------------------------------------
# Where the secrets are: one answer for the scrubber (eager) and scan
# --------------------------------------------------------------------------------------------


def _allowed(hits: list[Hit], text: str, allow: Allowlist, json_path: str | None) -> list[Hit]:
    if not allow:
        return hits
    return [h for h in hits if not allow.allows(text[h.start : h.end], json_path)]


def header_hits(
    name: str,
    value: str,
    *,
    known: Iterable[str] = (),
    allow: Allowlist = _NO_ALLOW,
    eager: bool = False,
) -> list[Hit]:
    """Secrets in the value of header ``name``: the whole credential of a credential header
    (after its auth scheme), else what :func:`find_secrets` sees (URLs of ``Location``,
    ``Link``, tokens by shape)."""
    if not eager and name.lower() in ("cookie", "set-cookie"):
        return _allowed(cookie_hits(name, value), value, allow, None)
    kind = named_secret(name, value, header=True, eager=eager)
    if kind is not None:
        scheme, credential = strip_auth_scheme(value)
        if allow.allows(credential):
            return []
        shapes = find_secrets(credential, known=known, pairs=False)
        if shapes:
            kind = shapes[0].kind
        elif scheme:
            kind = "auth-credential"
        return [Hit(len(scheme), len(value), kind)]
    return _allowed(find_secrets(value, known=known, eager=eager), value, allow, None)


def uri_hits(
    uri: str, *, known: Iterable[str] = (), allow: Allowlist = _NO_ALLOW, eager: bool = False
) -> list[Hit]:
    """Secrets in a request URI: userinfo password, query parameters, path, token shapes."""
    return _allowed(find_secrets(uri, known=known, pairs=False, eager=eager), uri, allow, None)


def json_string_hits(
    value: str,
    path: str,
    name: str | None,
    *,
    known: Iterable[str] = (),
    allow: Allowlist = _NO_ALLOW,
    eager: bool = False,
) -> list[Hit]:
    """Secrets in the JSON string ``value`` at ``path``, stored under member ``name`` (the
    nearest credential-named ancestor, for values nested below one)."""
    if allow.allows(value, path):
        return []
    if name is not None:
        kind = named_secret(name, value, eager=eager)
        if kind is not None:
            return [Hit(0, len(value), kind)]
    return _allowed(find_secrets(value, known=known, eager=eager), value, allow, path)


def text_body_hits(
    text: str,
    content_type: str,
    *,
    known: Iterable[str] = (),
    allow: Allowlist = _NO_ALLOW,
    eager: bool = False,
) -> list[Hit]:
    """Secrets in a body that is not JSON: form fields, ``name=value`` pairs, token shapes."""
    urlencoded = "x-www-form-urlencoded" in content_type.lower() or bool(
        re.fullmatch(r"[\w.%+~-]+=[^&\s]*(?:&[\w.%+~-]+=[^&\s]*)+", text.strip())
    )
    hits = find_secrets(text, known=known, urlencoded=urlencoded, eager=eager)
    return _allowed(hits, text, allow, None)


def iter_json_strings(
    data: Any, path: str = _jsonpath.ROOT, name: str | None = None
) -> Iterator[tuple[str, str | None, str]]:
    """(JSON path, deciding member name, value) of every string in ``data``.

    Below a member whose name always holds a credential (``credentials``, ``tokens``) that
    name decides for every value inside it.
    """
    if isinstance(data, dict):
        for key, value in data.items():
            inherited = name if name is not None and is_secret_name(name) else str(key)
            yield from iter_json_strings(value, _jsonpath.member(path, str(key)), inherited)
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from iter_json_strings(item, _jsonpath.index(path, i), name)
    elif isinstance(data, str):
        yield path, name, data


def _apply(text: str, hits: list[Hit], placeholder: str = PLACEHOLDER) -> str:
    for hit in sorted(hits, key=lambda h: h.start, reverse=True):
        text = text[: hit.start] + placeholder + text[hit.end :]
    return text


# --------------------------------------------------------------------------------------------
# Scrubbing
# --------------------------------------------------------------------------------------------


class Scrubber:
    """Replace credentials in vcrpy requests and responses with :data:`PLACEHOLDER`.

    ``secrets`` are literal values (tokens from the environment) replaced wherever they appear:
    headers, URL (also percent-encoded), bodies. Values shorter than :data:`MIN_SECRET_LENGTH`
    are ignored. ``allow`` keeps values that look random but are not secrets
    (``secrets_allow``). Use :attr:`request` and :attr:`response` as vcrpy hooks::

        scrubber = Scrubber.from_environ(os.environ, allow=settings.secrets_allow)
        vcr.VCR(before_record_request=scrubber.request,
                before_record_response=scrubber.response)
    """

    def __init__(
        self,
        secrets: Iterable[str] = (),
        allow: Allowlist | Mapping[str, str] | Iterable[str] | None = None,
    ) -> None:
        unique = {s for s in secrets if isinstance(s, str) and len(s) >= MIN_SECRET_LENGTH}
        # Longest first, so a secret that contains another one is replaced whole.
        self.secrets: tuple[str, ...] = tuple(sorted(unique, key=lambda s: (-len(s), s)))
        self.allow = allow if isinstance(allow, Allowlist) else Allowlist(allow or ())

    @classmethod
    def from_environ(
        cls,
        environ: Mapping[str, str],
        allow: Allowlist | Mapping[str, str] | Iterable[str] | None = None,
    ) -> Scrubber:
        """A scrubber for the values of the secret variables of ``environ``
        (:func:`is_secret_variable`: ``*_TOKEN``, ``*_KEY``, ``*_SECRET``, ``*_PASSWORD``,
        ``*_PASS``, ``*_AUTH*``, ``*_CREDENTIALS``, ...)."""
        return cls(
            (value for name, value in environ.items() if is_secret_variable(name)), allow=allow
        )

    # -- literal secrets, percent-encoded ---------------------------------------------------

    def _replace_encoded(self, text: str) -> str:
        for secret in self.secrets:
            encoded = quote(secret, safe="")
            if encoded != secret and encoded in text:
                text = text.replace(encoded, quote(PLACEHOLDER, safe=""))
        return text

    def _replace_literals_bytes(self, data: bytes) -> bytes:
        for secret in self.secrets:
            data = data.replace(secret.encode("utf-8"), PLACEHOLDER.encode("utf-8"))
        return data

    # -- pieces ---------------------------------------------------------------------------

    def scrub_header(self, name: str, value: str) -> str:
        """The value to record for header ``name``."""
        hits = header_hits(name, value, known=self.secrets, allow=self.allow, eager=True)
        return self._replace_encoded(_apply(value, hits))

    def scrub_uri(self, uri: str) -> str:
        """``uri`` with credential query parameters, URL passwords, token-shaped values and
        known secrets redacted (the placeholder percent-encoded)."""
        hits = uri_hits(uri, known=self.secrets, allow=self.allow, eager=True)
        return self._replace_encoded(_apply(uri, hits, quote(PLACEHOLDER, safe="")))

    def scrub_body(self, body: bytes, content_type: str = "") -> bytes:
        """``body`` with credential fields redacted; JSON stays valid JSON.

        A body that does not change is returned as the very same bytes (formatting kept).
        """
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return self._replace_literals_bytes(body)
        stripped = text.lstrip()
        if _MediaJSON.search(content_type) or stripped[:1] in ("{", "["):
            try:
                data = loads_json(text)
            except ValueError:
                pass
            else:
                scrubbed = self._scrub_json(data, _jsonpath.ROOT, None)
                if scrubbed == data:
                    return body
                return json.dumps(scrubbed, ensure_ascii=False, separators=(",", ":")).encode(
                    "utf-8"
                )
        hits = text_body_hits(text, content_type, known=self.secrets, allow=self.allow, eager=True)
        form = "x-www-form-urlencoded" in content_type.lower()
        new_text = _apply(text, hits, quote(PLACEHOLDER, safe="") if form else PLACEHOLDER)
        new_text = self._replace_encoded(new_text)
        return body if new_text == text else new_text.encode("utf-8")

    def _scrub_json(self, data: Any, path: str, name: str | None) -> Any:
        if isinstance(data, dict):
            out = {}
            for key, value in data.items():
                inherited = name if name is not None and is_secret_name(name) else str(key)
                new_key = _apply(key, find_secrets(key, known=self.secrets, pairs=False))
                out[new_key] = self._scrub_json(value, _jsonpath.member(path, key), inherited)
            return out
        if isinstance(data, list):
            return [
                self._scrub_json(item, _jsonpath.index(path, i), name)
                for i, item in enumerate(data)
            ]
        if isinstance(data, str):
            hits = json_string_hits(
                data, path, name, known=self.secrets, allow=self.allow, eager=True
            )
            return _apply(data, hits)
        return data  # numbers, booleans, null keep their type

    # -- vcrpy hooks ----------------------------------------------------------------------

    def request(self, request: Any) -> Any:
        """vcrpy ``before_record_request`` hook (vcrpy passes a deep copy; it is changed and
        returned)."""
        request.uri = self.scrub_uri(request.uri)
        headers = request.headers
        for name in list(headers.keys()):
            value = headers[name]
            if isinstance(value, str):
                headers[name] = self.scrub_header(name, value)
        content_type = str(headers.get("Content-Type", "") or "")
        raw = request.body
        if isinstance(raw, BytesIO):
            raw = raw.getvalue()
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        if isinstance(raw, bytes):
            scrubbed = self.scrub_body(raw, content_type)
            if scrubbed is not raw:
                request.body = scrubbed
        return request

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        """vcrpy ``before_record_response`` hook: ``{"status", "headers", "body"}`` dict.

        Compressed bodies (gzip, deflate) are decoded first, as vcrpy's
        ``decode_compressed_response`` does, so the scrubber can see (and the cassette shows)
        the text.
        """
        from vcr.filters import decode_response

        response = decode_response(response)
        headers: MutableMapping[str, Any] = response.get("headers") or {}
        content_type = ""
        for name in list(headers.keys()):
            values = headers[name]
            if isinstance(values, list):
                headers[name] = [
                    self.scrub_header(name, v) if isinstance(v, str) else v for v in values
                ]
            elif isinstance(values, str):
                headers[name] = self.scrub_header(name, values)
            if name.lower() == "content-type":
                first = headers[name][0] if isinstance(headers[name], list) else headers[name]
                content_type = str(first)
        body = response.get("body")
        if isinstance(body, dict):
            raw = body.get("string")
            if isinstance(raw, str):
                raw = raw.encode("utf-8")
            if isinstance(raw, bytes):
                scrubbed = self.scrub_body(raw, content_type)
                if scrubbed is not raw:
                    body["string"] = scrubbed
                    _fix_content_length(headers, len(scrubbed))
        return response


def _fix_content_length(headers: MutableMapping[str, Any], length: int) -> None:
    for name in list(headers.keys()):
        if name.lower() == "content-length":
            headers[name] = [str(length)] if isinstance(headers[name], list) else str(length)


_DEFAULT = Scrubber()


def scrub_request(request: Any) -> Any:
    """vcrpy ``before_record_request`` hook with the built-in rules (no literal secrets)."""
    return _DEFAULT.request(request)


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """vcrpy ``before_record_response`` hook with the built-in rules (no literal secrets)."""
    return _DEFAULT.response(response)


# --------------------------------------------------------------------------------------------
# Scanning
# --------------------------------------------------------------------------------------------

#: Kinds a raw line scan may report (value shapes that need no structure to be recognised).
_SHAPE_KINDS_EXCLUDED = frozenset({"named-secret", "high-entropy-secret", "url-path-secret"})


@dataclass(frozen=True, order=True)
class Finding:
    """A probable secret in a committed cassette. ``masked`` never holds the whole value."""

    file: Path
    line: int
    where: str
    kind: str
    masked: str
    interaction: int | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.kind} in {self.where}: {self.masked}"


@dataclass(frozen=True)
class ScanReport:
    """What :func:`scan_report` looked at and found."""

    files: int
    findings: list[Finding]

    def summary(self) -> str:
        """One line: ``scan: 14 cassettes, 0 secrets``."""
        noun = "cassette" if self.files == 1 else "cassettes"
        found = len(self.findings)
        return f"scan: {self.files} {noun}, {found} secret{'' if found == 1 else 's'}"


def _mask(value: str) -> str:
    """A short, non-secret prefix: the token type, or 4 characters, plus the length."""
    match = re.match(r"(gh[pousr]_|github_pat_|xox[a-z]-|AKIA|ASIA|sk-|eyJ|-----BEGIN)", value)
    prefix = match.group(1) if match else value[:4]
    if len(prefix) * 2 >= len(value):
        prefix = value[: len(value) // 4]
    return f"{prefix}*** ({len(value)} chars)"


class _Text:
    """The file's text, to turn an offset into a line and find a value inside a node."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts = [0]
        for i, ch in enumerate(text):
            if ch == "\n":
                self._starts.append(i + 1)

    def line_of(self, offset: int) -> int:
        lo, hi = 0, len(self._starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    def locate(self, node: yaml.Node, needle: str) -> int:
        """Line of ``needle`` inside ``node``'s source; the node's first line if not found
        verbatim (escaped, folded or base64 content)."""
        start, end = node.start_mark.index, node.end_mark.index
        probe = needle[:12]
        if probe:
            found = self.text.find(probe, start, max(end, start + len(probe)))
            if found >= 0:
                return self.line_of(found)
        return node.start_mark.line + 1


class _Scanner:
    def __init__(self, path: Path, text: str, secrets: tuple[str, ...], allow: Allowlist) -> None:
        self.path = path
        self.src = _Text(text)
        self.secrets = secrets
        self.allow = allow
        self.findings: list[Finding] = []
        #: Lines of !!binary scalars: their base64 text is read decoded, never line by line.
        self.binary_lines: set[int] = set()

    def report(
        self,
        node: yaml.Node,
        text: str,
        hits: list[Hit],
        where: str,
        ix: int | None,
        part_of: str | None = None,
    ) -> None:
        """Findings for ``hits`` in ``text``; a hit with its own place (a query parameter)
        is named ``{part_of} {place}`` rather than ``{where} {place}``."""
        for hit in hits:
            value = text[hit.start : hit.end]
            place = f"{part_of or where} {hit.place}" if hit.place else where
            line = self.src.locate(node, value)
            self.findings.append(Finding(self.path, line, place, hit.kind, _mask(value), ix))

    # Structure walk --------------------------------------------------------------------

    def walk_document(self, root: yaml.Node) -> None:
        if not isinstance(root, yaml.MappingNode):
            self.walk_generic(root, "document", None, None)
            return
        for key, value in root.value:
            if key.value == "interactions" and isinstance(value, yaml.SequenceNode):
                for ix, item in enumerate(value.value):
                    self.walk_interaction(item, ix)
            else:
                self.walk_generic(value, str(key.value), None, str(key.value))

    def walk_interaction(self, node: yaml.Node, ix: int) -> None:
        if not isinstance(node, yaml.MappingNode):
            self.walk_generic(node, f"interaction {ix}", ix, None)
            return
        for key, value in node.value:
            side = str(key.value)
            if side in ("request", "response") and isinstance(value, yaml.MappingNode):
                self.walk_message(value, side, ix)
            else:
                self.walk_generic(value, f"interaction {ix} {side}", ix, side)

    def walk_message(self, node: yaml.MappingNode, side: str, ix: int) -> None:
        content_type = ""
        for key, value in node.value:
            if key.value == "headers" and isinstance(value, yaml.MappingNode):
                for hkey, hvalue in value.value:
                    if str(hkey.value).lower() == "content-type":
                        scalars = list(_scalars(hvalue))
                        content_type = scalars[0][1] if scalars else ""
        prefix = f"interaction {ix} {side}"
        for key, value in node.value:
            part = str(key.value)
            if part == "headers" and isinstance(value, yaml.MappingNode):
                for hkey, hvalue in value.value:
                    name = str(hkey.value)
                    for snode, text in _scalars(hvalue):
                        hits = header_hits(name, text, known=self.secrets, allow=self.allow)
                        self.report(snode, text, hits, f"{prefix} header {name}", ix)
            elif part == "uri" and isinstance(value, yaml.ScalarNode):
                text = str(value.value)
                hits = uri_hits(text, known=self.secrets, allow=self.allow)
                self.report(value, text, hits, f"{prefix} uri", ix, part_of=prefix)
            elif part in ("body", "content"):
                body_node = value
                if isinstance(value, yaml.MappingNode):
                    for bkey, bvalue in value.value:
                        if bkey.value == "string":
                            body_node = bvalue
                if isinstance(body_node, yaml.ScalarNode):
                    if body_node.tag == "tag:yaml.org,2002:binary":
                        first, last = body_node.start_mark.line, body_node.end_mark.line
                        self.binary_lines.update(range(first + 1, last + 2))
                    text = _scalar_text(body_node)
                    if text:
                        self.walk_body(body_node, text, content_type, f"{prefix} body", ix)
                else:
                    self.walk_generic(value, f"{prefix} {part}", ix, part)
            else:
                self.walk_generic(value, f"{prefix} {part}", ix, part)

    def walk_body(
        self, node: yaml.ScalarNode, text: str, content_type: str, where: str, ix: int
    ) -> None:
        stripped = text.lstrip()
        if stripped[:1] in ("{", "[") or _MediaJSON.search(content_type):
            try:
                data = loads_json(text)
            except json.JSONDecodeError:
                pass
            except ValueError as exc:  # nested deeper than the loader reads, a huge number
                raise CassetteError(
                    f"{where.removeprefix(f'interaction {ix} ')} is not JSON ({exc})",
                    file=self.path,
                    line=node.start_mark.line + 1,
                    interaction=ix,
                ) from None
            else:
                for path, name, value in iter_json_strings(data):
                    hits = json_string_hits(value, path, name, known=self.secrets, allow=self.allow)
                    self.report(node, value, hits, f"{where} {path}", ix)
                return
        hits = text_body_hits(text, content_type, known=self.secrets, allow=self.allow)
        self.report(node, text, hits, where, ix)

    def walk_generic(self, node: yaml.Node, where: str, ix: int | None, name: str | None) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                key_name = str(key.value)
                inherited = name if name is not None and is_secret_name(name) else key_name
                self.walk_generic(value, f"{where}.{key_name}", ix, inherited)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.walk_generic(item, f"{where}[{i}]", ix, name)
        elif isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str":
            text = str(node.value)
            hits: list[Hit] = []
            if name is not None:
                kind = named_secret(name, text)
                if kind is not None and not self.allow.allows(text):
                    hits = [Hit(0, len(text), kind)]
            if not hits:
                found = find_secrets(text, known=self.secrets)
                hits = _allowed(found, text, self.allow, None)
            self.report(node, text, hits, where, ix)


def _scalars(node: yaml.Node) -> Iterator[tuple[yaml.ScalarNode, str]]:
    if isinstance(node, yaml.ScalarNode):
        yield node, str(node.value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _scalars(item)


def _scalar_text(node: yaml.ScalarNode) -> str:
    """The text of a body scalar; ``!!binary`` content is base64-decoded and, when its bytes
    say so, gunzipped / inflated."""
    if node.tag != "tag:yaml.org,2002:binary":
        return "" if node.tag == "tag:yaml.org,2002:null" else str(node.value)
    try:
        data = base64.b64decode("".join(str(node.value).split()))
    except (binascii.Error, ValueError):
        return ""
    try:
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        elif data[:1] == b"\x78":
            data = zlib.decompress(data)
    except (OSError, EOFError, zlib.error):
        return ""
    return data.decode("utf-8", errors="replace")


class _NoAliasLoader(yaml.SafeLoader):
    """A SafeLoader that refuses anchors and aliases before they can be expanded."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            what = "alias" if isinstance(event, yaml.AliasEvent) else "anchor"
            raise _AliasFound(what, str(event.anchor), event.start_mark.line + 1)
        return super().compose_node(parent, index)


class _AliasFound(Exception):
    def __init__(self, what: str, name: str, line: int) -> None:
        super().__init__(what, name, line)
        self.what, self.name, self.line = what, name, line


def scan(
    paths: Iterable[str | Path],
    *,
    secrets: Iterable[str] = (),
    allow: Allowlist | Mapping[str, str] | Iterable[str] | None = None,
) -> list[Finding]:
    """Probable secrets in cassette files (directories are searched for ``*.yaml``,
    ``*.yml`` and ``*.json``). See :func:`scan_report`."""
    return scan_report(paths, secrets=secrets, allow=allow).findings


def scan_report(
    paths: Iterable[str | Path],
    *,
    secrets: Iterable[str] = (),
    allow: Allowlist | Mapping[str, str] | Iterable[str] | None = None,
) -> ScanReport:
    """Probable secrets in cassette files, with the number of files read.

    A file that is not valid YAML is still searched line by line for token shapes, so a
    broken file cannot hide a leak. ``secrets`` are literal values to look for as well;
    ``allow`` the ``secrets_allow`` entries. A file with YAML anchors or aliases raises
    ``CassetteError`` naming it and the line.
    """
    known = Scrubber(secrets).secrets
    allowlist = allow if isinstance(allow, Allowlist) else Allowlist(allow or ())
    findings: list[Finding] = []
    files = 0
    for path in iter_cassette_paths(paths):
        files += 1
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise CassetteError(f"cannot read: {exc.strerror or exc}", file=path) from exc
        scanner = _Scanner(path, text, known, allowlist)
        try:
            nodes = list(yaml.compose_all(text, Loader=_NoAliasLoader))
        except _AliasFound as found:
            raise CassetteError(
                f"YAML {found.what} {found.name!r} is not allowed in a cassette "
                "(vcrpy never writes anchors or aliases)",
                file=path,
                line=found.line,
            ) from None
        except yaml.YAMLError:
            nodes = []
        for root in nodes:
            if root is not None:
                scanner.walk_document(root)
        extra = _line_scan(path, text, known, allowlist, scanner, every_line=not nodes)
        findings.extend(_dedupe(scanner.findings + extra))
    return ScanReport(files, sorted(findings))


def _line_scan(
    path: Path,
    text: str,
    known: tuple[str, ...],
    allow: Allowlist,
    scanner: _Scanner,
    *,
    every_line: bool,
) -> list[Finding]:
    """Token shapes on raw lines: every line of a file that did not parse, and the lines that
    may hold a comment (``#``) of one that did."""
    reported = {f.line for f in scanner.findings}
    extra: list[Finding] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if lineno in reported or lineno in scanner.binary_lines:
            continue
        if not every_line and "#" not in line:
            continue
        for hit in find_secrets(line, known=known, pairs=False):
            value = line[hit.start : hit.end]
            if hit.kind not in _SHAPE_KINDS_EXCLUDED and not allow.allows(value):
                extra.append(Finding(path, lineno, "text", hit.kind, _mask(value)))
    return extra


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[int, str, str]] = set()
    out = []
    for f in findings:
        key = (f.line, f.where, f.kind)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
