"""The README's five-minute path, walked end to end on a foreign project.

``weatherkit`` (``project.py``) is a package of its own with a ``requests``, an ``httpx`` and an
``aiohttp`` client; its API (``weather_api.py``, this test's own fake API) runs on 127.0.0.1 and
answers with gzip JSON, a 204, a ``text/plain`` 503 and a stream of server-sent events. Every
command of the README's quickstart runs as a subprocess in that folder, with this environment's
``python -m pytest`` and ``cassette-contracts``, the settings and the header pin taken from the
README itself; nothing is copied from this repository.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from ..conftest import read_yaml
from .project import REAL_URL, URL_VARIABLE, line_of, write_project
from .weather_api import WeatherApi, serving

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SECTION = "### The five-minute path"
BIN = Path(sys.executable).parent


@dataclass
class Quickstart:
    """What the README's quickstart says: commands, settings, the header pin it adds."""

    commands: list[str]
    settings: str
    header_pin: str


def read_quickstart(readme: Path = README) -> Quickstart:
    """The fenced blocks of the quickstart subsection of ``readme``."""
    text = readme.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.index("\n### ", start + len(SECTION))
    blocks = re.findall(r"^```(\w+)\n(.*?)^```$", text[start:end], flags=re.M | re.S)
    commands = [
        line.split(" #", 1)[0].strip()
        for lang, body in blocks
        if lang == "console"
        for line in body.splitlines()
        if line.strip()
    ]
    (settings,) = [body for lang, body in blocks if "[tool.cassette_contracts]" in body]
    (header_pin,) = re.findall(r"`(headers = \{.*?\})`", text[start:end])
    return Quickstart(commands, settings, header_pin)


@dataclass
class Shell:
    """Runs README commands in the project folder, as its developer would, and keeps a log."""

    cwd: Path
    env: dict[str, str]
    ran: list[str] = field(default_factory=list)

    def __call__(
        self, command: str, *, extra_env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        program, *args = shlex.split(command)
        executable = {
            "pytest": [sys.executable, "-m", "pytest"],
            "cassette-contracts": [str(BIN / "cassette-contracts")],
        }[program]
        self.ran.append(command)
        return subprocess.run(
            [*executable, *args],
            cwd=self.cwd,
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


def _clean_environment() -> dict[str, str]:
    """This process's environment without what would steer the project's pytest."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTEST_", "COV_")) and name not in {URL_VARIABLE, "PYTHONPATH"}
    }


def _output(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _reads(report: dict[str, object]) -> dict[str, tuple[str, int]]:
    """JSON path -> (file, line) of every field read, over all contracts of a coverage report."""
    found = {}
    for contract in report["contracts"]:  # type: ignore[attr-defined]
        for read in contract["read"]:
            found[read["path"]] = (read["file"], read["line"])
    return found


def test_the_readme_quickstart_walks_on_a_foreign_project(tmp_path: Path) -> None:
    """Record, init, replay offline with coverage, check, then a renamed field stops rerecord."""
    quickstart = read_quickstart()
    root = write_project(tmp_path / "weatherkit", quickstart.settings)
    run = Shell(root, _clean_environment())
    api = WeatherApi()
    cassettes = root / "tests" / "cassettes"

    # 1. Install: this environment has the distribution the README names, plugin and script.
    assert "pip install cassette-contracts" in quickstart.commands
    distribution = metadata.distribution("cassette-contracts")
    entry_points = {(e.group, e.name) for e in distribution.entry_points}
    assert ("pytest11", "cassette_contracts") in entry_points
    assert ("console_scripts", "cassette-contracts") in entry_points
    run.ran.append("pip install cassette-contracts")

    with serving(api) as local:
        recording = {URL_VARIABLE: local}

        # 2. Record from the local server; the cassettes name the real host.
        result = run("pytest --record-mode=once", extra_env=recording)
        assert result.returncode == 0, _output(result)
        recorded = sorted(cassettes.rglob("*.yaml"))
        assert len(recorded) == 6, _output(result)
        uris = [
            interaction["request"]["uri"]
            for path in recorded
            for interaction in read_yaml(path.read_text())["interactions"]
        ]
        assert all(uri.startswith(REAL_URL + "/") for uri in uris), uris
        assert len(api.requests) == 6

        # 3. First contracts from the recordings: one per endpoint, status and body kind;
        # then the README's tightening: the 503's Retry-After header, which the client reads.
        result = run("cassette-contracts init")
        assert result.returncode == 0, _output(result)
        contracts_toml = root / "schemas" / "contracts.toml"
        inferred = tomllib.loads(contracts_toml.read_text())["contract"]
        bodies = sorted(c.get("body", "json") for c in inferred)
        assert bodies == ["empty", "event-stream", "json", "json", "json", "text"], inferred
        blocks = contracts_toml.read_text().split("[[contract]]")
        (error,) = [i for i, block in enumerate(blocks) if "status = 503" in block]
        blocks[error] = blocks[error].rstrip("\n") + f"\n{quickstart.header_pin}\n\n"
        contracts_toml.write_text("[[contract]]".join(blocks), encoding="utf-8")
        (radar,) = [
            c for c in tomllib.loads(contracts_toml.read_text())["contract"] if c["status"] == 503
        ]
        assert radar["headers"] == {"Retry-After": "integer"}

        # 4. Replay offline: every played response holds; nothing reaches the server.
        served = len(api.requests)
        result = run("pytest")
        assert result.returncode == 0, _output(result)
        assert "6 passed" in result.stdout, _output(result)
        assert "6 replayed interaction(s) held to their contracts" in result.stdout, _output(result)
        assert len(api.requests) == served

        # Coverage: the httpx and aiohttp clients' reads, each with its file:line.
        result = run("cassette-contracts coverage --format json")
        assert result.returncode == 0, _output(result)
        reads = _reads(json.loads(result.stdout))
        assert reads["$.days[*].date"] == (
            "src/weatherkit/forecast.py",
            line_of(root, "src/weatherkit/forecast.py", 'day["date"]'),
        ), reads
        assert reads["$.location.lat"] == (
            "src/weatherkit/stations.py",
            line_of(root, "src/weatherkit/stations.py", 'payload["location"]["lat"]'),
        ), reads
        assert reads["$.city"][0] == "src/weatherkit/current.py", reads

        result = run("cassette-contracts check")
        assert result.returncode == 0, _output(result)

        # 5. The API renames a field a schema pins; the tests still pass (`.get`), but the
        # re-recording is stopped as breaking and the committed cassettes stay as they were.
        api.rename("humidity", "relative_humidity")
        committed = _tree(cassettes)

        result = run("cassette-contracts rerecord", extra_env=recording)
        assert result.returncode == 1, _output(result)
        assert "nothing promoted: breaking drift" in result.stderr, _output(result)
        assert "$.humidity: field removed" in result.stderr, _output(result)
        assert _tree(cassettes) == committed

        result = run("cassette-contracts drift", extra_env=recording)
        assert result.returncode == 1, _output(result)
        assert re.search(r"BREAKING.*\$\.humidity", result.stdout), _output(result)
        assert _tree(cassettes) == committed

    # Every command of the quickstart was run, in the README's order.
    assert run.ran == quickstart.commands
