"""What contracts cost a test suite and the CLI, in one run (issue 13): ratios, not seconds.

Builds, in a temporary folder, from this repository's committed real cassettes and schemas:

- a 200-test suite, each test ``@pytest.mark.vcr`` with its own one-interaction cassette of the
  ``github.user`` contract (``cassettes/github/user_jacquev6.yaml``), the same 200 tests written
  without HTTP (a fixture file + ``json.loads``) and with ``responses``;
- one test replaying one interaction from a 5,000-interaction cassette
  (``cassettes/jsonplaceholder/user_1.yaml`` repeated);
- many small cassettes (the committed one-interaction cassettes, copied) and one
  10,000-interaction cassette, for ``cassette-contracts check`` throughput;
- a "requests only" virtualenv: this one's site-packages linked entry by entry, without
  aiohttp, httpx and their dependencies (``NOT_IN_A_REQUESTS_PROJECT``), where the plain and
  plugin suites run again: vcrpy imports every installed HTTP client on its first cassette,
  so the first replaying test is measured as a requests-only project sees it too.

Every figure is a subprocess run of this virtualenv's Python. Machines are noisy, so suites are
run in rounds, every variant once per round in rotated order, and compared as ratios of
medians taken in the same run; two-way comparisons (plugin vs plain on the big cassette, the
CLI against ``--against REV``) alternate A/B pairs. The ratios that decide a target (plugin
on / plain pytest-recording serial and at ``-n 2``, a suite that replays nothing with the
plugin loaded / not, now / ``--against``) are also given as the median of per-pair ratios,
wall and CPU, with their quartiles, over the table's rounds plus extra back-to-back pairs
(four times the rounds for the cheap suites that replay nothing). Peak memory is the child's
``ru_maxrss``.

``--against REV`` adds the plugin-on suite and the CLI rows as they are at git revision REV
(its ``src/`` exported and put first on ``PYTHONPATH``), measured in the same rounds: a before /
after comparison free of run-to-run drift. ``--profile`` prints where the plugin-on suite
spends its time beyond plain pytest-recording (cProfile, cumulative).

Every child keeps its compiled modules in the workspace (``PYTHONPYCACHEPREFIX``; the warm-up
runs fill it), as an installed environment does, even when ``PYTHONDONTWRITEBYTECODE`` is set:
pytest rewrites the asserts of a plugin's modules, and without a cache it parses and compiles
them again in every run. ``--no-bytecode-cache`` leaves the environment's setting.

Usage: ``.venv/bin/python tools/bench_suite.py [--quick] [--rounds N] [--against REV]
[--profile] [--no-bytecode-cache]``. A benchmark, not a test: it reports, it does not fail on
targets; exit status 1 only when a run it times fails.
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
#: Where the timed children keep compiled modules (``PYTHONPYCACHEPREFIX``, below the bench's
#: workspace), so every run after the warm-up imports bytecode as an installed package does,
#: pytest's assertion-rewritten plugin modules included; None with ``--no-bytecode-cache``
#: (the environment's own setting: with ``PYTHONDONTWRITEBYTECODE`` every run compiles).
BYTECODE: Path | None = None
PYTHON = sys.executable
TESTS = 200
USER_CASSETTE = ROOT / "cassettes" / "github" / "user_jacquev6.yaml"  # github.user
BIG_SOURCE = ROOT / "cassettes" / "jsonplaceholder" / "user_1.yaml"  # jsonplaceholder.user
USER_URL = "https://api.github.com/users/jacquev6"
BIG_URL = "https://jsonplaceholder.typicode.com/users/1"
CLI = (
    "import sys; from cassette_contracts.cli import run; sys.argv[0] = 'cassette-contracts'; run()"
)

PYPROJECT = """\
[tool.pytest.ini_options]
addopts = ["-p", "no:cacheprovider", "--record-mode=none"]

[tool.cassette_contracts]
cassettes = "tests/cassettes"
schemas = "schemas"
"""

# Per-test durations (setup + call + teardown) of a serial run, in run order, for the
# first-test and big-cassette figures. Every variant carries it, so it costs all alike.
CONFTEST = """\
import json
import os

_TIMES = {}


def pytest_runtest_logreport(report):
    _TIMES[report.nodeid] = _TIMES.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session):
    out = os.environ.get("BENCH_TIMES")
    if out and not hasattr(session.config, "workerinput"):
        with open(out, "w", encoding="utf-8") as handle:
            json.dump(list(_TIMES.items()), handle)
"""

HEADER = """\
import json
from pathlib import Path

import pytest
import requests
import responses

URL = {url!r}
HEADERS = {{"Accept": "application/vnd.github+json"}}
FIXTURES = Path(__file__).parent / "fixtures"
"""

REPLAY_TEST = """

@pytest.mark.vcr
def test_user_{i:03d}():
    assert requests.get(URL, headers=HEADERS, timeout=10).json()["login"] == "jacquev6"
"""

NOHTTP_TEST = """

def test_user_{i:03d}():
    payload = json.loads((FIXTURES / "user_{i:03d}.json").read_text(encoding="utf-8"))
    assert payload["login"] == "jacquev6"
"""

RESPONSES_TEST = """

@responses.activate
def test_user_{i:03d}():
    body = (FIXTURES / "user_{i:03d}.json").read_text(encoding="utf-8")
    responses.add(responses.GET, URL, body=body, content_type="application/json")
    assert requests.get(URL, headers=HEADERS, timeout=10).json()["login"] == "jacquev6"
"""

BIG_TEST = """

@pytest.mark.vcr
def test_big():
    assert requests.get(URL, timeout=10).json()["id"] == 1
"""


# -- building the workspace -------------------------------------------------------------------


def _split(path: Path) -> tuple[str, str, str]:
    """(head up to and with ``interactions:``, the interaction items, the rest) of a cassette."""
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition("interactions:\n")
    items, marker, tail = rest.partition("\nmetadata:")
    return head + "interactions:\n", items.rstrip("\n") + "\n", marker.lstrip("\n") + tail


def _repeated(source: Path, count: int, target: Path, *, metadata: bool = True) -> None:
    """``source``'s interactions ``count`` times in one cassette (text, no YAML round trip).

    Without ``metadata`` the copy is what plain pytest-recording 0.14 can load: it fails on
    vcrpy 9.4's ``metadata`` block (the plugin's persister reads both).
    """
    head, items, tail = _split(source)
    with target.open("w", encoding="utf-8") as out:
        out.write(head)
        for _ in range(count):
            out.write(items)
        if metadata:
            out.write(tail)


def _small_sources() -> list[tuple[Path, bytes]]:
    """The committed one-interaction cassettes (the multi-page one is not small)."""
    found = []
    for path in sorted((ROOT / "cassettes").rglob("*.yaml")):
        data = path.read_bytes()
        if data.count(b"\n- request:") == 1:
            found.append((path.relative_to(ROOT / "cassettes"), data))
    return found


def build(workspace: Path, interactions: int) -> dict[str, Path]:
    suite = workspace / "suite"
    tests = suite / "tests"
    (tests / "fixtures").mkdir(parents=True)
    shutil.copytree(ROOT / "schemas", suite / "schemas")
    (suite / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (suite / "conftest.py").write_text(CONFTEST, encoding="utf-8")

    payload = yaml.safe_load(USER_CASSETTE.read_text(encoding="utf-8"))
    body = payload["interactions"][0]["response"]["body"]["string"]
    replay = tests / "cassettes" / "test_replay"
    replay.mkdir(parents=True)
    modules = {"test_replay.py": REPLAY_TEST, "test_nohttp.py": NOHTTP_TEST}
    modules["test_responses.py"] = RESPONSES_TEST
    for name, template in modules.items():
        code = HEADER.format(url=USER_URL) + "".join(template.format(i=i) for i in range(TESTS))
        (tests / name).write_text(code, encoding="utf-8")
    for i in range(TESTS):
        _repeated(USER_CASSETTE, 1, replay / f"test_user_{i:03d}.yaml", metadata=False)
        (tests / "fixtures" / f"user_{i:03d}.json").write_text(body, encoding="utf-8")

    (tests / "test_big.py").write_text(HEADER.format(url=BIG_URL) + BIG_TEST, encoding="utf-8")
    (tests / "cassettes" / "test_big").mkdir()
    _repeated(BIG_SOURCE, 5_000, tests / "cassettes" / "test_big" / "test_big.yaml", metadata=False)

    many = workspace / "many"
    sources, total, copy = _small_sources(), 0, 0
    while total < interactions:
        for relative, data in sources:  # a trailing comment: no two files share a cache key
            destination = many / f"copy-{copy:04d}" / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(data + f"\n# bench copy {copy}\n".encode())
            total += 1
        copy += 1
    big = workspace / "big.yaml"
    _repeated(USER_CASSETTE, 10_000, big)
    return {"suite": suite, "many": many, "many_count": Path(str(total)), "big": big}


#: What a project that talks HTTP through requests alone would not have installed: the other
#: clients this virtualenv holds for the test suite (vcrpy imports every installed client it
#: can patch when it is first imported: aiohttp's import alone is ~0.1 s), their own
#: dependencies, and anyio's pytest plugin.
NOT_IN_A_REQUESTS_PROJECT = (
    "aiohttp",
    "aiohappyeyeballs",
    "aiosignal",
    "frozenlist",
    "multidict",
    "propcache",
    "yarl",
    "httpx",
    "httpcore",
    "h11",
    "anyio",
    "sniffio",
)


def requests_only_python(workspace: Path) -> str:
    """The Python of a virtualenv holding this one's packages but those of
    NOT_IN_A_REQUESTS_PROJECT (each entry of site-packages linked, nothing copied or
    downloaded): the environment of a project whose client uses requests alone."""
    import sysconfig
    import venv

    target = workspace / "requests-only"
    venv.create(target, with_pip=False, symlinks=True)
    python = target / "bin" / "python"
    inside = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = Path(sysconfig.get_paths()["purelib"])
    hidden = set(NOT_IN_A_REQUESTS_PROJECT)
    for entry in ours.iterdir():
        project = entry.name.split("-")[0].split(".")[0].lower()
        if project not in hidden:
            (Path(inside) / entry.name).symlink_to(entry)
    return str(python)


def export_src(rev: str, workspace: Path) -> Path:
    """``src/`` of git revision ``rev``, written below ``workspace``."""
    target = workspace / f"src-{rev.replace('/', '_')}"
    target.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "src"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target / "src"


# -- running ----------------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    cpu: float  # user + system seconds of the child and the children it waited for
    maxrss_mib: float
    times: list[tuple[str, float]] = field(default_factory=list)


@dataclass
class Variant:
    name: str
    argv: list[str]
    cwd: Path
    pythonpath: Path | None = None
    python: str = PYTHON
    runs: list[Run] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(run.seconds for run in self.runs)

    @property
    def median_cpu(self) -> float:
        return statistics.median(run.cpu for run in self.runs)


def run(variant: Variant, scratch: Path) -> Run:
    """One timed subprocess run; SystemExit when it fails."""
    env = dict(os.environ)
    times = scratch / "times.json"
    times.unlink(missing_ok=True)
    env["BENCH_TIMES"] = str(times)
    env.pop("PYTHONPATH", None)
    if BYTECODE is not None:  # compiled modules kept, as in any installed environment
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(BYTECODE)
    if variant.pythonpath is not None:
        env["PYTHONPATH"] = str(variant.pythonpath)
    log = scratch / "output.txt"
    with log.open("wb") as out:
        started = time.perf_counter()
        child = subprocess.Popen(
            [variant.python, *variant.argv], cwd=variant.cwd, env=env, stdout=out, stderr=out
        )
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise SystemExit(f"{variant.name}: exit {child.returncode}\n{tail}")
    recorded = json.loads(times.read_text(encoding="utf-8")) if times.exists() else []
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, cpu, usage.ru_maxrss / 1024, [(n, float(t)) for n, t in recorded])


def rounds(
    variants: Sequence[Variant], count: int, scratch: Path, label: str, *, warm_up: bool = True
) -> None:
    """One untimed warm-up each (unless not ``warm_up``), then ``count`` rounds, rotated."""
    for variant in variants if warm_up else ():
        run(variant, scratch)
    for index in range(count):
        shift = index % len(variants)
        for variant in [*variants[shift:], *variants[:shift]]:
            variant.runs.append(run(variant, scratch))
        print(f"  {label}: round {index + 1}/{count} done", file=sys.stderr, flush=True)


Pairs = list[tuple[Run, Run]]


def pairs(
    first: Variant, second: Variant, table: int, more: int, scratch: Path, label: str = ""
) -> Pairs:
    """The table's ``table`` rounds as (first, second) pairs, then ``more`` A/B pairs run back
    to back, alternating which runs first (their runs count in the variants' medians too)."""
    matched = list(zip(first.runs[:table], second.runs[:table], strict=True))
    for index in range(more):
        order = (first, second) if index % 2 == 0 else (second, first)
        done = {id(variant): run(variant, scratch) for variant in order}
        first.runs.append(done[id(first)])
        second.runs.append(done[id(second)])
        matched.append((done[id(first)], done[id(second)]))
    if more:
        print(f"  {label}: {more} more pairs done", file=sys.stderr, flush=True)
    return matched


def paired_ratio(matched: Pairs) -> str:
    """Medians (and quartiles) of the per-pair ``first / second`` ratios, wall and CPU.

    The two runs of a pair are taken together, so a slow stretch of a busy machine slows both:
    the ratio of each pair is steadier than the ratio of two medians.
    """

    def spread(values: list[float]) -> str:
        if len(values) < 4:
            return f"{statistics.median(values):.3f}"
        low, _, high = statistics.quantiles(values, n=4)
        return f"{statistics.median(values):.3f} (quartiles {low:.3f}-{high:.3f})"

    walls = [a.seconds / b.seconds for a, b in matched]
    cpus = [a.cpu / b.cpu for a, b in matched]
    return f"wall {spread(walls)}, CPU {spread(cpus)}; {len(matched)} pairs"


def pytest_argv(module: str, *options: str) -> list[str]:
    return ["-m", "pytest", "-q", f"tests/{module}", *options]


def first_vs_rest(variant: Variant) -> tuple[float, float]:
    """Median over runs of (first test's time, median of the other tests' times), in ms."""
    firsts, rests = [], []
    for each in variant.runs:
        durations = [t for _, t in each.times]
        firsts.append(durations[0])
        rests.append(statistics.median(durations[1:]))
    return 1e3 * statistics.median(firsts), 1e3 * statistics.median(rests)


def test_time(variant: Variant, test: str) -> float:
    """Median over runs of one test's time (setup + call + teardown), in seconds."""
    return statistics.median(dict(each.times)[test] for each in variant.runs)


# -- the table --------------------------------------------------------------------------------


def table(rows: list[tuple[str, ...]], headers: tuple[str, ...]) -> str:
    """A Markdown table: the first column left-aligned, the figures right-aligned."""
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        padded = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join("-" * (w + 2) if i == 0 else "-" * (w + 1) + ":" for i, w in enumerate(widths))
        + "|"
    )
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def suite_section(paths: dict[str, Path], count: int, scratch: Path, old: Path | None) -> str:
    suite = paths["suite"]

    def variant(name: str, *options: str, module: str = "test_replay.py") -> Variant:
        return Variant(name, pytest_argv(module, *options), suite)

    off = ("-p", "no:cassette_contracts")
    nohttp = variant("no HTTP (fixture file + json.loads)", module="test_nohttp.py")
    nohttp_off = variant("no HTTP, plugin not loaded", *off, module="test_nohttp.py")
    resp = variant("responses", module="test_responses.py")
    plain = variant("plain pytest-recording (-p no:cassette_contracts)", *off)
    plugin = variant("plugin on (default)")
    nocov = variant("plugin, --no-contract-coverage", "--no-contract-coverage")
    nocon = variant("plugin, --no-contracts", "--no-contracts")
    plain2 = variant("plain pytest-recording, -n 2", *off, "-n", "2")
    plugin2 = variant("plugin on, -n 2", "-n", "2")
    lean = str(paths["requests-only"])  # its Python
    plain_lean = Variant("plain pytest-recording, requests only", plain.argv, suite, python=lean)
    plugin_lean = Variant("plugin on, requests only", plugin.argv, suite, python=lean)
    variants = [nohttp, nohttp_off, resp, plain, plugin, nocov, nocon, plain2, plugin2]
    variants += [plain_lean, plugin_lean]
    plugin_old = Variant("plugin on, at --against", plugin.argv, suite, old)
    plugin2_old = Variant("plugin on, -n 2, at --against", plugin2.argv, suite, old)
    if old is not None:
        variants += [plugin_old, plugin2_old]
    rounds(variants, count, scratch, "200-test suites")
    # The ratios that decide a target get more pairs than the table's rounds: the suites that
    # replay nothing are cheap and differ little, so they get the most.
    parallel = pairs(plugin2, plain2, count, count, scratch, "plugin on / plain, -n 2")
    against_lines = []
    if old is not None:
        against2 = pairs(plugin2, plugin2_old, count, 0, scratch)
        behind = pairs(plugin_old, plain, count, 0, scratch)
        against = pairs(plugin, plugin_old, count, count, scratch, "now / at --against")
        against_lines = [
            f"- plugin on, now / at --against: {paired_ratio(against)}",
            f"- plugin on, -n 2, now / at --against: {paired_ratio(against2)}",
            f"- plugin on at --against / plain, serial: {paired_ratio(behind)}",
        ]
    nothing = pairs(nohttp, nohttp_off, count, 4 * count, scratch, "replaying nothing")
    serial_pairs = pairs(plugin, plain, count, count, scratch, "plugin on / plain")

    rows = [
        (
            v.name,
            f"{v.median:.2f}",
            f"{v.median / nohttp.median:.2f}",
            f"{v.median / plain.median:.2f}",
            f"{v.median_cpu:.2f}",
            f"{v.median_cpu / nohttp.median_cpu:.2f}",
            f"{v.median_cpu / plain.median_cpu:.2f}",
            f"{max(r.maxrss_mib for r in v.runs):.0f}",
        )
        for v in variants
    ]
    headers = ("suite", "wall s", "/ no HTTP", "/ plain", "CPU s", "CPU / no HTTP", "CPU / plain")
    out = [
        f"## 200-test replay suite ({count} rounds; medians; RSS: peak of the pytest process)",
        "",
        table(rows, (*headers, "RSS MiB")),
        "",
        "CPU: user + system seconds of pytest and its xdist workers (steadier than wall on a "
        "busy machine; at -n 2 it adds both workers up)",
        "",
        "The ratios that decide a target, as medians of per-pair ratios (each pair run back to "
        "back, in alternating order; the table's rounds count as pairs too):",
        f"- plugin on / plain pytest-recording, serial: {paired_ratio(serial_pairs)}",
        f"- a suite that replays nothing, plugin loaded / not loaded: {paired_ratio(nothing)}",
        f"- plugin on, -n 2 / plain, -n 2: {paired_ratio(parallel)}",
        *against_lines,
        "",
    ]
    serial = [plain, plugin, *([plugin_old] if old is not None else []), plain_lean, plugin_lean]
    first_rest = {id(v): first_vs_rest(v) for v in serial}
    for v in serial:
        first, rest = first_rest[id(v)]
        out.append(
            f"first replaying test vs the others, {v.name}: {first:.1f} ms vs {rest:.2f} ms "
            f"(+{first - rest:.1f} ms)"
        )
    for mine, theirs, where in (
        (plugin, plain, "this virtualenv"),
        (plugin_lean, plain_lean, "requests only"),
    ):
        plain_first, plugin_first = first_rest[id(theirs)][0], first_rest[id(mine)][0]
        out.append(
            f"the plugin's own share of the first replaying test, {where}: "
            f"{plugin_first - plain_first:+.1f} ms over plain pytest-recording's first test "
            "(whose extra is vcrpy's and the client's imports)"
        )
    out.append(
        "requests only: this virtualenv without "
        f"{', '.join(NOT_IN_A_REQUESTS_PROJECT)} (vcrpy imports every installed HTTP client "
        "it can patch on its first cassette; aiohttp is most of plain pytest-recording's first "
        "test here)"
    )
    return "\n".join(out)


def big_section(paths: dict[str, Path], count: int, scratch: Path, old: Path | None) -> str:
    suite = paths["suite"]
    name = "tests/test_big.py::test_big"
    plain = Variant(
        "plain pytest-recording", pytest_argv("test_big.py", "-p", "no:cassette_contracts"), suite
    )
    plugin = Variant("plugin on", pytest_argv("test_big.py"), suite)
    variants = [plain, plugin]
    if old is not None:
        variants.append(Variant("plugin on, at --against", plugin.argv, suite, old))
    rounds(variants, count, scratch, "5,000-interaction cassette", warm_up=False)
    base = test_time(plain, name)
    rows = [
        (
            v.name,
            f"{test_time(v, name):.2f}",
            f"{test_time(v, name) / base:.2f}",
            f"{v.median:.2f}",
            f"{v.median_cpu:.2f}",
            f"{v.median_cpu / plain.median_cpu:.2f}",
            f"{max(r.maxrss_mib for r in v.runs):.0f}",
        )
        for v in variants
    ]
    headers = ("suite", "test s", "/ plain", "wall s", "CPU s", "CPU / plain", "RSS MiB")
    return "\n".join(
        [
            f"## one test replaying 1 interaction of a 5,000-interaction cassette ({count} rounds)",
            "",
            table(rows, headers),
            "",
            "test s: the test's setup + call + teardown (vcrpy loads the cassette in setup)",
        ]
    )


def cli_section(paths: dict[str, Path], count: int, scratch: Path, old: Path | None) -> Variant:
    suite = paths["suite"]
    one = "tests/cassettes/test_replay/test_user_000.yaml"
    check_one = Variant("check one cassette", ["-c", CLI, "check", "--no-cache", one], suite)
    # `check` imports the checker (hence jsonschema) before `contracts.registry`: what it costs
    # when the registry comes first, as in the plugin, which is where jsonschema's import is
    # trimmed.
    schemas_first = Variant(
        "check one cassette, contracts.registry imported first",
        ["-c", f"import cassette_contracts.contracts.registry; {CLI}", *check_one.argv[2:]],
        suite,
    )
    variants = [
        Variant("cassette-contracts --help", ["-c", CLI, "--help"], suite),
        check_one,
        schemas_first,
        Variant("python -c pass (interpreter floor)", ["-c", "pass"], suite),
    ]
    if old is not None:
        variants.insert(1, Variant("--help, at --against", variants[0].argv, suite, old))
        variants.insert(3, Variant("check one cassette, at --against", check_one.argv, suite, old))
    rounds(variants, count, scratch, "CLI start")
    rows = [
        (
            v.name,
            f"{1e3 * v.median:.0f}",
            f"{1e3 * v.median_cpu:.0f}",
            f"{max(r.maxrss_mib for r in v.runs):.0f}",
        )
        for v in variants
    ]
    check_one.name = "\n".join(
        [
            f"## CLI start ({count} rounds, medians)",
            "",
            table(rows, ("command", "wall ms", "CPU ms", "RSS MiB")),
        ]
    )
    return check_one


def _rate(payloads: int, seconds: float, whole: float) -> str:
    """Payloads per second, unless start-up is most of the run."""
    return f"{payloads / seconds:,.0f}" if seconds > 0.2 * whole else "(start)"


def throughput_section(
    paths: dict[str, Path],
    scratch: Path,
    start: Variant,
    old: Path | None,
    warm_runs: int,
    cold_runs: int,
) -> str:
    many, big = paths["many"], paths["big"]
    many_count = int(str(paths["many_count"]))
    files = sum(1 for _ in many.rglob("*.yaml"))
    rows = []
    sources = [("", None)] + ([(", at --against", old)] if old is not None else [])
    for label, target, payloads in (
        (f"{files} small files", many, many_count),
        (f"one 10,000-interaction cassette ({big.stat().st_size / 1e6:.0f} MB)", big, 10_000),
    ):
        variants: dict[tuple[str, str], Variant] = {}
        caches: dict[str, Path] = {}
        for suffix, pythonpath in sources:
            cache = caches[suffix] = (
                scratch / f"cache-{target.name}{'-against' if pythonpath else ''}"
            )
            argv = ["-c", CLI, "check", "-j", "1", "--format", "json", "--cache-dir", str(cache)]
            for mode in ("cold", "warm"):
                name = f"check {mode} {label}{suffix}"
                variants[mode, suffix] = Variant(
                    name, [*argv, str(target)], paths["suite"], pythonpath
                )
        # cold: an empty cache, filled by the run (the sources alternate, the first one first
        # in every other round); warm: the cache the last cold run filled, again
        for index in range(cold_runs):
            for suffix, _ in sources[:: 1 if index % 2 == 0 else -1]:
                shutil.rmtree(caches[suffix], ignore_errors=True)
                cold = variants["cold", suffix]
                cold.runs.append(run(cold, scratch))
        for suffix, _ in sources:
            warm = variants["warm", suffix]
            warm.runs = [run(warm, scratch) for _ in range(warm_runs)]
        for suffix, _ in sources:
            for mode in ("cold", "warm"):
                variant = variants[mode, suffix]
                seconds, cpu = variant.median, variant.median_cpu
                net, cpu_net = seconds - start.median, cpu - start.median_cpu
                rows.append(
                    (
                        f"{mode}, {label}{suffix}",
                        f"{seconds:.2f}",
                        f"{payloads / seconds:,.0f}",
                        _rate(payloads, net, seconds),
                        _rate(payloads, cpu_net, cpu),
                        f"{max(r.maxrss_mib for r in variant.runs):.0f}",
                    )
                )
    headers = ("run", "wall s", "payloads/s", "net of start", "per CPU s, net", "RSS MiB")
    return "\n".join(
        [
            "## cassette-contracts check -j 1 (one core): throughput and peak memory",
            "",
            table(rows, headers),
            "",
            f"cold: an empty cache, filled by the run, median of {cold_runs} runs (with "
            "--against, alternating which goes first); warm: the same cache again, median of "
            f"{warm_runs} runs. net of start: payloads / (wall, or CPU, - the median of `check` on "
            "one cassette); (start): the run is mostly start-up, no meaningful rate",
        ]
    )


# Frames that enclose everything (the runner, pluggy, the import system): no cost of their own.
_ENCLOSING = (
    "_pytest",
    "pytest/__main__",
    "contextlib",
    "builtins.next",
    "pluggy",
    "<frozen",
    "runpy",
    "cProfile",
    "xdist",
    "{built-in method builtins.exec}",
)


def profile_section(paths: dict[str, Path], scratch: Path, limit: int = 20) -> str:
    """cProfile of the plain and the plugin-on suite: where the plugin's extra time goes."""
    out = ["## profile: 200-test suite, plugin on vs plain pytest-recording (cProfile)", ""]
    cumulative: dict[str, dict[tuple[str, int, str], tuple[int, float]]] = {}
    for name, options in (("plain", ["-p", "no:cassette_contracts"]), ("plugin", [])):
        profile = scratch / f"{name}.prof"
        argv = ["-m", "cProfile", "-o", str(profile), *pytest_argv("test_replay.py", *options)]
        result = run(Variant(f"profile {name}", argv, paths["suite"]), scratch)
        raw = pstats.Stats(str(profile)).stats  # type: ignore[attr-defined]
        cumulative[name] = {key: (value[1], value[3]) for key, value in raw.items()}
        out.append(f"{name}: {result.seconds:.2f} s wall under cProfile")

    def label(key: tuple[str, int, str]) -> str:
        filename, line, function = key
        for marker in ("site-packages/", "src/"):
            filename = filename.split(marker)[-1]
        return f"{filename}:{line} {function}" if line else function

    plain, plugin = cumulative["plain"], cumulative["plugin"]
    own = sorted(
        (
            (cum, calls, key)
            for key, (calls, cum) in plugin.items()
            if "cassette_contracts" in key[0]
        ),
        reverse=True,
    )
    out += ["", "the plugin's own functions, plugin-on run:", "cumulative s | calls | function"]
    out += [f"{cum:12.3f} | {calls:5d} | {label(key)}" for cum, calls, key in own[:limit]]
    extra = sorted(
        (
            (cum - plain.get(key, (0, 0.0))[1], calls - plain.get(key, (0, 0.0))[0], key)
            for key, (calls, cum) in plugin.items()
            if not any(marker in key[0] or marker in key[2] for marker in _ENCLOSING)
            and "cassette_contracts" not in key[0]
        ),
        reverse=True,
    )
    out += ["", "library functions, cumulative s more than in the plain run:"]
    out += ["extra s | extra calls | function"]
    out += [f"{cum:7.3f} | {calls:11d} | {label(key)}" for cum, calls, key in extra[:limit]]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, fewer payloads")
    parser.add_argument("--rounds", type=int, default=None, help="suite rounds (default 4)")
    parser.add_argument("--against", metavar="REV", help="also measure git revision REV's src/")
    parser.add_argument("--profile", action="store_true", help="add a cProfile breakdown")
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="leave PYTHONDONTWRITEBYTECODE as the environment has it (default: the children "
        "keep compiled modules in the bench's workspace)",
    )
    args = parser.parse_args(argv)
    global BYTECODE
    count = args.rounds or (2 if args.quick else 4)
    interactions = 3_000 if args.quick else 10_000
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cassette-contracts-bench-") as folder:
        workspace = Path(folder)
        paths = build(workspace, interactions)
        paths["requests-only"] = Path(requests_only_python(workspace))
        old = export_src(args.against, workspace) if args.against else None
        scratch = workspace / "scratch"
        scratch.mkdir()
        BYTECODE = None if args.no_bytecode_cache else workspace / "pycache"
        bytecode = "no bytecode cache" if BYTECODE is None else "bytecode cached"
        sections = [
            f"# cassette-contracts bench: python {sys.version.split()[0]}, "
            f"{os.cpu_count()} CPU(s), {bytecode}"
            f"{f', --against {args.against}' if old else ''}"
        ]
        start = cli_section(paths, max(count * 2, 4), scratch, old)
        sections.append(start.name)
        sections.append(suite_section(paths, count, scratch, old))
        sections.append(big_section(paths, 1 if args.quick else 2, scratch, old))
        sections.append(
            throughput_section(
                paths, scratch, start, old, warm_runs=3, cold_runs=1 if args.quick else 3
            )
        )
        if args.profile:
            sections.append(profile_section(paths, scratch))
    sections.append(f"(bench ran {time.perf_counter() - started:.0f} s)")
    print("\n\n".join(sections))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
