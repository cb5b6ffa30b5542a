"""Errors raised by cassette-contracts, and the record of a broken contract.

The tree::

    CassetteContractsError            base of everything raised here
    ├── UsageError                    bad command line or [tool.cassette_contracts] setting (exit 2)
    ├── RecordingFailed               could not record or promote: upstream fault, killed or
    │                                 truncated recording, disk full, another run holds the
    │                                 lock (exit 3)
    └── InputError                    an input file cannot be used as it is (exit 2)
        ├── CassetteError             cassette unreadable, malformed, or a body undecodable
        ├── SchemaError               schema file not JSON, not valid 2020-12, or a $ref that
        │                             does not resolve
        └── ContractMapError          contracts.toml malformed, or an interaction matches more
            │                         than one contract
            └── NoContractError       an interaction matches no contract (a warning only when
                                      strict = false)

A broken contract is not an exception: it is data, a `Violation`, collected by the checker
(exit 1) and rendered by the reports or, via `Violation.format()`, by the pytest plugin.

Interaction numbers are 0-based indices into the cassette's ``interactions:`` list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

__all__ = [
    "CassetteContractsError",
    "CassetteError",
    "ContractMapError",
    "InputError",
    "NoContractError",
    "RecordingFailed",
    "SchemaError",
    "UsageError",
    "Violation",
]


def display_path(path: str | PathLike[str]) -> str:
    """``path`` relative to the working folder when it lies below it, else as given."""
    p = Path(path)
    if p.is_absolute():
        try:
            return p.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return p.as_posix()
    return p.as_posix()


class CassetteContractsError(Exception):
    """Base of every error cassette-contracts raises on purpose."""

    exit_code = 2


class UsageError(CassetteContractsError):
    """Raised for a bad command line or an unknown / mistyped setting; names what is allowed."""


class RecordingFailed(CassetteContractsError):
    """Raised when fresh cassettes could not be recorded or promoted (exit 3): the upstream
    failed, the recording was killed or cut off, the disk is full, or another ``rerecord`` /
    ``drift`` holds the lock. Nothing committed has changed."""

    exit_code = 3


class InputError(CassetteContractsError):
    """Raised when an input file (cassette, schema, contracts.toml) cannot be used.

    ``str()`` is one line: ``FILE:LINE: interaction N: MESSAGE (at JSON_PATH)``, each part
    present only when known.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | PathLike[str] | None = None,
        line: int | None = None,
        interaction: int | None = None,
        json_path: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = display_path(file) if file is not None else None
        self.line = line
        self.interaction = interaction
        self.json_path = json_path

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        if self.interaction is not None:
            where += f"interaction {self.interaction}: "
        at = f" (at {self.json_path})" if self.json_path else ""
        return f"{where}{self.message}{at}"

    def __reduce__(self) -> tuple[Any, ...]:  # keep the keyword-only data across pickling
        return (
            _rebuild,
            (type(self), self.message, self.file, self.line, self.interaction, self.json_path),
        )


def _rebuild(
    cls: type[InputError],
    message: str,
    file: str | None,
    line: int | None,
    interaction: int | None,
    json_path: str | None,
) -> InputError:
    return cls(message, file=file, line=line, interaction=interaction, json_path=json_path)


class CassetteError(InputError):
    """Raised when a cassette is not a readable vcrpy cassette or a body cannot be decoded."""


class SchemaError(InputError):
    """Raised when a schema file is not JSON, not valid 2020-12, or has a dangling ``$ref``."""


class ContractMapError(InputError):
    """Raised for a malformed contracts.toml, or an interaction that matches several contracts."""


class NoContractError(ContractMapError):
    """Raised when an interaction matches no contract of contracts.toml."""


_SHORT = 120


def short_json(value: Any, limit: int = _SHORT) -> str:
    """``value`` as compact JSON text, cut to ``limit`` characters."""
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Violation:
    """One broken contract: where, what the schema wanted, what the recording has.

    ``part`` says which side broke: ``"response body"``, ``"response headers"``,
    ``"request body"``, ``"request query"`` or ``"request headers"``. ``json_path`` is a JSON
    path into the body (``$`` for the body as a whole, e.g. when it is of the wrong kind), or
    the header name (``Retry-After``) or query parameter (``?page``). ``event`` is the 0-based
    index of the event of an event-stream or NDJSON body whose JSON broke (None for other
    bodies); the message then starts ``event N:`` and the place reads
    ``$.choices[0].delta of event 3``. ``expected`` and ``found`` are short JSON texts (cut at
    120 characters); an Authorization value is never stored, only whether it was present.
    ``similar`` counts further places in the same payload (for a stream: in the same or later
    events) broken the same way (same schema path), e.g. the other items of a list.
    """

    cassette: str
    line: int | None
    interaction: int
    method: str
    url: str
    contract: str
    part: str
    json_path: str
    validator: str
    expected: str
    found: str
    message: str
    schema_file: str | None
    schema_path: str | None
    similar: int = 0
    event: int | None = None

    def place(self) -> str:
        """The JSON path, and for an event stream the event: ``$.id of event 3``."""
        return self.json_path if self.event is None else f"{self.json_path} of event {self.event}"

    def where(self) -> str:
        """``FILE:LINE: interaction N``."""
        line = f":{self.line}" if self.line else ""
        return f"{self.cassette}{line}: interaction {self.interaction}"

    def one_line(self) -> str:
        """A one-line summary for lists of problems."""
        more = f" (+{self.similar} more like it)" if self.similar else ""
        return (
            f"{self.where()}: {self.method} {self.url}: contract {self.contract} broken at "
            f"{self.place()} ({self.part}): {self.message}{more}"
        )

    def format(self) -> str:
        """A multi-line message that explains itself: where, wanted, found, and the usual fix."""
        wanted = f"{self.validator} {self.expected}"
        schema = ""
        if self.schema_file:
            schema = f"  (schema {self.schema_file}, at {self.schema_path or '#'})"
        lines = [
            f"{self.where()}: {self.method} {self.url}",
            f"  contract {self.contract!r} is broken at {self.place()} in the {self.part}",
            f"  the contract wants: {wanted}{schema}",
            f"  the recording has:  {self.found}",
            f"  {self.message}",
        ]
        if self.similar:
            lines.append(f"  and {self.similar} more place(s) in this payload broken the same way")
        if self.schema_file:
            fix = (
                f"if the API really sends this, relax {self.schema_file} (and the code that "
                "relies on it); if the recording is wrong, re-record the cassette"
            )
        elif self.part.startswith("response"):
            fix = (
                "if the API really answers this way, change the contract in contracts.toml "
                "(and the code that relies on it); if the recording is wrong, re-record the "
                "cassette"
            )
        else:
            fix = (
                "change the client so it sends what the contract allows, or widen the contract "
                "in contracts.toml if the API accepts it; then re-record the cassette"
            )
        lines.append(f"  how to fix: {fix}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-ready mapping."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}
