"""Secret scrubbing (before anything is written to disk) and ``scan`` of committed cassettes.

Both halves ask :mod:`.secrets` the same questions (by name and by value, detect-secrets'
plugins included), through the ``*_hits`` functions below, so what ``scan`` would report in a
recording the scrubber has already removed from it.

* **Scrubbing** runs as vcrpy ``before_record_request`` / ``before_record_response`` hooks, so a
  secret never reaches the cassette file. It replaces values with :data:`PLACEHOLDER` and keeps
  the *shape* of the recording: a sensitive header stays present (``Authorization: token
  <REDACTED>``: the contract checks that an auth header was sent, never its value), a JSON body
  stays valid JSON with the same keys and types, a query parameter keeps its name.

  Where it looks: the URL (userinfo password, query parameters, path segments after
  ``/tokens/``-like segments), every header value (``Location`` and ``Link`` URLs included)
  and header name (a token or known secret in it: two names that then read the same keep both
  values), JSON bodies (every string, member names deciding too, at any depth and in lists),
  form-encoded and plain-text bodies, in requests and responses; gzip / deflate responses are
  decoded first. What it replaces: see :mod:`.secrets`, plus every literal occurrence of the
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

import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from io import BytesIO
from typing import Any
from urllib.parse import quote

from .. import jsonpath
from ..cassettes.yaml_load import loads_json
from .secrets import (
    MIN_SECRET_LENGTH,
    PLACEHOLDER,
    Allowlist,
    Hit,
    cookie_hits,
    find_secrets,
    is_secret_name,
    is_secret_variable,
    named_secret,
    strip_auth_scheme,
)

__all__ = ["Scrubber", "scrub_request", "scrub_response"]

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
    seen: dict[str, list[Hit]] | None = None,
) -> list[Hit]:
    """Secrets in the JSON string ``value`` at ``path``, stored under member ``name`` (the
    nearest credential-named ancestor, for values nested below one).

    ``seen``: what :func:`find_secrets` answered (with the same ``known`` and ``eager``) for
    the strings of this body looked at before; a body repeats many of its strings (the owner's
    URLs in every item of a list). The answer depends on the text alone; the name and the
    allowlist, which depend on where the string is, are asked every time.
    """
    if allow.allows(value, path):
        return []
    if name is not None:
        kind = named_secret(name, value, eager=eager)
        if kind is not None:
            return [Hit(0, len(value), kind)]
    found = _found(value, seen, known=known, pairs=True, eager=eager)
    return _allowed(found, value, allow, path)


def _found(
    text: str,
    seen: dict[str, list[Hit]] | None,
    *,
    known: Iterable[str],
    pairs: bool,
    eager: bool,
    any_case: bool = False,
) -> list[Hit]:
    """:func:`find_secrets` of ``text``, remembered in ``seen`` (one body, one set of options)."""
    if seen is None:
        return find_secrets(text, known=known, pairs=pairs, eager=eager, any_case=any_case)
    hits = seen.get(text)
    if hits is None:
        found = find_secrets(text, known=known, pairs=pairs, eager=eager, any_case=any_case)
        hits = seen[text] = found
    return list(hits)  # a copy: the remembered answer is never handed out to be changed


# The keyword-only options (known, allow, eager) are header_hits' on purpose: every finder
# takes the same ones, each with its own first arguments.
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
    data: Any, path: str = jsonpath.ROOT, name: str | None = None
) -> Iterator[tuple[str, str | None, str]]:
    """(JSON path, deciding member name, value) of every string in ``data``.

    Below a member whose name always holds a credential (``credentials``, ``tokens``) that
    name decides for every value inside it.
    """
    if isinstance(data, dict):
        for key, value in data.items():
            inherited = name if name is not None and is_secret_name(name) else str(key)
            yield from iter_json_strings(value, jsonpath.member(path, str(key)), inherited)
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from iter_json_strings(item, jsonpath.index(path, i), name)
    elif isinstance(data, str):
        yield path, name, data


class RepeatedName(ValueError):
    """A JSON object names one member twice: ``json.loads`` keeps the last value only, and
    the others would go unseen. Such a body is read as text."""


def _members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) != len(pairs):
        raise RepeatedName("an object names a member twice")
    return members


def loads_json_body(text: str) -> Any:
    """A body as JSON, for the secret finders; ValueError when it is not JSON, also
    :class:`RepeatedName` (then every value it holds is seen only in its text)."""
    return loads_json(text, object_pairs_hook=_members)


def iter_json_keys(data: Any, path: str = jsonpath.ROOT) -> Iterator[tuple[str, str]]:
    """(JSON path of the object, member name) of every member name in ``data``."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield path, str(key)
            yield from iter_json_keys(value, jsonpath.member(path, str(key)))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from iter_json_keys(item, jsonpath.index(path, i))


def key_hits(
    key: str, *, known: Iterable[str] = (), seen: dict[str, list[Hit]] | None = None
) -> list[Hit]:
    """Secrets in a name (a JSON member name, a header name, any key of a cassette): token
    shapes, and known secrets in any letter case (header names are case-insensitive, and
    httpx records them in lower case), as the scrubber redacts them. A name is no
    ``name=value`` pair, and no allowlist applies."""
    return _found(key, seen, known=known, pairs=False, eager=False, any_case=True)


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

    @functools.cached_property
    def encoded_secrets(self) -> tuple[str, ...]:
        """The literal secrets as they read percent-encoded, where that differs."""
        encoded = (quote(secret, safe="") for secret in self.secrets)
        return tuple(e for e, secret in zip(encoded, self.secrets, strict=True) if e != secret)

    def _replace_encoded(self, text: str) -> str:
        for encoded in self.encoded_secrets:
            if encoded in text:
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

    def scrub_header_name(self, name: str) -> str:
        """The name to record for a header called ``name``: a token or a known secret in it
        replaced, as in a JSON member name."""
        return self._replace_encoded(_apply(name, key_hits(name, known=self.secrets)))

    def _scrub_header_names(
        self, headers: MutableMapping[str, Any], join: Callable[[Any, Any], Any]
    ) -> None:
        """Rename the headers whose name holds a secret; two that then read the same keep
        both values (``join``)."""
        for name in list(headers.keys()):
            if not isinstance(name, (str, bytes)):
                continue
            text = _text(name)  # http.client also sends bytes names
            new = self.scrub_header_name(text)
            if new != text:
                value = headers.pop(name)
                headers[new] = join(headers[new], value) if new in headers else value

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
                data = loads_json_body(text)
            except ValueError:  # not JSON, or a member named twice: read as text below
                pass
            else:
                # Answers for strings seen before in this body: for keys, for values.
                scrubbed = self._scrub_json(data, jsonpath.ROOT, None, ({}, {}))
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

    def _scrub_json(
        self,
        data: Any,
        path: str,
        name: str | None,
        seen: tuple[dict[str, list[Hit]], dict[str, list[Hit]]],
    ) -> Any:
        if isinstance(data, dict):
            out = {}
            for key, value in data.items():
                inherited = name if name is not None and is_secret_name(name) else str(key)
                new_key = _apply(key, key_hits(key, known=self.secrets, seen=seen[0]))
                out[new_key] = self._scrub_json(value, jsonpath.member(path, key), inherited, seen)
            return out
        if isinstance(data, list):
            return [
                self._scrub_json(item, jsonpath.index(path, i), name, seen)
                for i, item in enumerate(data)
            ]
        if isinstance(data, str):
            hits = json_string_hits(
                data, path, name, known=self.secrets, allow=self.allow, eager=True, seen=seen[1]
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
            if isinstance(value, (str, bytes)):  # requests sends bytes values as they are
                text = _text(value)
                redacted = self.scrub_header(_text(name), text)
                if redacted != text:
                    headers[name] = redacted
        self._scrub_header_names(headers, lambda kept, more: f"{_text(kept)}, {_text(more)}")
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
        if isinstance(headers, list):  # vcrpy's tornado stub: (name, values) pairs
            pairs, headers = headers, {}
            for name, values in pairs:
                headers[name] = _all_values(headers.get(name, []), values)
            response["headers"] = headers
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
        self._scrub_header_names(headers, _all_values)
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


def _text(value: Any) -> str:
    """A header name or value as text (requests and http.client also take bytes)."""
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _all_values(kept: Any, more: Any) -> list[Any]:
    """The values of two response headers of one name, as one list."""
    return [*_listed(kept), *_listed(more)]


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


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
