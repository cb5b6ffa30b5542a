"""The HTTP plumbing every client shares: base URL, timeout, auth, error mapping, rate limits,
and an opt-in TTL cache of GET responses.

Rate limits are handled here rather than with ``urllib3.util.Retry``: Retry honours
``Retry-After`` but not GitHub's ``X-RateLimit-Reset``, and it would sleep for whatever the
upstream asks. Here the wait is bounded (``max_rate_limit_wait``) and, past the bound, the
caller gets a :class:`~api_clients.errors.RateLimitedError` saying when to come back.
"""

from __future__ import annotations

import email.utils
import os
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import requests
from cachetools import TTLCache

from .errors import (  # the whole tree: every client error is raised from this module
    ApiConnectionError,
    ApiError,
    ApiTimeoutError,
    NotFoundError,
    RateLimitedError,
    UpstreamError,
)

Clock = Callable[[], float]
Sleep = Callable[[float], None]

#: How long recording may wait for a rate limit to reset, from the environment (seconds).
RATE_LIMIT_WAIT_ENV = "API_CLIENTS_MAX_RATE_LIMIT_WAIT"
#: Every client's timeout when none is passed, from the environment (seconds).
TIMEOUT_ENV = "API_CLIENTS_TIMEOUT"


def env_or(value: str | None, name: str, default: str) -> str:
    """``value`` if given, else the environment variable ``name``, else ``default``."""
    if value:
        return value
    return os.environ.get(name) or default


def timeout_or_env(value: float | None, default: float) -> float:
    """``value`` if given, else ``$API_CLIENTS_TIMEOUT`` when it is a positive number, else
    ``default``."""
    if value is not None:
        return value
    try:
        from_env = float(os.environ.get(TIMEOUT_ENV, ""))
    except ValueError:
        return default
    return from_env if from_env > 0 else default


def _max_wait_from_env() -> float:
    raw = os.environ.get(RATE_LIMIT_WAIT_ENV, "")
    try:
        return max(0.0, float(raw)) if raw else 0.0
    except ValueError:
        return 0.0


def rate_limit_reset(response: requests.Response, now: datetime | None = None) -> datetime | None:
    """When a 403/429 rate limit resets, from ``Retry-After`` or ``X-RateLimit-Reset``."""
    now = now or datetime.now(timezone.utc)
    retry_after = response.headers.get("Retry-After")
    if retry_after:
        if retry_after.strip().isdigit():
            return now + timedelta(seconds=int(retry_after))
        try:
            parsed = email.utils.parsedate_to_datetime(retry_after)
        except (TypeError, ValueError):
            parsed = None
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    reset = response.headers.get("X-RateLimit-Reset")
    if reset and reset.strip().isdigit():
        return datetime.fromtimestamp(int(reset), tz=timezone.utc)
    return None


def is_rate_limited(response: requests.Response) -> bool:
    """GitHub signals rate limits with 429, or 403 plus ``Retry-After`` / no remaining calls."""
    if response.status_code == 429:
        return True
    if response.status_code != 403:
        return False
    return (
        "Retry-After" in response.headers
        or response.headers.get("X-RateLimit-Remaining") == "0"
        or "rate limit" in response.text.lower()
    )


class HttpClient:
    """A ``requests.Session`` bound to one upstream.

    ``cache_ttl`` (seconds) turns on a TTL cache of successful GET responses; ``clock`` is the
    cache's time source (inject a fake one in tests). ``max_rate_limit_wait`` bounds how long a
    rate-limited call may wait before one retry (0: never wait, raise at once).
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float,
        headers: Mapping[str, str] | None = None,
        token: str | None = None,
        cache_ttl: float | None = None,
        cache_size: int = 256,
        clock: Clock = time.monotonic,
        max_rate_limit_wait: float | None = None,
        sleep: Sleep = time.sleep,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers.update(headers or {})
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        self._cache: TTLCache[str, requests.Response] | None = (
            TTLCache(maxsize=cache_size, ttl=cache_ttl, timer=clock) if cache_ttl else None
        )
        self.max_rate_limit_wait = (
            _max_wait_from_env() if max_rate_limit_wait is None else max_rate_limit_wait
        )
        self._sleep = sleep

    def url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return f"{self.base_url}/{path_or_url.lstrip('/')}"

    def get(self, path_or_url: str, params: Mapping[str, Any] | None = None) -> requests.Response:
        """GET, served from the cache when it is on and the entry is fresh."""
        url = self.url(path_or_url)
        key = requests.Request("GET", url, params=params).prepare().url or url
        if self._cache is not None and key in self._cache:
            return self._cache[key]
        response = self.request("GET", url, params=params)
        if self._cache is not None:
            self._cache[key] = response
        return response

    def get_json(self, path_or_url: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.get(path_or_url, params=params).json()

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> requests.Response:
        """Send one request; non-2xx answers become :class:`~api_clients.errors.ApiError`."""
        url = self.url(path_or_url)
        waited = False
        while True:
            response = self._send(method, url, params=params, json=json)
            if response.ok:
                return response
            if is_rate_limited(response) and not waited:
                wait = self._wait_for(response)
                if wait is not None:
                    self._sleep(wait)
                    waited = True
                    continue
            raise self._error(method, response)

    def _send(
        self, method: str, url: str, *, params: Mapping[str, Any] | None, json: Any
    ) -> requests.Response:
        try:
            return self.session.request(method, url, params=params, json=json, timeout=self.timeout)
        except requests.Timeout as exc:
            raise ApiTimeoutError(method=method, url=url, timeout=self.timeout) from exc
        except requests.ConnectionError as exc:
            reason = str(exc.args[0]) if exc.args else type(exc).__name__
            raise ApiConnectionError(method=method, url=url, reason=reason) from exc

    def _wait_for(self, response: requests.Response) -> float | None:
        """Seconds to wait before one retry, or None when the wait would exceed the bound."""
        if self.max_rate_limit_wait <= 0:
            return None
        reset = rate_limit_reset(response)
        if reset is None:
            return None
        wait = max(0.0, (reset - datetime.now(timezone.utc)).total_seconds())
        return wait if wait <= self.max_rate_limit_wait else None

    @staticmethod
    def _error(method: str, response: requests.Response) -> ApiError:
        url = response.url
        if response.status_code == 404:
            return NotFoundError(method=method, url=url)
        if is_rate_limited(response):
            detail = ""
            try:
                body = response.json()
                if isinstance(body, dict) and isinstance(body.get("message"), str):
                    detail = body["message"]
            except ValueError:
                pass
            return RateLimitedError(
                method=method,
                url=url,
                status=response.status_code,
                reset_at=rate_limit_reset(response),
                detail=detail,
            )
        return UpstreamError(
            method=method, url=url, status=response.status_code, body=response.text
        )
