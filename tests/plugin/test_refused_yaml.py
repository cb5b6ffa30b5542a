"""The plugin refuses, when it replays a cassette, what `cassette-contracts check` refuses:
a key repeated in one mapping and YAML anchors or aliases, in the one line the CLI prints."""

from __future__ import annotations

import io
import itertools

import pytest

from cassette_contracts.cli import main

from .conftest import MakeProject

REPLAY = """
@pytest.mark.vcr
@pytest.mark.default_cassette("user")
def test_fetch_user():
    assert requests.get("https://api.github.com/users/octo").json()["login"] == "octo"
"""

GOOD = {"login": "octo", "public_repos": 8}
HEADERS = "    headers:\n      Content-Type: [application/json]\n"


def _alias_bomb(levels: int) -> str:
    """Response headers X-A.. whose aliases nest ``levels`` deep: 9**levels strings expanded."""
    names = [chr(ord("a") + i) for i in range(levels)]
    lines = [f"      X-{names[0].upper()}: &{names[0]} [" + ", ".join(["lol"] * 9) + "]"]
    for before, name in itertools.pairwise(names):
        lines.append(f"      X-{name.upper()}: &{name} [" + ", ".join([f"*{before}"] * 9) + "]")
    return "\n".join(lines) + "\n"


REFUSED = {
    "duplicate-key": (HEADERS, HEADERS + "      Content-Type: [text/plain]\n"),
    "anchor": (HEADERS, "    headers:\n      Content-Type: &ct [application/json]\n"),
    "header-alias-bomb": (HEADERS, HEADERS + _alias_bomb(9)),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_replay_refuses_what_check_refuses_in_one_line(
    pytester: pytest.Pytester, make_project: MakeProject, case: str
) -> None:
    """A cassette `check` refuses fails its replaying test with check's one error line."""
    root = make_project(GOOD, REPLAY)
    path = root / "cassettes" / "user.yaml"
    old, new = REFUSED[case]
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    out, err = io.StringIO(), io.StringIO()
    assert main(["check"], out, err) == 2
    cli_line = (out.getvalue() + err.getvalue()).splitlines()[0]
    assert cli_line.startswith("cassettes/user.yaml:")
    result = pytester.runpytest()
    outcomes = result.parseoutcomes()
    assert "passed" not in outcomes
    assert outcomes.get("failed", 0) + outcomes.get("errors", 0) == 1
    assert cli_line in result.stdout.lines
    assert "Traceback" not in result.stdout.str()
