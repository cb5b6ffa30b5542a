"""Secret scrubbing (before anything is written to disk) and ``scan`` of committed cassettes.

Two halves:

* **Scrubbing** runs as vcrpy ``before_record_request`` / ``before_record_response`` hooks, so a
  secret never reaches the cassette file. It replaces values with :data:`PLACEHOLDER` and keeps
  the *shape* of the recording: a sensitive header stays present (``Authorization: token
  <REDACTED>``: the contract checks that an auth header was sent, never its value), a JSON body
  stays valid JSON with the same keys and types, a query parameter keeps its name.

  What is scrubbed: sensitive headers (:data:`SENSITIVE_HEADERS` and any ``*-token``,
  ``*-api-key``, ``*-secret`` header), token-bearing query parameters
  (:data:`SENSITIVE_QUERY_PARAMETERS`), string values of JSON / form fields whose name looks
  like a credential (:func:`is_secret_name`) at any depth, the password of ``user:pass@`` URLs,
  and every literal occurrence of the secrets handed to :class:`Scrubber` (usually
  :meth:`Scrubber.from_environ`: ``GITHUB_TOKEN``, ``NTFY_TOKEN``, any ``*_TOKEN``,
  ``*_SECRET``, ``*_KEY``, ``*_PASSWORD``).

* **Scanning** (:func:`scan`) reads committed cassette YAML files and reports
  :class:`Finding` objects: GitHub token patterns, ``Bearer``/``token`` credentials that are not
  the placeholder, and long random-looking values under credential-like names. A finding names
  the file, line, interaction and place, and shows only a masked prefix of the value.

A path given to :func:`scan` that does not exist or cannot be read raises ``CassetteError``
(an ``InputError``: exit 2) naming it.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import math
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote_plus, urlsplit, urlunsplit

import yaml

from .errors import CassetteError

__all__ = [
    "MIN_RANDOM_LENGTH",
    "MIN_SECRET_LENGTH",
    "PLACEHOLDER",
    "SENSITIVE_HEADERS",
    "SENSITIVE_QUERY_PARAMETERS",
    "Finding",
    "Scrubber",
    "is_secret_name",
    "looks_random",
    "scan",
    "scrub_request",
    "scrub_response",
]

PLACEHOLDER = "<REDACTED>"

#: Header names (lower case) whose value is always a credential.
SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "api-key",
        "apikey",
        "x-auth-token",
        "x-access-token",
        "private-token",
        "x-github-otp",
        "x-hub-signature",
        "x-hub-signature-256",
        "x-amz-security-token",
    }
)

#: Query (and form) parameter names (lower case) that carry a credential.
SENSITIVE_QUERY_PARAMETERS = frozenset(
    {
        "access_token",
        "refresh_token",
        "id_token",
        "token",
        "auth",
        "auth_token",
        "api_key",
        "apikey",
        "api-key",
        "key",
        "client_secret",
        "secret",
        "password",
        "passwd",
        "sig",
        "signature",
        "x-amz-signature",
        "x-amz-security-token",
        "x-amz-credential",
    }
)

# Header names that look like credentials by their suffix: X-Foo-Token, X-Foo-Api-Key, ...
_SECRET_HEADER_RE = re.compile(r"(?:^|-)(?:token|api-?key|secret|password|auth-key)$", re.I)

# JSON / form member names, compared after lower-casing and dropping "-" and "_".
_SECRET_NAMES = frozenset(
    {
        "token",
        "secret",
        "password",
        "passwd",
        "passphrase",
        "apikey",
        "accesstoken",
        "refreshtoken",
        "idtoken",
        "authtoken",
        "clientsecret",
        "privatekey",
        "secretkey",
        "accesskey",
        "authorization",
        "cookie",
        "sessionid",
        "credentials",
    }
)
_SECRET_SUFFIXES = ("token", "secret", "password", "apikey", "privatekey", "secretkey")
# Names ending in a secret suffix that are not secrets in real payloads.
_NOT_SECRET_NAMES = frozenset({"tokentype", "tokenurl", "tokensurl"})

# Env var names whose value is a secret.
_SECRET_ENV_RE = re.compile(r"(?:^(?:GITHUB|NTFY)_TOKEN$|_(?:TOKEN|SECRET|KEY|PASSWORD)$)", re.I)
#: Secrets shorter than this are ignored: replacing "1" or "dev" everywhere would wreck the
#: recording and such values are not credentials.
MIN_SECRET_LENGTH = 8

_AUTH_SCHEME_RE = re.compile(
    r"^\s*(Bearer|token|Basic|Digest|Negotiate|Bot|ApiKey|AWS4-HMAC-SHA256)\s+\S", re.I
)
_PLACEHOLDER_VALUES = frozenset(
    {"", "<redacted>", "redacted", "[redacted]", "***", "****", "xxx", "<token>", "<secret>"}
)

_MediaJSON = re.compile(r"[/+]json\b", re.I)


def _normalise_name(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "")


def is_secret_name(name: str) -> bool:
    """Whether a JSON member / form field called ``name`` holds a credential."""
    norm = _normalise_name(name)
    if norm in _NOT_SECRET_NAMES:
        return False
    return norm in _SECRET_NAMES or norm.endswith(_SECRET_SUFFIXES)


def _is_secret_header(name: str) -> bool:
    lower = name.lower()
    return lower in SENSITIVE_HEADERS or bool(_SECRET_HEADER_RE.search(lower))


def _is_placeholder(value: str) -> bool:
    stripped = value.strip()
    if stripped.lower() in _PLACEHOLDER_VALUES or PLACEHOLDER in stripped:
        return True
    return len(set(stripped)) == 1  # "xxxxxxxx", "00000000"


# --------------------------------------------------------------------------------------------
# Scrubbing
# --------------------------------------------------------------------------------------------


def _redact_header_value(value: str) -> str:
    """Keep the auth scheme (``token``, ``Bearer``) so the recording still says how it authed."""
    match = _AUTH_SCHEME_RE.match(value)
    if match:
        return f"{match.group(1)} {PLACEHOLDER}"
    return PLACEHOLDER


class Scrubber:
    """Replace credentials in vcrpy requests and responses with :data:`PLACEHOLDER`.

    ``secrets`` are literal values (tokens from the environment) replaced wherever they appear:
    headers, URL (also percent-encoded), bodies. Values shorter than :data:`MIN_SECRET_LENGTH`
    are ignored. Use :attr:`request` and :attr:`response` as vcrpy hooks::

        scrubber = Scrubber.from_environ(os.environ)
        vcr.VCR(before_record_request=scrubber.request,
                before_record_response=scrubber.response)
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        unique = {s for s in secrets if isinstance(s, str) and len(s) >= MIN_SECRET_LENGTH}
        # Longest first, so a secret that contains another one is replaced whole.
        self.secrets: tuple[str, ...] = tuple(sorted(unique, key=lambda s: (-len(s), s)))

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Scrubber:
        """A scrubber for the values of ``GITHUB_TOKEN``, ``NTFY_TOKEN`` and ``*_TOKEN``,
        ``*_SECRET``, ``*_KEY``, ``*_PASSWORD`` variables of ``environ``."""
        return cls(value for name, value in environ.items() if _SECRET_ENV_RE.search(name))

    # -- literal secrets ------------------------------------------------------------------

    def _replace_literals(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, PLACEHOLDER)
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
        if _is_secret_header(name):
            return _redact_header_value(value)
        return self._replace_literals(value)

    def scrub_uri(self, uri: str) -> str:
        """``uri`` with credential query parameters, URL passwords and known secrets redacted."""
        parts = urlsplit(uri)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, _, hostport = netloc.rpartition("@")
            if ":" in userinfo:
                user = userinfo.split(":", 1)[0]
                netloc = f"{user}:{quote(PLACEHOLDER, safe='')}@{hostport}"
        query = _scrub_urlencoded(parts.query, encode_placeholder=True)
        scrubbed = urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
        return self._replace_literals(scrubbed)

    def scrub_body(self, body: bytes, content_type: str = "") -> bytes:
        """``body`` with credential fields redacted; JSON stays valid JSON.

        A body that does not change is returned as the very same bytes (formatting kept).
        """
        text: str | None
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is None:
            return self._replace_literals_bytes(body)
        stripped = text.lstrip()
        looks_json = bool(_MediaJSON.search(content_type)) or stripped[:1] in ("{", "[")
        if looks_json:
            try:
                data = json.loads(text)
            except ValueError:
                pass
            else:
                scrubbed = self._scrub_json(data)
                if scrubbed == data:
                    return body
                return json.dumps(scrubbed, ensure_ascii=False, separators=(",", ":")).encode(
                    "utf-8"
                )
        if "x-www-form-urlencoded" in content_type.lower():
            new_text = self._replace_literals(_scrub_urlencoded(text, encode_placeholder=True))
        else:
            new_text = self._replace_literals(text)
        return body if new_text == text else new_text.encode("utf-8")

    def _scrub_json(self, data: Any, secret_key: bool = False) -> Any:
        if isinstance(data, dict):
            return {
                self._replace_literals(k): self._scrub_json(v, secret_key or is_secret_name(k))
                for k, v in data.items()
            }
        if isinstance(data, list):
            return [self._scrub_json(item, secret_key) for item in data]
        if isinstance(data, str):
            if secret_key and not _is_placeholder(data):
                return PLACEHOLDER
            return self._replace_literals(data)
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


def _scrub_urlencoded(query: str, *, encode_placeholder: bool) -> str:
    """Redact credential parameters of ``a=1&token=x``, keeping every other byte as it was."""
    if not query:
        return query
    placeholder = quote(PLACEHOLDER, safe="") if encode_placeholder else PLACEHOLDER
    pieces = []
    for piece in query.split("&"):
        name, sep, value = piece.partition("=")
        if (
            sep
            and value
            and unquote_plus(name).lower() in SENSITIVE_QUERY_PARAMETERS
            and not _is_placeholder(unquote_plus(value))
        ):
            piece = f"{name}={placeholder}"
        pieces.append(piece)
    return "&".join(pieces)


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

_GITHUB_TOKEN_RE = re.compile(
    r"(?<![A-Za-z0-9_])(gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_\w{22,255})"
)
_BEARER_RE = re.compile(r"\b(Bearer|token)\s+([A-Za-z0-9._~+/=-]+)")
#: Minimum length of a random-looking value under a credential-like name.
MIN_RANDOM_LENGTH = 20
_ENTROPY_BITS_PER_CHAR = 3.0


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


def _mask(value: str) -> str:
    """A short, non-secret prefix: the GitHub token type, or 4 characters, plus the length."""
    match = re.match(r"(gh[pousr]_|github_pat_)", value)
    prefix = match.group(1) if match else value[:4]
    if len(prefix) * 2 >= len(value):
        prefix = value[: len(value) // 4]
    return f"{prefix}*** ({len(value)} chars)"


def _entropy(value: str) -> float:
    counts = Counter(value)
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def looks_random(value: str) -> bool:
    """Long (>= 20 chars), no spaces, not a URL / email / date, letters and digits mixed,
    and high Shannon entropy: the shape of a token, not of a word or an identifier."""
    if len(value) < MIN_RANDOM_LENGTH or _is_placeholder(value):
        return False
    if any(c.isspace() for c in value) or "://" in value or value.startswith("/"):
        return False
    if "@" in value or re.fullmatch(r"[\d:TZ.+-]+", value):
        return False
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    if not (has_digit and has_alpha):
        return False
    return _entropy(value) >= _ENTROPY_BITS_PER_CHAR


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
    def __init__(self, path: Path, text: str, secrets: tuple[str, ...]) -> None:
        self.path = path
        self.src = _Text(text)
        self.secrets = secrets
        self.findings: list[Finding] = []

    def add(
        self, node: yaml.Node, value: str, where: str, kind: str, interaction: int | None
    ) -> None:
        line = self.src.locate(node, value)
        self.findings.append(Finding(self.path, line, where, kind, _mask(value), interaction))

    # Free-text checks that apply to any string anywhere.
    def check_text(
        self, node: yaml.Node, text: str, where: str, ix: int | None, *, bearer: bool = True
    ) -> None:
        for match in _GITHUB_TOKEN_RE.finditer(text):
            self.add(node, match.group(1), where, "github-token", ix)
        for match in _BEARER_RE.finditer(text if bearer else ""):
            value = match.group(2)
            if (
                match.group(1) == "Bearer"
                and len(value) >= 16
                and not _is_placeholder(value)
                and not _GITHUB_TOKEN_RE.search(value)
            ):
                self.add(node, value, where, "bearer-credential", ix)
        for secret in self.secrets:
            if secret in text:
                self.add(node, secret, where, "known-secret", ix)

    def check_named(
        self, node: yaml.Node, name: str, value: str, where: str, ix: int | None
    ) -> None:
        """A value stored under a credential-like name (header, field, parameter)."""
        if _GITHUB_TOKEN_RE.search(value) or _is_placeholder(value):
            return  # reported by check_text / nothing to report
        auth = _AUTH_SCHEME_RE.match(value)
        if auth:
            credential = value[auth.end() - 1 :].strip()
            if not _is_placeholder(credential):
                self.add(node, credential, where, "auth-credential", ix)
            return
        candidates = [value]
        if name.lower() in ("cookie", "set-cookie"):
            candidates = [p.partition("=")[2].strip() for p in value.split(";")]
        for candidate in candidates:
            if looks_random(candidate):
                self.add(node, candidate, where, "high-entropy-secret", ix)
                return

    # Structure walk --------------------------------------------------------------------

    def walk_document(self, root: yaml.Node) -> None:
        if not isinstance(root, yaml.MappingNode):
            self.walk_generic(root, "document", None)
            return
        for key, value in root.value:
            if key.value == "interactions" and isinstance(value, yaml.SequenceNode):
                for ix, item in enumerate(value.value):
                    self.walk_interaction(item, ix)
            else:
                self.walk_generic(value, str(key.value), None)

    def walk_interaction(self, node: yaml.Node, ix: int) -> None:
        if not isinstance(node, yaml.MappingNode):
            self.walk_generic(node, f"interaction {ix}", ix)
            return
        for key, value in node.value:
            side = str(key.value)
            if side in ("request", "response") and isinstance(value, yaml.MappingNode):
                self.walk_message(value, side, ix)
            else:
                self.walk_generic(value, f"interaction {ix} {side}", ix)

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
                    where = f"{prefix} header {name}"
                    secret_header = _is_secret_header(name)
                    for snode, text in _scalars(hvalue):
                        self.check_text(snode, text, where, ix, bearer=not secret_header)
                        if secret_header:
                            self.check_named(snode, name, text, where, ix)
            elif part == "uri" and isinstance(value, yaml.ScalarNode):
                self.walk_uri(value, str(value.value), prefix, ix)
            elif part == "body":
                body_node = value
                if isinstance(value, yaml.MappingNode):
                    for bkey, bvalue in value.value:
                        if bkey.value == "string":
                            body_node = bvalue
                if isinstance(body_node, yaml.ScalarNode):
                    text = _scalar_text(body_node)
                    if text:
                        self.walk_body(body_node, text, content_type, f"{prefix} body", ix)
            else:
                self.walk_generic(value, f"{prefix} {part}", ix)

    def walk_uri(self, node: yaml.ScalarNode, uri: str, prefix: str, ix: int) -> None:
        self.check_text(node, uri, f"{prefix} uri", ix)
        parts = urlsplit(uri)
        if parts.password and not _is_placeholder(unquote_plus(parts.password)):
            self.add(node, parts.password, f"{prefix} uri password", "url-password", ix)
        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            if name.lower() in SENSITIVE_QUERY_PARAMETERS or is_secret_name(name):
                where = f"{prefix} query parameter {name}"
                if not _GITHUB_TOKEN_RE.search(value) and looks_random(value):
                    self.add(node, value, where, "high-entropy-secret", ix)

    def walk_body(
        self, node: yaml.ScalarNode, text: str, content_type: str, where: str, ix: int
    ) -> None:
        stripped = text.lstrip()
        if stripped[:1] in ("{", "[") or _MediaJSON.search(content_type):
            try:
                data = json.loads(text)
            except ValueError:
                pass
            else:
                for path, name, value in _json_strings(data, "$", None):
                    secret_field = name is not None and is_secret_name(name)
                    self.check_text(node, value, f"{where} {path}", ix, bearer=not secret_field)
                    if name is not None and secret_field:
                        self.check_named(node, name, value, f"{where} {path}", ix)
                return
        self.check_text(node, text, where, ix)
        if ("=" in text and "&" in text) or "x-www-form-urlencoded" in content_type:
            for name, value in parse_qsl(text, keep_blank_values=True):
                secret_field = name.lower() in SENSITIVE_QUERY_PARAMETERS or is_secret_name(name)
                if secret_field and looks_random(value):
                    self.add(node, value, f"{where} field {name}", "high-entropy-secret", ix)

    def walk_generic(self, node: yaml.Node, where: str, ix: int | None) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = str(key.value)
                sub = f"{where}.{name}"
                if isinstance(value, yaml.ScalarNode) and is_secret_name(name):
                    self.check_named(value, name, str(value.value), sub, ix)
                self.walk_generic(value, sub, ix)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.walk_generic(item, f"{where}[{i}]", ix)
        elif isinstance(node, yaml.ScalarNode):
            self.check_text(node, str(node.value), where, ix)


def _scalars(node: yaml.Node) -> Iterator[tuple[yaml.ScalarNode, str]]:
    if isinstance(node, yaml.ScalarNode):
        yield node, str(node.value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _scalars(item)


def _scalar_text(node: yaml.ScalarNode) -> str:
    """The text of a body scalar; ``!!binary`` content is base64-decoded (and gunzipped)."""
    if node.tag != "tag:yaml.org,2002:binary":
        return "" if node.tag == "tag:yaml.org,2002:null" else str(node.value)
    try:
        data = base64.b64decode("".join(str(node.value).split()))
    except (binascii.Error, ValueError):
        return ""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error):
            return ""
    return data.decode("utf-8", errors="replace")


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def _json_strings(data: Any, path: str, name: str | None) -> Iterator[tuple[str, str | None, str]]:
    """(concrete JSON path, member name, value) of every string in ``data``."""
    if isinstance(data, dict):
        for key, value in data.items():
            sub = f"{path}.{key}" if _IDENT.fullmatch(key) else f"{path}[{json.dumps(key)}]"
            yield from _json_strings(value, sub, key)
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from _json_strings(item, f"{path}[{i}]", name)
    elif isinstance(data, str):
        yield path, name, data


def _iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
        elif path.is_file():
            yield path
        else:
            raise CassetteError("no such file or directory (expected cassette YAML)", file=path)


def scan(paths: Iterable[str | Path], *, secrets: Iterable[str] = ()) -> list[Finding]:
    """Probable secrets in cassette YAML files (directories are searched for ``*.yaml``).

    A file that is not valid YAML is still searched line by line for token patterns, so a
    broken file cannot hide a leak. ``secrets`` are literal values to look for as well.
    """
    known = Scrubber(secrets).secrets
    findings: list[Finding] = []
    for path in _iter_files(paths):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise CassetteError(f"cannot read: {exc.strerror or exc}", file=path) from exc
        scanner = _Scanner(path, text, known)
        try:
            nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
        except yaml.YAMLError:
            nodes = []
        for root in nodes:
            if root is not None:
                scanner.walk_document(root)
        findings.extend(_dedupe(scanner.findings + _line_scan(path, text, known, scanner)))
    return sorted(findings)


def _line_scan(path: Path, text: str, known: tuple[str, ...], scanner: _Scanner) -> list[Finding]:
    """Token patterns on every raw line: comments, unparsable files, odd places."""
    reported = {f.line for f in scanner.findings}
    extra: list[Finding] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if lineno in reported:
            continue
        for match in _GITHUB_TOKEN_RE.finditer(line):
            extra.append(Finding(path, lineno, "text", "github-token", _mask(match.group(1))))
        for secret in known:
            if secret in line:
                extra.append(Finding(path, lineno, "text", "known-secret", _mask(secret)))
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
