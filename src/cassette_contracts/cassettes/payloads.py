"""The recorded payloads of the cassette a test replays (the ``cassette_payload`` fixture).

A test that asserts a constant (``stars == 7701``) holds for one recording only: the next
re-record brings new numbers and the test fails for reasons that have nothing to do with the
client. Asserting against what the cassette recorded keeps the test meaningful ("the client
returns what the API sent") across re-records::

    @pytest.mark.vcr
    def test_stars(cassette_payload):
        stars = get_repo_stars("PyGithub", "PyGithub")
        recorded = cassette_payload("GET", "https://api.github.com/repos/PyGithub/PyGithub")
        assert stars == recorded["stargazers_count"]

Ask for the payload *after* the code under test made its request: while recording
(``cassette-contracts rerecord``) an interaction exists only once it was made, and the payload
is then the one just recorded, so the same test holds on the fresh recording.

Payloads are plain ``dict``/``list`` values decoded from the cassette: reading them is not a
read of the client code, so contract coverage does not count it.
"""

from __future__ import annotations

from typing import Any

from ..errors import UsageError
from .interaction import Interaction

__all__ = ["RecordedPayloads"]


class RecordedPayloads:
    """The interactions of one vcrpy cassette, looked up by request or by index."""

    def __init__(self, cassette: Any) -> None:
        self._cassette = cassette

    @property
    def path(self) -> str:
        return str(self._cassette._path)

    def interactions(self) -> list[Interaction]:
        """Every interaction the cassette holds, in order."""
        return [
            Interaction.from_vcr(request, response, self.path, index)
            for index, (request, response) in enumerate(self._cassette.data)
        ]

    def interaction(
        self, method: str | None = None, url: str | None = None, *, index: int | None = None
    ) -> Interaction:
        """The interaction recorded for ``method url``, or at ``index``, or the only one.

        With several recordings of the same request, the first one the test played wins,
        else the first recorded. A miss raises :class:`UsageError` listing what is recorded.
        """
        everything = self.interactions()
        if index is not None:
            if method is not None or url is not None:
                raise UsageError("cassette_payload: give a request (method, url) or an index")
            if not 0 <= index < len(everything):
                raise UsageError(
                    f"cassette_payload: no interaction {index} in {self.path} "
                    f"({len(everything)} recorded)"
                )
            return everything[index]
        if method is None and url is None:
            if len(everything) != 1:
                raise UsageError(
                    f"cassette_payload: {self.path} holds {len(everything)} interactions; name "
                    f"one by request or index (while recording, ask after the request was "
                    f"made). Recorded: {self._listing(everything)}"
                )
            return everything[0]
        if method is None or url is None:
            raise UsageError("cassette_payload: give both the method and the url")
        found = [i for i in everything if i.method == method.upper() and i.uri == url]
        if not found:
            raise UsageError(
                f"cassette_payload: nothing recorded for {method.upper()} {url} in {self.path} "
                f"(while recording, ask after the request was made). "
                f"Recorded: {self._listing(everything)}"
            )
        played = self._cassette.play_counts
        return next((i for i in found if played.get(i.index)), found[0])

    def __call__(
        self, method: str | None = None, url: str | None = None, *, index: int | None = None
    ) -> Any:
        """The JSON body of the response recorded for that request (see :meth:`interaction`)."""
        return self.interaction(method, url, index=index).json()

    @staticmethod
    def _listing(interactions: list[Interaction]) -> str:
        shown = [f"[{i.index}] {i.method} {i.uri}" for i in interactions[:10]]
        more = len(interactions) - len(shown)
        return "; ".join(shown) + (f"; and {more} more" if more > 0 else "") if shown else "none"
