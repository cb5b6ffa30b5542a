"""Cost of ``cassette-contracts init`` over 2,000 cassettes: seconds and peak memory.

The cassettes are generated from the real GitHub recordings in ``tests/data/realdata/github/``
(every status and body structure as recorded, with its ``Content-Type``): each cassette holds
one to three interactions, drawn round-robin from the users, repositories, repository-list and
error recordings. The path segment after the first (the user, the owner) is made unique per
cassette, so ``init`` has thousands of distinct URLs to template, and every integer ``id`` in a
body is shifted per cassette, so no two payloads are equal (nothing is saved by duplicates).
``init`` then runs in a child process in an empty folder (no pyproject.toml): it plans,
infers, writes and checks, as a user runs it.

Printed: the child's wall time and peak resident memory (``ru_maxrss`` of the child), the
contracts found and init's own summary line. Also a second run (everything covered: nothing
new) and a ``--force`` run, which must leave the files byte-identical.

Usage: ``.venv/bin/python tools/bench_init.py [--cassettes N]``. Exit status 1 when ``init``
fails or a re-run changes a file.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
GITHUB = ROOT / "tests" / "data" / "realdata" / "github"
FOLDERS = ("users_get", "repos_get", "users_repos", "_non2xx/users_get", "_non2xx/repos_get")


def _recordings() -> list[tuple[dict[str, Any], str]]:
    """(meta, body text) of every recording in FOLDERS, sorted by name."""
    found = []
    for folder in FOLDERS:
        for meta_path in sorted((GITHUB / folder).glob("*.meta.json")):
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            body = meta_path.with_name(meta_path.name.replace(".meta.json", ".json"))
            found.append((meta, body.read_text(encoding="utf-8")))
    return found


def _distinct(value: Any, copy: int) -> Any:
    """``value`` with every integer ``id`` shifted by ``copy``: no two payloads are equal."""
    if isinstance(value, dict):
        return {
            k: v + copy if k == "id" and type(v) is int else _distinct(v, copy)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_distinct(v, copy) for v in value]
    return value


def _interaction(meta: dict[str, Any], body: str, copy: int) -> dict[str, Any]:
    scheme, _, rest = meta["url"].partition("://")
    host, _, path = rest.partition("/")
    segments = path.split("/")
    segments[1] = f"{segments[1]}-{copy}"  # /users/NAME-7, /repos/OWNER-7/REPO
    uri = f"{scheme}://{host}/{'/'.join(segments)}"
    body = json.dumps(_distinct(json.loads(body), copy))
    content_type = meta.get("key_headers", {}).get("content-type", "application/json")
    return {
        "request": {"method": meta.get("method", "GET"), "uri": uri, "body": None, "headers": {}},
        "response": {
            "status": {"code": meta["status"], "message": meta.get("reason") or ""},
            "headers": {"Content-Type": [content_type]},
            "body": {"string": body},
        },
    }


def generate(target: Path, count: int) -> int:
    """Write ``count`` cassettes below ``target``; the number of interactions written."""
    recordings = _recordings()
    total = 0
    for number in range(count):
        size = 1 + number % 3
        chosen = [recordings[(number * 3 + k) % len(recordings)] for k in range(size)]
        data = {
            "version": 1,
            "interactions": [_interaction(m, b, number) for m, b in chosen],
        }
        path = target / f"batch-{number // 100:02d}" / f"cassette-{number:04d}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        total += size
    return total


def run_init(folder: Path, *extra: str) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Run init in a child process in ``folder``: seconds, peak RSS in MB, the process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", "from cassette_contracts.cli import run; run()", "init", *extra],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of the children is the largest child so far (kB on Linux).
    return elapsed, max(peak, before) / 1024, done


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cassettes", type=int, default=2_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cassette-contracts-bench-init-") as scratch:
        folder = Path(scratch)
        interactions = generate(folder / "cassettes", args.cassettes)
        size = sum(p.stat().st_size for p in (folder / "cassettes").rglob("*.yaml"))
        print(
            f"generated: {args.cassettes} cassettes, {interactions} interactions, "
            f"{size / 1e6:.1f} MB (real GitHub recordings from {GITHUB.relative_to(ROOT)})"
        )
        elapsed, peak, done = run_init(folder)
        if done.returncode:
            print(done.stdout[-2000:], done.stderr[-2000:])
            return 1
        lines = done.stdout.splitlines()
        print(f"init:  {elapsed:6.2f} s, peak memory {peak:5.0f} MB (child process RSS)")
        print("  " + lines[0])
        print("  " + lines[-1])
        first = snapshot(folder / "schemas")
        elapsed, _, again = run_init(folder)
        print(f"rerun: {elapsed:6.2f} s ({again.stdout.splitlines()[-2]})")
        elapsed, _, forced = run_init(folder, "--force")
        same = snapshot(folder / "schemas") == first and forced.returncode == 0
        print(f"force: {elapsed:6.2f} s, files byte-identical: {'yes' if same else 'NO'}")
        return 0 if same and again.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
