"""Errors raised by the API clients.

One small tree, shared by every client::

    ApiError                  any failed call; ``method`` and ``url`` name the request
    ├── ApiTimeoutError       no answer within the client's timeout
    ├── ApiConnectionError    the upstream could not be reached
    ├── NotFoundError         404
    ├── RateLimitedError      403/429 with a rate-limit signal; ``reset_at`` when known
    └── UpstreamError         any other non-2xx answer; ``status`` and ``body``
"""

from __future__ import annotations

from datetime import datetime

__all__ = [
    "ApiConnectionError",
    "ApiError",
    "ApiTimeoutError",
    "NotFoundError",
    "RateLimitedError",
    "UpstreamError",
]


class ApiError(Exception):
    """A call to an upstream API failed. The message names the request."""

    def __init__(self, message: str, *, method: str, url: str, status: int | None = None) -> None:
        super().__init__(message)
        self.method = method
        self.url = url
        self.status = status


class ApiTimeoutError(ApiError):
    """The upstream did not answer within the timeout."""

    def __init__(self, *, method: str, url: str, timeout: float) -> None:
        super().__init__(f"{method} {url} timed out after {timeout:g} s", method=method, url=url)
        self.timeout = timeout


class ApiConnectionError(ApiError):
    """The upstream could not be reached (refused, reset, DNS, TLS)."""

    def __init__(self, *, method: str, url: str, reason: str) -> None:
        super().__init__(f"{method} {url} failed to connect: {reason}", method=method, url=url)
        self.reason = reason


class NotFoundError(ApiError):
    """The upstream answered 404."""

    def __init__(self, *, method: str, url: str) -> None:
        super().__init__(
            f"{method} {url} returned 404 Not Found", method=method, url=url, status=404
        )


class RateLimitedError(ApiError):
    """The upstream refused the call for a rate limit (403/429).

    ``reset_at`` is when the limit resets (UTC), from ``Retry-After`` or ``X-RateLimit-Reset``,
    or None when the upstream did not say.
    """

    def __init__(
        self, *, method: str, url: str, status: int, reset_at: datetime | None, detail: str = ""
    ) -> None:
        when = f"; retry after {reset_at.isoformat()}" if reset_at else ""
        extra = f" ({detail})" if detail else ""
        super().__init__(
            f"{method} {url} was rate limited ({status}){when}{extra}",
            method=method,
            url=url,
            status=status,
        )
        self.reset_at = reset_at


class UpstreamError(ApiError):
    """The upstream answered with an unexpected status."""

    def __init__(self, *, method: str, url: str, status: int, body: str) -> None:
        snippet = body if len(body) <= 200 else body[:200] + "…"
        super().__init__(
            f"{method} {url} returned {status}: {snippet}", method=method, url=url, status=status
        )
        self.body = body
