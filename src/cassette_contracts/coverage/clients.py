"""The HTTP clients' ``json()``: where a replayed payload is handed to the code under test.

vcrpy replays for ``requests`` (``Response.json()``), ``httpx`` (``Response.json()``, the same
method for ``Client`` and ``AsyncClient``) and ``aiohttp`` (``ClientResponse.json()``, a
coroutine; vcrpy's own ``MockClientResponse`` overrides it). :func:`patched` wraps each of
them for the duration of a test so that the payload passes through a ``hand`` callback
(contract coverage wraps it in tracked containers).

A client is patched only when its module is already imported: vcrpy imports every client it
can patch when it is imported itself, so a client the tests use is loaded by the time a test
replays, and the harness never imports or requires httpx or aiohttp.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["Hand", "patched"]

#: ``hand(response, payload, method, url, status) -> payload`` as the code should get it.
Hand = Callable[[Any, Any, str, str, int], Any]


def _requests(hand: Hand) -> list[tuple[Any, Callable[..., Any]]]:
    module = sys.modules.get("requests.models")
    if module is None:
        return []
    original = module.Response.json

    def json(self: Any, **kwargs: Any) -> Any:
        payload = original(self, **kwargs)
        method = self.request.method if self.request is not None else "GET"
        return hand(self, payload, str(method), str(self.url), int(self.status_code))

    return [(module.Response, json)]


# Same shape as _requests on purpose: each patch is one library's Response.json, where the
# method and URL live in different places; a shared factory would hide which is which.
def _httpx(hand: Hand) -> list[tuple[Any, Callable[..., Any]]]:
    module = sys.modules.get("httpx")
    if module is None:
        return []
    original = module.Response.json

    def json(self: Any, **kwargs: Any) -> Any:
        payload = original(self, **kwargs)
        try:
            request = self.request
        except RuntimeError:  # a Response built by hand, never sent
            return payload
        return hand(self, payload, str(request.method), str(request.url), int(self.status_code))

    return [(module.Response, json)]


def _aiohttp(hand: Hand) -> list[tuple[Any, Callable[..., Any]]]:
    module = sys.modules.get("aiohttp")
    if module is None:
        return []
    classes: list[Any] = [module.ClientResponse]
    stubs = sys.modules.get("vcr.stubs.aiohttp_stubs")
    if stubs is not None:
        classes.append(stubs.MockClientResponse)
    found = []
    for cls in classes:
        original = cls.__dict__["json"]

        def make(original: Callable[..., Any]) -> Callable[..., Any]:
            async def json(self: Any, *args: Any, **kwargs: Any) -> Any:
                payload = await original(self, *args, **kwargs)
                return hand(self, payload, str(self.method), str(self.url), int(self.status))

            return json

        found.append((cls, make(original)))
    return found


@contextlib.contextmanager
def patched(hand: Hand) -> Iterator[None]:
    """Every present client's ``json()`` hands its payload through ``hand`` meanwhile."""
    patches = [*_requests(hand), *_httpx(hand), *_aiohttp(hand)]
    originals = [(cls, cls.__dict__["json"]) for cls, _ in patches]
    for cls, replacement in patches:
        cls.json = replacement
    try:
        yield
    finally:
        for cls, original in reversed(originals):
            cls.json = original
