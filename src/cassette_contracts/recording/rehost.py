"""Upstream override: record against a local or staging server, store the real host.

Recording against ``http://127.0.0.1:8123`` (a local fake, a staging deployment) would leave
that address in the cassette, and the cassette would then only replay for a client that talks
to the same address. :class:`Rehost` gives vcrpy two hooks that rewrite, as each interaction is
recorded, every URL under ``local_base`` to the same URL under ``real_base``:

- ``before_record_request``: the request URI and a ``Host`` header naming the local server;
- ``before_record_response``: the URL-carrying response headers (``Link``, ``Location``,
  ``Content-Location``).

The hooks return rewritten copies; the response the client receives while recording is left
alone, so it keeps following the local server's ``Link``/``Location`` URLs. vcrpy also runs
``before_record_request`` on requests it tries to replay, so a client pointed at the local base
replays the cassette too. Bodies are never touched.

Usage::

    rehost = Rehost("http://127.0.0.1:8123", "https://api.github.com")
    with vcr.use_cassette(
        path,
        record_mode="all",
        before_record_request=rehost.before_record_request,
        before_record_response=rehost.before_record_response,
    ):
        ...
"""

from __future__ import annotations

import copy
import re
from typing import Any
from urllib.parse import urlsplit

from ..errors import UsageError

__all__ = ["URL_HEADERS", "Rehost"]

#: Response headers whose values carry URLs of the upstream (compared case-insensitively).
URL_HEADERS: tuple[str, ...] = ("Link", "Location", "Content-Location")

_DEFAULT_PORTS = {"http": 80, "https": 443}
# What may follow a base URL inside a longer URL or header value: a path, query or fragment
# start, the end of a Link target, a separator, or the end of the string.
_BOUNDARY = r"(?=[/?#>;,\s\"']|$)"


def _split_base(url: str, role: str) -> tuple[str, str, int, str]:
    """``(scheme, host, port, path)`` of a base URL, or UsageError naming what is wrong."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise UsageError(
            f"{role} {url!r} is not an http(s) base URL; expected e.g. 'http://127.0.0.1:8123' "
            "or 'https://api.example.com'"
        )
    if parts.query or parts.fragment:
        raise UsageError(f"{role} {url!r} has a query or fragment; give only scheme, host, path")
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError as exc:  # a port outside 0-65535 or not a number
        raise UsageError(f"{role} {url!r} has an invalid port") from exc
    return scheme, parts.hostname.lower(), port, parts.path.rstrip("/")


def _netloc(scheme: str, host: str, port: int, *, explicit_port: bool = False) -> str:
    shown = f"[{host}]" if ":" in host else host
    if port == _DEFAULT_PORTS[scheme] and not explicit_port:
        return shown
    return f"{shown}:{port}"


class Rehost:
    """Rewrites URLs under ``local_base`` to ``real_base`` in recorded interactions.

    Both are ``scheme://host[:port][/path]``; a default port may be written or left out, the
    host is compared case-insensitively, and a path prefix (``https://example.com/api``) only
    matches whole segments. Anything not under ``local_base`` is left as it is. A base that is
    not an http(s) URL raises :class:`~cassette_contracts.errors.UsageError`.
    """

    def __init__(self, local_base: str, real_base: str) -> None:
        scheme, host, port, path = _split_base(local_base, "local_base")
        real_scheme, real_host, real_port, real_path = _split_base(real_base, "real_base")
        self.local_base = f"{scheme}://{_netloc(scheme, host, port)}{path}"
        self.real_base = f"{real_scheme}://{_netloc(real_scheme, real_host, real_port)}{real_path}"
        self._local_netlocs = {
            _netloc(scheme, host, port),
            _netloc(scheme, host, port, explicit_port=True),
        }
        self._real_netloc = _netloc(real_scheme, real_host, real_port)
        origins = "|".join(
            re.escape(f"{scheme}://{netloc}")
            for netloc in sorted(self._local_netlocs, key=len, reverse=True)
        )
        self._pattern = re.compile(f"(?:{origins}){re.escape(path)}{_BOUNDARY}", re.IGNORECASE)

    def __repr__(self) -> str:
        return f"Rehost({self.local_base!r}, {self.real_base!r})"

    def url(self, url: str) -> str:
        """``url`` moved from the local base to the real one; other URLs unchanged."""
        match = self._pattern.match(url)
        return self.real_base + url[match.end() :] if match else url

    def text(self, value: str) -> str:
        """Every URL under the local base inside ``value`` (e.g. a ``Link`` header) moved."""
        return self._pattern.sub(lambda _: self.real_base, value)

    def before_record_request(self, request: Any) -> Any:
        """vcrpy hook: a copy of the request with its URI (and ``Host`` header) rehosted."""
        rehosted = copy.deepcopy(request)
        rehosted.uri = self.url(request.uri)
        headers = rehosted.headers
        host = headers.get("Host")
        if isinstance(host, str) and host.lower() in self._local_netlocs:
            headers["Host"] = self._real_netloc
        return rehosted

    def before_record_response(self, response: dict[str, Any]) -> dict[str, Any]:
        """vcrpy hook: a copy of the response with its URL-carrying headers rehosted."""
        rehosted = copy.deepcopy(response)
        headers = rehosted.get("headers")
        if not isinstance(headers, dict):
            return rehosted
        wanted = {name.lower() for name in URL_HEADERS}
        for name, values in headers.items():
            if name.lower() not in wanted:
                continue
            if isinstance(values, list):
                headers[name] = [self.text(v) if isinstance(v, str) else v for v in values]
            elif isinstance(values, str):
                headers[name] = self.text(values)
        return rehosted
