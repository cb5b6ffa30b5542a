"""Example HTTP API clients protected by cassette-contracts.

``github``, ``jsonplaceholder`` and ``notifications`` (ntfy) share one error tree,
:mod:`api_clients.errors`.
"""

from .errors import (
    ApiConnectionError,
    ApiError,
    ApiTimeoutError,
    NotFoundError,
    RateLimitedError,
    UpstreamError,
)

__all__ = [
    "ApiConnectionError",
    "ApiError",
    "ApiTimeoutError",
    "NotFoundError",
    "RateLimitedError",
    "UpstreamError",
]
