"""Command line: ``cassette-contracts SUBCOMMAND ...``.

Exit codes: 0 every contract holds; 1 a contract is broken / breaking drift / fresh cassettes
not promoted because they do not hold; 2 usage or input error (one line per error on stderr,
or in the report, never a traceback); 3 could not record or promote (network, upstream fault,
killed or cut-off recording, disk full, another rerecord/drift running). Output into a closed
pipe ends quietly (exit 141, as a Unix tool killed by SIGPIPE).

``check``, ``scan``, ``rerecord`` and ``drift`` first finish or undo a promotion a killed
``rerecord`` left (:func:`._record.recover`).

Adding a subcommand: write ``add_arguments(parser)`` and ``handler(args, stdout, stderr) ->
int``, and register them with ``@subcommand("name", "help", add_arguments)`` on the handler.
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
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn, TextIO

from .errors import CassetteContractsError, UsageError

if TYPE_CHECKING:
    from ._config import Settings

__all__ = ["SUBCOMMANDS", "Subcommand", "main", "run", "subcommand"]

PROG = "cassette-contracts"

EXIT_CODES = (
    "Exit codes: 0 ok (all contracts hold, promoted, no breaking drift); 1 a contract is "
    "broken or drift breaks (nothing promoted); 2 usage or input error; 3 could not record or "
    "promote (network, upstream fault, disk full, another rerecord/drift running)."
)
#: Exit code when the reader of the output went away (a shell reports SIGPIPE so).
BROKEN_PIPE = 128 + signal.SIGPIPE

Handler = Callable[[argparse.Namespace, TextIO, TextIO], int]


@dataclass(frozen=True)
class Subcommand:
    """One subcommand: its help line, how it adds its options, and what runs it."""

    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    handler: Handler


SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(
    name: str, help: str, add_arguments: Callable[[argparse.ArgumentParser], None]
) -> Callable[[Handler], Handler]:
    """Register the decorated handler as subcommand ``name``."""

    def register(handler: Handler) -> Handler:
        if name in SUBCOMMANDS:
            raise ValueError(f"subcommand {name!r} is registered twice")
        SUBCOMMANDS[name] = Subcommand(help, add_arguments, handler)
        return handler

    return register


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
    """The parser with every registered subcommand.

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
    for name, command in SUBCOMMANDS.items():
        sub = commands.add_parser(
            name, help=command.help, description=command.help, epilog=EXIT_CODES
        )
        if everything or name == only:
            command.add_arguments(sub)
        sub.set_defaults(handler=command.handler)
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
    from ._rerecord import recover_interrupted

    said = recover_interrupted(settings)
    if said:
        stderr.write(f"note: {said}\n")


# --- check ------------------------------------------------------------------------------


def _check_arguments(parser: argparse.ArgumentParser) -> None:
    from ._report import FORMATS

    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="cassette files or folders to check (default: the cassettes folder)",
    )
    parser.add_argument("--cassettes", metavar="DIR", help="the cassettes folder")
    parser.add_argument(
        "--schemas", metavar="DIR", help="the schemas folder, holding contracts.toml"
    )
    parser.add_argument(
        "--format", choices=FORMATS, default="text", help="report format (default: text)"
    )
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


@subcommand("check", "Check recorded interactions against their contracts.", _check_arguments)
def _check(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ._cassette import iter_cassette_paths
    from ._check import check
    from ._config import load_settings
    from ._contracts import ContractMap
    from ._report import render
    from ._schemas import SchemaRegistry

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
    paths = iter_cassette_paths(args.paths or [settings.cassettes])
    contract_map = ContractMap.load(settings.contracts)
    registry = SchemaRegistry.load(settings.schemas)
    result = check(
        paths,
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
    parser.add_argument(
        "--accept-breaking",
        action="store_true",
        help="promote even with breaking drift (after reading the drift report)",
    )


@subcommand(
    "rerecord",
    "Re-record the cassettes from the live upstreams into staging; promote them only when "
    "the contracts hold and nothing breaks.",
    _rerecord_arguments,
)
def _rerecord(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ._config import load_settings
    from ._rerecord import rerecord

    settings = load_settings(cassettes=args.cassettes, schemas=args.schemas)
    outcome = rerecord(settings, only=args.only, accept_breaking=args.accept_breaking)
    (stderr if outcome.exit_code else stdout).write(outcome.summary())
    return outcome.exit_code


def _drift_arguments(parser: argparse.ArgumentParser) -> None:
    from ._drift import RENDERERS

    _recording_arguments(parser)
    parser.add_argument("--baseline", metavar="DIR", help="compare this cassette folder ...")
    parser.add_argument("--fresh", metavar="DIR", help="... with this one, offline")
    parser.add_argument(
        "--format", choices=list(RENDERERS), default="text", help="report format (default: text)"
    )
    parser.add_argument("--output", metavar="FILE", help="write the report here, not to stdout")


@subcommand(
    "drift",
    "Report what changed upstream, per endpoint: a fresh recording (never promoted) against "
    "the committed cassettes, or --baseline DIR against --fresh DIR.",
    _drift_arguments,
)
def _drift(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from pathlib import Path

    from ._config import load_settings
    from ._rerecord import drift

    outcome = drift(
        load_settings(cassettes=args.cassettes, schemas=args.schemas),
        baseline=Path(args.baseline) if args.baseline else None,
        fresh=Path(args.fresh) if args.fresh else None,
        fmt=args.format,
        only=args.only,
    )
    text = outcome.render()
    if args.output:
        from ._record import atomic_write_bytes

        atomic_write_bytes(Path(args.output), text.encode("utf-8"))
        stderr.write(f"drift: {outcome.report.summary()}; report written to {args.output}\n")
    else:
        stdout.write(text)
    for note in outcome.notes:
        stderr.write(f"note: {note}\n")
    return outcome.exit_code


def _scan_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="cassette files or folders to scan (default: the cassettes folder)",
    )


@subcommand(
    "scan",
    "Fail when a cassette holds a secret-looking value (token, bearer value, random key).",
    _scan_arguments,
)
def _scan(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ._config import load_settings
    from ._scrub import Scrubber, scan_report

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
    for finding in report.findings:
        stdout.write(f"{finding}\n")
    (stderr if report.findings else stdout).write(report.summary() + "\n")
    return 1 if report.findings else 0


# --- init (logic in _init.py) -----------------------------------------------------------


def _init_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="cassette files or folders to learn from (default: the cassettes folder)",
    )
    parser.add_argument(
        "--schemas", metavar="DIR", help="the schemas folder, where contracts.toml goes"
    )
    parser.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")
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


@subcommand(
    "init",
    "Infer contracts and JSON Schemas from the recorded cassettes (the first step of "
    "adopting cassette-contracts); existing contracts are left alone.",
    _init_arguments,
)
def _init(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ._init import run_init

    return run_init(
        args.paths,
        schemas=args.schemas,
        dry_run=args.dry_run,
        force=args.force,
        stdout=stdout,
        stderr=stderr,
        from_coverage=args.from_coverage,
    )


# --- coverage ---------------------------------------------------------------------------


def _coverage_arguments(parser: argparse.ArgumentParser) -> None:
    from ._coverage import FORMATS

    parser.add_argument(
        "--format", choices=FORMATS, default="text", help="report format (default: text)"
    )
    parser.add_argument(
        "--schemas", metavar="DIR", help="the schemas folder, holding contracts.toml"
    )


@subcommand(
    "coverage",
    "Fields the code read in the last test run against the fields each contract pins; "
    "exit 1 when code reads a field no contract pins.",
    _coverage_arguments,
)
def _coverage(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ._config import load_settings
    from ._coverage import ReadRecorder, coverage_report
    from ._session import pinned_by_contract

    settings = load_settings(schemas=args.schemas)
    reads = ReadRecorder.load_all(settings.coverage_dir)
    if reads.empty:
        raise UsageError(
            f"no contract coverage data in {settings.coverage_dir}: run the tests first "
            "(`make test`; tracking is on unless --no-contract-coverage)"
        )
    report = coverage_report(reads, pinned_by_contract(settings), root=settings.root)
    stdout.write(report.render(args.format).rstrip("\n") + "\n")
    return 0 if report.ok else 1


# --- audit ------------------------------------------------------------------------------


def _audit_arguments(parser: argparse.ArgumentParser) -> None:
    from ._audit import FORMATS

    parser.add_argument(
        "--format", choices=FORMATS, default="text", help="report format (default: text)"
    )
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


@subcommand(
    "audit",
    "Report, from the last replay run, interactions no test plays, cassettes no test loads, "
    "and cassettes older than max_age; exit 1 when the age policy fails. Never re-records.",
    _audit_arguments,
)
def _audit(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ._audit import audit, load_plays
    from ._config import load_settings

    settings = load_settings(
        cassettes=args.cassettes, max_age=args.max_age, max_age_policy=args.max_age_policy
    )
    report = audit(settings, load_plays(settings))
    stdout.write(report.render(args.format))
    return report.exit_code
