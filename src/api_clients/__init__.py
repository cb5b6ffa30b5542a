"""Example HTTP API clients protected by cassette-contracts.

``github``, ``jsonplaceholder`` and ``notifications`` (ntfy) share one error tree,
:mod:`api_clients.errors`.
"""

# The error tree re-exported by name (same list as errors.__all__, on purpose: explicit
# re-exports keep the package's public names readable here and checked by mypy/ruff).
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
