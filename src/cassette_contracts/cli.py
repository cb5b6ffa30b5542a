"""Command line: ``cassette-contracts SUBCOMMAND ...``.

Exit codes: 0 every contract holds; 1 a contract is broken / breaking drift / fresh cassettes
not promoted because they do not hold; 2 usage or input error (one line per error on stderr,
or in the report, never a traceback); 3 could not record or promote (network, upstream fault,
killed or cut-off recording, disk full, another rerecord/drift running). Output into a closed
pipe ends quietly (exit 141, as a Unix tool killed by SIGPIPE).

``check``, ``scan``, ``rerecord`` and ``drift`` first finish or undo a promotion a killed
``rerecord`` left (:func:`.recording.promote.recover`).

Adding a subcommand: write ``_NAME_arguments(parser)`` and ``_NAME(args, stdout, stderr) ->
int`` below, and add them in :func:`build_parser` (the one place that lists the subcommands).

Length: one job, the command line: each subcommand's options and a short handler that
calls its stage; none holds logic of its own.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn, TextIO

from .errors import CassetteContractsError, UsageError

if TYPE_CHECKING:
    from .settings import Settings

__all__ = ["build_parser", "main", "run"]

PROG = "cassette-contracts"

EXIT_CODES = (
    "Exit codes: 0 ok (all contracts hold, promoted, no breaking drift); 1 a contract is "
    "broken or drift breaks (nothing promoted); 2 usage or input error; 3 could not record or "
    "promote (network, upstream fault, disk full, another rerecord/drift running)."
)
#: Exit code when the reader of the output went away (a shell reports SIGPIPE so).
BROKEN_PIPE = 128 + signal.SIGPIPE


class _Parser(argparse.ArgumentParser):
    """argparse that raises UsageError instead of printing usage and exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cassette-contracts")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


class _Version(argparse.Action):
    """``--version``: the installed version, looked up only when asked (importlib.metadata
    costs a CLI start tens of milliseconds)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(
            option_strings,
            dest=argparse.SUPPRESS,
            default=argparse.SUPPRESS,
            nargs=0,
            help="show program's version number and exit",
        )

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> NoReturn:
        sys.stdout.write(f"{parser.prog} {_version()}\n")
        parser.exit()


def _named_command(argv: Sequence[str] | None) -> str | None:
    """The subcommand ``argv`` names (its first word that is not an option), or None."""
    words = sys.argv[1:] if argv is None else argv
    return next((word for word in words if not word.startswith("-")), None)


def build_parser(only: str | None = None, *, everything: bool = True) -> argparse.ArgumentParser:
    """The parser: every subcommand, its options and its handler, in one place.

    With ``everything=False`` only subcommand ``only`` gets its options (the others are listed
    with their help line but parse nothing): the command line then imports only what the
    command it runs needs (``--help`` nothing at all).
    """
    parser = _Parser(
        prog=PROG,
        description="Contract tests on recorded HTTP fixtures: vcrpy cassettes checked "
        "against JSON Schemas.",
        epilog=EXIT_CODES,
    )
    parser.add_argument("--version", action=_Version)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(
        name: str,
        text: str,
        add_arguments: Callable[[argparse.ArgumentParser], None],
        handler: Callable[[argparse.Namespace, TextIO, TextIO], int],
    ) -> None:
        sub = commands.add_parser(name, help=text, description=text, epilog=EXIT_CODES)
        if everything or name == only:
            add_arguments(sub)
        sub.set_defaults(handler=handler)

    add(
        "check",
        "Check recorded interactions against their contracts.",
        _check_arguments,
        _check,
    )
    add(
        "rerecord",
        "Re-record the cassettes from the live upstreams into staging; promote them only when"
        " the contracts hold and nothing breaks.",
        _rerecord_arguments,
        _rerecord,
    )
    add(
        "drift",
        "Report what changed upstream, per endpoint: a fresh recording (never promoted) "
        "against the committed cassettes, or --baseline DIR against --fresh DIR.",
        _drift_arguments,
        _drift,
    )
    add(
        "scan",
        "Fail when a cassette holds a secret-looking value (token, bearer value, random key).",
        _scan_arguments,
        _scan,
    )
    add(
        "init",
        "Infer contracts and JSON Schemas from the recorded cassettes (the first step of "
        "adopting cassette-contracts); existing contracts are left alone.",
        _init_arguments,
        _init,
    )
    add(
        "coverage",
        "Fields the code read in the last test run against the fields each contract pins; "
        "exit 1 when code reads a field no contract pins.",
        _coverage_arguments,
        _coverage,
    )
    add(
        "audit",
        "Report, from the last replay run, interactions no test plays, cassettes no test "
        "loads, and cassettes older than max_age; exit 1 when the age policy fails. Never re-"
        "records.",
        _audit_arguments,
        _audit,
    )
    return parser


def main(
    argv: Sequence[str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); returns the exit code."""
    stdout = stdout if stdout is not None else sys.stdout
    stderr = stderr if stderr is not None else sys.stderr
    try:
        with contextlib.redirect_stdout(stdout):  # where --help / --version print
            args = build_parser(_named_command(argv), everything=False).parse_args(argv)
        code: int = args.handler(args, stdout, stderr)
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else 0
    except CassetteContractsError as exc:
        print(f"{PROG}: error: {exc}", file=stderr)
        return exc.exit_code
    return code


class _Pieces(io.TextIOBase):
    """``stream`` written in pieces smaller than its buffer, so that a closed pipe raises
    BrokenPipeError: ``io.BufferedWriter`` cuts a larger write short without a word."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        for start in range(0, len(text), 4096):
            self._stream.write(text[start : start + 4096])
        return len(text)

    def flush(self) -> None:
        self._stream.flush()


def run() -> None:
    """Console script entry point. Output into a closed pipe (``... | head -1``) ends quietly."""
    try:
        code = main(stdout=_Pieces(sys.stdout))  # type: ignore[arg-type]  # write and flush
        sys.stdout.flush()
    except BrokenPipeError:
        # Python flushes stdout again at exit; point it at /dev/null so that flush is silent.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = BROKEN_PIPE
    sys.exit(code)


def _recover(settings: Settings, stderr: TextIO) -> None:
    """Finish or undo a promotion a killed run left in the cassettes folder (when no other
    run holds the lock: that one will), and say so on stderr."""
    from .recording.promote import recover_interrupted

    said = recover_interrupted(settings)
    if said:
        stderr.write(f"note: {said}\n")


def _paths_argument(parser: argparse.ArgumentParser, verb: str) -> None:
    """The positional cassette PATHs of check, scan and init: what the command does with them."""
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help=f"cassette files or folders to {verb} (default: the cassettes folder)",
    )


def _format_option(parser: argparse.ArgumentParser, what: str) -> None:
    """``--format``: one of the renderers' formats (every command offers them all)."""
    from .rendering import FORMATS

    parser.add_argument(
        "--format", choices=FORMATS, default="text", help=f"{what} format (default: text)"
    )


# --- check ------------------------------------------------------------------------------


def _check_arguments(parser: argparse.ArgumentParser) -> None:
    _paths_argument(parser, "check")
    parser.add_argument("--cassettes", metavar="DIR", help="the cassettes folder")
    parser.add_argument(
        "--schemas", metavar="DIR", help="the schemas folder, holding contracts.toml"
    )
    _format_option(parser, "report")
    parser.add_argument("--cache-dir", metavar="DIR", help="where results are cached")
    parser.add_argument(
        "--no-cache", action="store_true", help="check everything afresh, write no cache"
    )
    parser.add_argument(
        "--strict",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="an interaction without a contract is an error (--no-strict: a warning)",
    )
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        metavar="N",
        help="worker processes (default: one per CPU when there is enough to check)",
    )


def _check(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from .cassettes.discover import find_cassette_files, in_path_order
    from .rendering import render
    from .settings import load_settings

    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {args.jobs}")
    settings = load_settings(
        cassettes=args.cassettes,
        schemas=args.schemas,
        strict=args.strict,
        cache_dir=args.cache_dir,
    )
    if args.no_cache:
        settings = dataclasses.replace(settings, cache_dir=None)
    _recover(settings, stderr)
    found = find_cassette_files(args.paths or [settings.cassettes])
    result = None
    if settings.cache_dir is not None:  # nothing changed: the last answer, nothing loaded
        from .checking.cache import cached_run

        result = cached_run(found, settings.contracts, settings.schemas, settings.cache_dir)
    if result is None:
        from pathlib import Path

        from .checking.run import check
        from .contracts.mapping import ContractMap
        from .contracts.registry import SchemaRegistry

        contract_map = ContractMap.load(settings.contracts)
        registry = SchemaRegistry.load(settings.schemas, settings.cache_dir)
        result = check(
            [Path(name) for name in in_path_order(found)],
            contract_map,
            registry,
            cache_dir=settings.cache_dir,
            strict=settings.strict,
            jobs=args.jobs,
        )
    stdout.write(render(result, args.format))
    return result.exit_code


# --- rerecord, drift, scan (logic in _rerecord.py / _scrub.py) ---------------------------


def _recording_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--only", metavar="PATTERN", help="record only the tests pytest -k PATTERN selects"
    )
    parser.add_argument("--cassettes", metavar="DIR", help="the committed cassettes folder")
    parser.add_argument(
        "--schemas", metavar="DIR", help="the schemas folder, holding contracts.toml"
    )


def _rerecord_arguments(parser: argparse.ArgumentParser) -> None:
    _recording_arguments(parser)
    _format_option(parser, "output")
    parser.add_argument(
        "--accept-breaking",
        action="store_true",
        help="promote even with breaking drift (after reading the drift report)",
    )


def _rerecord(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from .recording.rerecord import rerecord
    from .settings import load_settings

    settings = load_settings(cassettes=args.cassettes, schemas=args.schemas)
    outcome = rerecord(settings, only=args.only, accept_breaking=args.accept_breaking)
    if args.format == "text":  # a failure's summary goes to stderr, as before
        (stderr if outcome.exit_code else stdout).write(outcome.summary())
    else:
        from .rendering import render

        stdout.write(render(outcome, args.format))
    return outcome.exit_code


def _drift_arguments(parser: argparse.ArgumentParser) -> None:
    _recording_arguments(parser)
    parser.add_argument("--baseline", metavar="DIR", help="compare this cassette folder ...")
    parser.add_argument("--fresh", metavar="DIR", help="... with this one, offline")
    _format_option(parser, "report")
    parser.add_argument("--output", metavar="FILE", help="write the report here, not to stdout")


def _drift(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from pathlib import Path

    from .drift.folders import drift
    from .settings import load_settings

    outcome = drift(
        load_settings(cassettes=args.cassettes, schemas=args.schemas),
        baseline=Path(args.baseline) if args.baseline else None,
        fresh=Path(args.fresh) if args.fresh else None,
        fmt=args.format,
        only=args.only,
    )
    text = outcome.render()
    if args.output:
        from .cassettes.atomic import atomic_write_bytes

        atomic_write_bytes(Path(args.output), text.encode("utf-8"))
        stderr.write(f"drift: {outcome.report.summary()}; report written to {args.output}\n")
    else:
        stdout.write(text)
    for note in outcome.notes:
        stderr.write(f"note: {note}\n")
    return outcome.exit_code


def _scan_arguments(parser: argparse.ArgumentParser) -> None:
    _format_option(parser, "report")
    _paths_argument(parser, "scan")


def _scan(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from .recording.scan import scan_report
    from .recording.scrub import Scrubber
    from .settings import load_settings

    paths = list(args.paths)
    allow: dict[str, str] = {}
    try:
        settings = load_settings()
    except CassetteContractsError:
        if not paths:
            raise
    else:
        _recover(settings, stderr)
        paths = paths or [settings.cassettes]
        allow = dict(settings.secrets_allow)
    report = scan_report(paths, secrets=Scrubber.from_environ(os.environ).secrets, allow=allow)
    if args.format == "text":  # the findings on stdout, the summary beside them or on stderr
        for finding in report.findings:
            stdout.write(f"{finding}\n")
        (stderr if report.findings else stdout).write(report.summary() + "\n")
    else:
        from .rendering import render

        stdout.write(render(report, args.format))
    return 1 if report.findings else 0


# --- init (logic in init/plan.py) -----------------------------------------------------------


def _init_arguments(parser: argparse.ArgumentParser) -> None:
    _paths_argument(parser, "learn from")
    parser.add_argument(
        "--schemas", metavar="DIR", help="the schemas folder, where contracts.toml goes"
    )
    parser.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")
    _format_option(parser, "output")
    parser.add_argument(
        "--from-coverage",
        action="store_true",
        help="pin only the JSON fields the code read in the last replay run (run pytest first)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="write contracts.toml and the schema files afresh, replacing what exists",
    )


def _init(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from .init.plan import run_init

    return run_init(
        args.paths,
        schemas=args.schemas,
        dry_run=args.dry_run,
        force=args.force,
        stdout=stdout,
        stderr=stderr,
        from_coverage=args.from_coverage,
        fmt=args.format,
    )


# --- coverage ---------------------------------------------------------------------------


def _coverage_arguments(parser: argparse.ArgumentParser) -> None:
    _format_option(parser, "report")
    parser.add_argument(
        "--schemas", metavar="DIR", help="the schemas folder, holding contracts.toml"
    )


def _coverage(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from .contracts.pins import pinned_by_contract
    from .coverage.reads import ReadRecorder
    from .coverage.report import coverage_report
    from .settings import load_settings

    settings = load_settings(schemas=args.schemas)
    reads = ReadRecorder.load_all(settings.coverage_dir)
    if reads.empty:
        raise UsageError(
            f"no contract coverage data in {settings.coverage_dir}: run the tests first "
            "(`pytest`; tracking is on unless --no-contract-coverage)"
        )
    report = coverage_report(reads, pinned_by_contract(settings), root=settings.root)
    stdout.write(report.render(args.format).rstrip("\n") + "\n")
    return 0 if report.ok else 1


# --- audit ------------------------------------------------------------------------------


def _audit_arguments(parser: argparse.ArgumentParser) -> None:
    _format_option(parser, "report")
    parser.add_argument("--cassettes", metavar="DIR", help="the cassettes folder")
    parser.add_argument(
        "--max-age",
        metavar="AGE",
        help="a cassette recorded longer ago is reported, e.g. 180d, 26w, 36h "
        "(default: [tool.cassette_contracts] max_age)",
    )
    parser.add_argument(
        "--max-age-policy",
        choices=("warn", "fail"),
        help="fail: exit 1 when a cassette is older than max_age (default: "
        "[tool.cassette_contracts] max_age_policy, else warn)",
    )


def _audit(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from .lifecycle.audit import audit, load_plays
    from .settings import load_settings

    settings = load_settings(
        cassettes=args.cassettes, max_age=args.max_age, max_age_policy=args.max_age_policy
    )
    report = audit(settings, load_plays(settings))
    stdout.write(report.render(args.format))
    return report.exit_code
