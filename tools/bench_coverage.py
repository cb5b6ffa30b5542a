"""Overhead of contract-coverage tracking, measured two ways on real GitHub payloads.

``payload`` tier (worst case): each iteration only ``json.loads`` the payload text and lets the
client code read the fields it reads; nothing else. Untracked, the code gets the plain payload;
tracked, the payload goes through ``track()`` first (one ``ReadRecorder`` for the run, as the
plugin keeps one per worker).

``replay`` tier (what a test run does): the project's GitHub client fetches the same payloads
through ``requests`` with vcrpy replaying an in-memory-built cassette (record mode ``none``; the
cassette's URLs are ``http://127.0.0.1:9/...``, nothing leaves the process). Tracked, the
decoded body of ``Response.json()`` is passed through ``track()`` the way a replay plugin does.
pytest's own per-test cost is left out, so this tier still overstates the overhead of a suite.

The client code is the project's own (``GitHubProfile.summary``, ``is_prolific``,
``get_repo_stars``) plus a repository card that reads nested, optional and list fields.
Payloads: ``tests/coverage/data/`` (real recordings; see PROVENANCE.md there).

The ``floor`` line times a ``dict`` subclass that only overrides ``__getitem__``/``get`` and
records nothing: what any look-alike-subclass design costs before recording a single read.

Usage: ``.venv/bin/python tools/bench_coverage.py [--iterations N] [--replay-iterations N]``.
Exit status 1 when the replay-tier overhead exceeds ``--max-overhead`` (default 10 %).
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import requests  # noqa: E402
import vcr  # noqa: E402
import yaml  # noqa: E402

from api_clients.github import GitHubClient, GitHubProfile, get_repo_stars  # noqa: E402
from cassette_contracts.coverage.reads import ReadRecorder  # noqa: E402
from cassette_contracts.coverage.report import coverage_report  # noqa: E402
from cassette_contracts.coverage.tracking import track  # noqa: E402

DATA = ROOT / "tests" / "coverage" / "data"
USER = (DATA / "users_get_pygithub_20250103_1.json").read_text(encoding="utf-8")
REPO = (DATA / "repos_get_github3py_20250905_1.json").read_text(encoding="utf-8")
LOCAL = "http://127.0.0.1:9"  # never contacted: vcrpy answers every request from the cassette
CONTRACTS = {"/users/": "github.users_get", "/repos/": "github.repos_get"}

Wrap = Callable[[Any, str], Any]


class _OneRepo:
    """Stands in for GitHubClient in the payload tier: get_repo returns the given payload."""

    def __init__(self, payload: Any) -> None:
        self.payload = payload

    def get_repo(self, owner: str, repo: str) -> Any:
        return self.payload


def repo_card(repo: dict[str, Any]) -> str:
    """What a dashboard reads of a repository: nested owner, optional license, topics."""
    license_ = repo.get("license") or {}
    topics = ", ".join(topic for topic in repo.get("topics", []))
    flags = "archived" if repo["archived"] else ("fork" if repo["fork"] else "source")
    return (
        f"{repo['full_name']} by {repo['owner']['login']} ({repo['owner']['type']}): "
        f"{repo.get('description') or ''} [{license_.get('spdx_id', 'no license')}] "
        f"{repo['forks_count']} forks, {repo['open_issues_count']} issues, {flags}, "
        f"default branch {repo['default_branch']}, pushed {repo['pushed_at']}; {topics}"
    )


class _BareDict(dict[str, Any]):
    """The floor of any dict-subclass approach: hands out nested values, records nothing."""

    def __getitem__(self, key: str) -> Any:
        return _bare(dict.__getitem__(self, key))

    def get(self, key: str, default: Any = None) -> Any:
        return _bare(dict.get(self, key, default))


class _BareList(list[Any]):
    pass


def _bare(value: Any, contract: str = "") -> Any:
    kind = type(value)
    if kind is dict:
        return _BareDict(value)
    if kind is list:
        return _BareList(value)
    return value


def payload_workload(wrap: Wrap, iterations: int) -> int:
    """``iterations`` times: decode both payloads, hand them to the client code."""
    checksum = 0
    for _ in range(iterations):
        profile = GitHubProfile("jacquev6")
        profile.data = wrap(json.loads(USER), "github.users_get")
        checksum += len(profile.summary()) + profile.is_prolific
        repo = wrap(json.loads(REPO), "github.repos_get")
        stars = get_repo_stars("qiskit-community", "qiskit-qec", client=_OneRepo(repo))  # type: ignore[arg-type]
        checksum += stars + len(repo_card(repo))
    return checksum


def replay_workload(client: GitHubClient, iterations: int) -> int:
    """``iterations`` times: the client fetches the user and the repository (3 requests)."""
    checksum = 0
    for _ in range(iterations):
        profile = GitHubProfile("jacquev6", client=client).fetch()
        checksum += len(profile.summary()) + profile.is_prolific
        checksum += get_repo_stars("qiskit-community", "qiskit-qec", client=client)
        checksum += len(repo_card(client.get_repo("qiskit-community", "qiskit-qec")))
    return checksum


def _interaction(path: str, body: str) -> dict[str, Any]:
    return {
        "request": {"method": "GET", "uri": LOCAL + path, "body": None, "headers": {}},
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": {"Content-Type": ["application/json; charset=utf-8"]},
            "body": {"string": body},
        },
    }


@contextmanager
def _replaying(folder: Path) -> Iterator[None]:
    cassette = folder / "bench.yaml"
    interactions = [
        _interaction("/users/jacquev6", USER),
        _interaction("/repos/qiskit-community/qiskit-qec", REPO),
    ]
    cassette.write_text(yaml.safe_dump({"version": 1, "interactions": interactions}))
    replayer = vcr.VCR(record_mode="none")
    with replayer.use_cassette(str(cassette), allow_playback_repeats=True):
        yield


@contextmanager
def _tracking_json(recorder: ReadRecorder) -> Iterator[None]:
    """Patch ``Response.json`` to track decoded bodies, as a replay plugin does."""
    original = requests.Response.json

    def tracked_json(self: requests.Response, **kwargs: Any) -> Any:
        payload = original(self, **kwargs)
        for prefix, contract in CONTRACTS.items():
            if prefix in self.url:
                return track(payload, contract, recorder)
        return payload

    requests.Response.json = tracked_json  # type: ignore[method-assign]
    try:
        yield
    finally:
        requests.Response.json = original  # type: ignore[method-assign]


def _time(run: Callable[[], int]) -> tuple[float, int]:
    gc.collect()
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def _compare(
    name: str, plain: Callable[[], int], tracked: Callable[[], int], rounds: int, payloads: int
) -> float:
    plain()  # warm up both paths
    tracked()
    plain_times, tracked_times = [], []
    for _ in range(rounds):  # interleaved, so drift in machine load hits both alike
        seconds, expected = _time(plain)
        plain_times.append(seconds)
        seconds, got = _time(tracked)
        tracked_times.append(seconds)
        if got != expected:
            raise SystemExit(f"{name}: tracked run computed {got}, untracked {expected}")
    untracked, tracked_s = min(plain_times), min(tracked_times)
    overhead = 100.0 * (tracked_s - untracked) / untracked
    median = statistics.median(
        100.0 * (t - u) / u for u, t in zip(plain_times, tracked_times, strict=True)
    )
    print(f"[{name}] {payloads} payloads, best of {rounds} rounds")
    print(f"  untracked: {untracked:.3f} s ({1e6 * untracked / payloads:8.2f} us per payload)")
    print(f"  tracked:   {tracked_s:.3f} s ({1e6 * tracked_s / payloads:8.2f} us per payload)")
    print(f"  overhead:  {overhead:+.1f} % (median of rounds {median:+.1f} %), ", end="")
    print(f"{1e6 * (tracked_s - untracked) / payloads:.2f} us per tracked payload")
    return overhead


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=10_000, help="payload tier")
    parser.add_argument("--replay-iterations", type=int, default=1_000, help="replay tier")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--max-overhead", type=float, default=10.0, help="percent, replay tier")
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}")

    recorder = ReadRecorder()
    n = args.iterations
    _compare(
        "payload: json.loads + client reads",
        lambda: payload_workload(lambda payload, contract: payload, n),
        lambda: payload_workload(lambda payload, contract: track(payload, contract, recorder), n),
        args.rounds,
        2 * n,
    )

    _compare(
        "payload, floor: a dict subclass that records nothing",
        lambda: payload_workload(lambda payload, contract: payload, n),
        lambda: payload_workload(_bare, n),
        args.rounds,
        2 * n,
    )

    replayed = ReadRecorder()
    client = GitHubClient(LOCAL)
    m = args.replay_iterations

    def tracked_replay() -> int:
        with _tracking_json(replayed):
            return replay_workload(client, m)

    with tempfile.TemporaryDirectory() as folder, _replaying(Path(folder)):
        overhead = _compare(
            "replay: requests + vcrpy + client reads",
            lambda: replay_workload(client, m),
            tracked_replay,
            args.rounds,
            3 * m,
        )

    start = time.perf_counter()
    report = coverage_report(replayed, {})
    report_ms = 1e3 * (time.perf_counter() - start)
    reads = sum(len(item.reads) for item in report.contracts)
    print(f"recorded {reads} distinct (contract, path) reads; report built in {report_ms:.2f} ms")
    if overhead > args.max_overhead:
        print(f"FAIL: replay-tier overhead above {args.max_overhead:.1f} %")
        return 1
    print(f"ok: replay-tier overhead within {args.max_overhead:.1f} %")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
