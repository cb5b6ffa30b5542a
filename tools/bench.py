"""Throughput of ``cassette-contracts check``: payloads per second, cold and warm.

Replicates the real interactions of the cassettes under a folder (default: the project's
``cassettes/``) into a temporary folder, as many copies of each file as it takes to reach
``--interactions`` (default 10,000). Each copy gets a trailing comment, so its bytes, and its
cache key, differ from every other copy: nothing is served from the cache by accident.

Three timed runs of ``check()`` over the copies (loading contracts and schemas is timed apart):

- ``cold``: no cache at all (``--no-cache``);
- ``fill``: an empty cache, filled by this run (the first run after a change);
- ``warm``: the same cache again, every cassette unchanged.

Targets on a 2-core machine: cold >= 2,500 payloads/s, warm >= 50,000 payloads/s. How fast a
run is depends on the payloads: a 100-repository page costs as much as ~30 single objects.

Usage: ``.venv/bin/python tools/bench.py [--cassettes DIR] [--schemas DIR]
[--interactions N] [--jobs N]``. Exit status 1 when a target is missed, 2 when there is
nothing to replicate.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from cassette_contracts import (  # noqa: E402
    CassetteContractsError,
    ContractMap,
    SchemaRegistry,
    check,
    iter_cassette_paths,
    load_cassette,
    load_settings,
)

COLD_TARGET = 2_500
WARM_TARGET = 50_000


def _replicate(sources: list[tuple[Path, Path, bytes, int]], target: Path, wanted: int) -> int:
    """Write copies of the sources below ``target`` until ``wanted`` interactions; the count."""
    total = copy = 0
    while total < wanted:
        for relative, _, data, count in sources:
            destination = target / f"copy-{copy:04d}" / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(data + f"\n# bench copy {copy}\n".encode())
            total += count
        copy += 1
    return total


def main() -> int:
    settings = load_settings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cassettes", type=Path, default=settings.cassettes)
    parser.add_argument("--schemas", type=Path, default=settings.schemas)
    parser.add_argument("--interactions", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: auto)")
    args = parser.parse_args()

    started = time.perf_counter()
    contract_map = ContractMap.load(args.schemas / "contracts.toml")
    registry = SchemaRegistry.load(args.schemas)
    loaded = time.perf_counter() - started

    sources = []
    kinds: Counter[str] = Counter()
    for path in iter_cassette_paths([args.cassettes]):
        try:
            interactions = load_cassette(path).interactions
        except CassetteContractsError as exc:
            print(f"skipped: {exc}")
            continue
        for i in interactions:
            contract = contract_map.find(i.method, i.uri, i.status)
            kinds[contract.name if contract else "(no single contract)"] += 1
        if interactions:
            relative = path.relative_to(args.cassettes)
            sources.append((relative, path, path.read_bytes(), len(interactions)))
    if not sources:
        print(f"no cassette with interactions under {args.cassettes}: nothing to replicate")
        return 2
    size = sum(len(data) for _, _, data, _ in sources)
    print(
        f"source: {len(sources)} cassette(s), {sum(kinds.values())} interaction(s), "
        f"{size / 1e3:.0f} kB under {args.cassettes}"
    )
    for name, count in sorted(kinds.items()):
        print(f"  {count:4d}  {name}")
    print(f"contracts + schemas loaded in {loaded * 1e3:.0f} ms (once per run, not counted)")

    missed = False
    with tempfile.TemporaryDirectory(prefix="cassette-contracts-bench-") as scratch:
        copies, cache = Path(scratch) / "cassettes", Path(scratch) / "cache"
        total = _replicate(sources, copies, args.interactions)
        paths = iter_cassette_paths([copies])
        print(f"replicated: {len(paths)} files, {total} interactions, jobs={args.jobs or 'auto'}")
        for label, cache_dir, target in (
            ("cold", None, COLD_TARGET),
            ("fill", cache, None),
            ("warm", cache, WARM_TARGET),
        ):
            started = time.perf_counter()
            result = check(paths, contract_map, registry, cache_dir=cache_dir, jobs=args.jobs)
            elapsed = time.perf_counter() - started
            rate = result.interactions / elapsed
            verdict = ""
            if target is not None:
                verdict = f"  (target >= {target:,}: {'met' if rate >= target else 'MISSED'})"
                missed = missed or rate < target
            print(
                f"{label}: {result.interactions} payloads in {elapsed:.2f} s = {rate:,.0f} "
                f"payloads/s; {result.cached_files} file(s) from cache, "
                f"{len(result.violations)} violation(s), {len(result.errors)} input error(s)"
                f"{verdict}"
            )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
