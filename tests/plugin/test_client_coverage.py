"""Contract coverage for every HTTP client vcrpy replays: requests, httpx (sync and async),
aiohttp. The payload is a real GitHub response (see tests/coverage/data/PROVENANCE.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import MakeProject, cassette

DATA = Path(__file__).resolve().parent.parent / "coverage" / "data"
PAYLOAD = json.loads((DATA / "users_get_pygithub_20250103_1.json").read_text(encoding="utf-8"))
URL = "https://api.github.com/users/jacquev6"

# Each client fetches the payload into `data` its own way; the test then reads from it.
FETCH = {
    "requests": f"data = requests.get({URL!r}).json()",
    "httpx": f"data = httpx.get({URL!r}).json()",
    "httpx-async": f"""
        async def fetch():
            async with httpx.AsyncClient() as client:
                return (await client.get({URL!r})).json()

        data = asyncio.run(fetch())
    """,
    "aiohttp": f"""
        async def fetch():
            async with aiohttp.ClientSession() as session:
                async with session.get({URL!r}) as response:
                    return await response.json()

        data = asyncio.run(fetch())
    """,
}

# Code that parses the body itself: the payload it reads is not tracked.
UNTRACKED_FETCH = {
    "requests-text": f"data = json.loads(requests.get({URL!r}).text)",
    "httpx-content": f"data = json.loads(httpx.get({URL!r}).content)",
}

TEST = """
import asyncio
import json

import aiohttp
import httpx


@pytest.mark.vcr
@pytest.mark.default_cassette("user")
def test_fetch_user():
{fetch}
    assert data["public_repos"] > 0
    assert data.get("email")
"""


def _project(make_project: MakeProject, fetch: str) -> tuple[Path, int]:
    """The project with a test fetching the payload by ``fetch``; the line reading $.email."""
    indented = "\n".join(f"    {line}" if line else "" for line in _dedent(fetch).splitlines())
    root = make_project(PAYLOAD, TEST.format(fetch=indented))
    (root / "cassettes" / "user.yaml").write_text(cassette(PAYLOAD, URL))
    lines = (root / "test_client.py").read_text().splitlines()
    return root, next(n for n, line in enumerate(lines, 1) if 'data.get("email")' in line)


def _dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent(text).strip("\n")


@pytest.mark.parametrize("client", sorted(FETCH))
def test_reads_of_every_client_are_reported_with_file_and_line(
    pytester: pytest.Pytester, make_project: MakeProject, client: str
) -> None:
    """A field the code reads from a replayed payload is reported with the file:line reading it."""
    _root, line = _project(make_project, FETCH[client])
    result = pytester.runpytest()
    # $.email is read but not pinned: the run fails naming the reading line.
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "FAIL user: 2 field(s) read, 2 pinned",
            f"*read but not pinned: $.email (optional read at test_client.py:{line})",
        ]
    )
    # $.public_repos is read: it is no candidate to unpin, $.login is.
    result.stdout.fnmatch_lines(["*candidates to unpin*: 1", "*$.login"])
    assert "         $.public_repos" not in result.stdout.lines


@pytest.mark.parametrize("client", sorted(UNTRACKED_FETCH))
def test_payload_parsed_another_way_is_not_tracked_rather_than_unread(
    pytester: pytest.Pytester, make_project: MakeProject, client: str
) -> None:
    """A contract whose responses the code parsed itself is "not tracked", never "unpin"."""
    _project(make_project, UNTRACKED_FETCH[client])
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(["*user: not tracked*"])
    assert "candidates to unpin" not in result.stdout.str()


MIXED = f"""
import json

import httpx


@pytest.mark.vcr
@pytest.mark.default_cassette("user")
def test_fetch_user():
    assert httpx.get({URL!r}).json()["public_repos"] > 0


@pytest.mark.vcr
@pytest.mark.default_cassette("user")
def test_fetch_user_text():
    assert json.loads(requests.get({URL!r}).text)["login"]
"""


def test_unread_pins_are_no_candidates_when_some_replays_were_not_tracked(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """One test reads by .json(), another parses the text: pins seen unread may be read there."""
    make_project(PAYLOAD, MIXED)
    (pytester.path / "cassettes" / "user.yaml").write_text(cassette(PAYLOAD, URL))
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    assert "candidates to unpin" not in result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "ok   user: 1 field(s) read, 2 pinned",
            "*pinned, not seen read (not tracked*: 1",
            "*$.login",
        ]
    )


MISSING_KEY = f"""
import requests


@pytest.mark.vcr
@pytest.mark.default_cassette("user")
def test_fetch_user():
    data = requests.get({URL!r}).json()
    assert data["renamed_field"]
"""


def test_a_failed_read_of_a_tracked_payload_shows_no_harness_frame(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """A test reading a field the payload lacks fails on its own line: the traceback shows
    no frame of the read tracking."""
    make_project(PAYLOAD, MISSING_KEY)
    (pytester.path / "cassettes" / "user.yaml").write_text(cassette(PAYLOAD, URL))
    result = pytester.runpytest("--tb=long")
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    result.stdout.fnmatch_lines(['*assert data?"renamed_field"?', "*KeyError*"])
    assert (
        "cassette_contracts"
        not in result.stdout.str().split("= FAILURES =")[1].split("short test summary")[0]
    )
