"""Validation of one interaction against its contract: status, body kind and media type,
headers, query, auth, and the JSON Schema of the body. Violations are data
(:class:`~cassette_contracts.errors.Violation`), each with its JSON path.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from ..cassettes.bodies import BodyKind
from ..cassettes.interaction import Interaction, header
from ..errors import (
    CassetteError,
    ContractMapError,
    InputError,
    Violation,
    display_path,
    short_json,
)
from .mapping import HEADER_TYPES, STREAM_BODIES, Contract, ContractMap
from .registry import SchemaRegistry
from .schemawalk import json_pointer

# jsonschema only through contracts.formats, which imports it without the slow iri checker,
# and only to describe a payload the quick check finds invalid (or cannot judge).
if TYPE_CHECKING:
    from .formats import ValidationError

__all__ = ["contract_errors", "validate_interaction"]
_MESSAGE_LIMIT = 200


def validate_interaction(
    interaction: Interaction,
    contract_map: ContractMap,
    registry: SchemaRegistry,
    contract: Contract | None = None,
) -> list[Violation]:
    """The violations of one interaction (an empty list when its contract holds).

    The response: its body of the contract's kind (JSON, empty, text, binary, or an event
    stream whose every event's JSON is validated), its media type, its pinned headers; the
    request: its JSON body, query and Authorization header. Raises InputError (a subclass)
    when no single contract matches, a schema is unusable or a body that claims to be JSON
    (or an event of a stream) is not. Works as well on an ``Interaction.from_vcr(...)`` built
    in memory.
    """
    if contract is None:
        contract = contract_map.match(interaction)
    found = _response_body_violations(interaction, contract, registry)
    found += _header_violations(interaction, contract)
    if contract.request_schema is not None:
        request_json = interaction.request_json
        found += _schema_violations(
            interaction,
            contract,
            "request body",
            contract.request_schema,
            registry,
            lambda: [(None, request_json())],
        )
    found += _query_violations(interaction, contract)
    found += _auth_violations(interaction, contract)
    return found


def _violation(interaction: Interaction, contract: Contract, **fields: Any) -> Violation:
    return Violation(
        cassette=display_path(interaction.cassette),
        line=interaction.line,
        interaction=interaction.index,
        method=interaction.method,
        url=interaction.uri,
        contract=contract.name,
        **fields,
    )


def _response_body_violations(
    interaction: Interaction, contract: Contract, registry: SchemaRegistry
) -> list[Violation]:
    """The body's kind, then its media type, then its JSON (or each event's) against the
    schema. A body of the wrong kind is one violation; nothing more is checked in it."""
    kind = interaction.body_kind
    payloads: Callable[[], Iterable[tuple[int | None, Any]]] | None = None
    if contract.body == "json":
        # Declared JSON that does not parse is a broken recording (an input error); any other
        # kind is read as a client reads it, which parses JSON whatever Content-Type says.
        if kind.kind == "empty" or (kind.kind != "json" and not _parses(interaction)):
            return [_kind_violation(interaction, contract, kind)]
        payloads = _whole_body(interaction)
    elif contract.body == "binary":  # any bytes will do for a client that reads bytes
        if kind.kind == "empty":
            return [_kind_violation(interaction, contract, kind)]
    elif kind.kind != contract.body:
        return [_kind_violation(interaction, contract, kind)]
    elif contract.body == "text":
        interaction.text()  # CassetteError when it is not text in its declared charset
    elif contract.body in STREAM_BODIES:
        payloads = interaction.event_json
    found: list[Violation] = []
    if not contract.accepts_media_type(kind.media_type):
        found.append(_media_type_violation(interaction, contract, kind))
    if payloads is not None and contract.schema is not None:
        found += _schema_violations(
            interaction, contract, "response body", contract.schema, registry, payloads
        )
    return found


def _parses(interaction: Interaction) -> bool:
    try:
        interaction.json()
    except CassetteError:
        return False
    return True


def _whole_body(interaction: Interaction) -> Callable[[], list[tuple[int | None, Any]]]:
    return lambda: [(None, interaction.json())]


def _described(kind: BodyKind, status: int) -> str:
    if kind.kind == "empty":
        return f"an empty body (status {status})"
    article = "an" if kind.kind[0] in "aeiou" else "a"
    return f"{article} {kind.kind} body ({kind.media_type or 'no Content-Type'})"


def _kind_violation(interaction: Interaction, contract: Contract, kind: BodyKind) -> Violation:
    article = "an" if contract.body[0] in "aeiou" else "a"
    found = _described(kind, interaction.status)
    return _violation(
        interaction,
        contract,
        part="response body",
        json_path="$",
        validator="body",
        expected=short_json(contract.body),
        found=short_json(found),
        message=f"the contract expects {article} {contract.body} body, the response has {found}",
        schema_file=None,
        schema_path=None,
    )


def _media_type_violation(
    interaction: Interaction, contract: Contract, kind: BodyKind
) -> Violation:
    wanted = " or ".join(contract.media_types)
    sent = kind.media_type or "no Content-Type"
    return _violation(
        interaction,
        contract,
        part="response headers",
        json_path="Content-Type",
        validator="media_type",
        expected=short_json(list(contract.media_types)),
        found=short_json(sent),
        message=f"the response is {sent}, the contract expects {wanted}",
        schema_file=None,
        schema_path=None,
    )


_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def _is_http_date(value: str) -> bool:
    from email.utils import parsedate_to_datetime  # only where a header is pinned so

    try:
        parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return False
    return True


_HEADER_CHECKS: dict[str, Callable[[str], bool]] = {
    "string": lambda value: True,
    "integer": lambda value: _INTEGER.fullmatch(value.strip()) is not None,
    "number": lambda value: _NUMBER.fullmatch(value.strip()) is not None,
    "boolean": lambda value: value.strip().lower() in ("true", "false"),
    "http-date": _is_http_date,
}
assert set(_HEADER_CHECKS) == set(HEADER_TYPES)


def _header_violations(interaction: Interaction, contract: Contract) -> list[Violation]:
    found = []
    for pin in contract.headers:
        values = header(interaction.response_headers, pin.name)
        wanted = " or ".join(pin.types)
        if not values:
            value, message = "absent", f"the response has no {pin.name} header (pinned: {wanted})"
        else:
            bad = [v for v in values if not any(_HEADER_CHECKS[t](v) for t in pin.types)]
            if not bad:
                continue
            value = short_json(bad[0])
            message = f"response header {pin.name} is {short_json(bad[0])}, not {wanted}"
        found.append(
            _violation(
                interaction,
                contract,
                part="response headers",
                json_path=pin.name,
                validator="header",
                expected=short_json(pin.types[0] if len(pin.types) == 1 else list(pin.types)),
                found=value,
                message=message,
                schema_file=None,
                schema_path=None,
            )
        )
    return found


def _schema_violations(
    interaction: Interaction,
    contract: Contract,
    part: str,
    schema: str,
    registry: SchemaRegistry,
    decode: Callable[[], Iterable[tuple[int | None, Any]]],
) -> list[Violation]:
    """Violations of ``schema`` by each ``(event index or None, payload)`` ``decode`` gives."""
    quick = registry.quick_check(schema)  # SchemaError when it cannot be used
    payloads = decode()
    # One violation per schema location: the other items of a list (or the other events of a
    # stream) broken the same way are counted in `similar` instead of repeated.
    groups: dict[tuple[str, tuple[Any, ...]], list[tuple[int | None, ValidationError]]] = {}
    for event, payload in payloads:
        if quick is not None and quick(payload):
            continue
        from .formats import best_match

        for error in registry.validator(schema).iter_errors(payload):
            worst = best_match([error]) or error
            key = (str(worst.validator), tuple(worst.absolute_schema_path))
            groups.setdefault(key, []).append((event, worst))
    found = []
    for group in groups.values():
        event, first = group[0]
        # The file and place of the keyword that failed, wherever $ref led; jsonschema's own
        # schema path leaves the $ref hops out, so it only locates keywords of the root file.
        place = registry.locate(first.schema)
        schema_file, schema_path = (
            (place[0], f"{place[1].rstrip('/')}/{first.validator}")
            if place is not None
            else (schema, json_pointer(first.absolute_schema_path))
        )
        found.append(
            _violation(
                interaction,
                contract,
                part=part,
                json_path=first.json_path,
                validator=str(first.validator),
                expected=short_json(first.validator_value),
                found=_found(first),
                message=_shorten(first.message),
                schema_file=schema_file,
                schema_path=schema_path,
                similar=len(group) - 1,
                event=event,
            )
        )
    return found


def _found(error: ValidationError) -> str:
    if error.validator in ("required", "dependentRequired") and isinstance(error.instance, dict):
        return "an object with keys " + short_json(sorted(error.instance))
    return short_json(error.instance)


def _shorten(text: str) -> str:
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + "…"


def _query_violations(interaction: Interaction, contract: Contract) -> list[Violation]:
    if contract.query is None and not contract.required_query:
        return []
    sent = {name for name, _ in parse_qsl(urlsplit(interaction.uri).query, True)}
    found = []
    if contract.query is not None:
        allowed = set(contract.query) | set(contract.required_query)
        for name in sorted(sent - allowed):
            found.append(
                _violation(
                    interaction,
                    contract,
                    part="request query",
                    json_path=f"?{name}",
                    validator="query",
                    expected=short_json(sorted(allowed)),
                    found=short_json(name),
                    message=f"query parameter {name!r} is not one the contract allows",
                    schema_file=None,
                    schema_path=None,
                )
            )
    for name in contract.required_query:
        if name not in sent:
            found.append(
                _violation(
                    interaction,
                    contract,
                    part="request query",
                    json_path=f"?{name}",
                    validator="required_query",
                    expected=short_json(list(contract.required_query)),
                    found="absent",
                    message=f"required query parameter {name!r} was not sent",
                    schema_file=None,
                    schema_path=None,
                )
            )
    return found


# Its _violation(...) call has the same keyword shape as _kind_violation's, with other data:
# every field named at the call is clearer than a helper per kind; kept apart on purpose.
def _auth_violations(interaction: Interaction, contract: Contract) -> list[Violation]:
    if contract.auth is None or contract.auth == "optional":
        return []
    present = header(interaction.request_headers, "Authorization") is not None
    if present == (contract.auth == "required"):
        return []
    # Never the header's value: only whether it was sent.
    return [
        _violation(
            interaction,
            contract,
            part="request headers",
            json_path="Authorization",
            validator="auth",
            expected=short_json(contract.auth),
            found="present (value not shown)" if present else "absent",
            message=(
                "the request sent an Authorization header the contract says must be absent"
                if present
                else "the request sent no Authorization header, the contract requires one"
            ),
            schema_file=None,
            schema_path=None,
        )
    ]


def contract_errors(
    contract_map: ContractMap, registry: SchemaRegistry
) -> tuple[list[InputError], dict[str, InputError]]:
    """Why the schemas and contracts cannot all be used, as ``check`` reports it.

    Returns the errors (each broken schema file once, then each contract naming a schema that
    does not exist) and, by contract name, the problem of each contract that cannot be used.
    """
    errors: list[InputError] = list(registry.errors)
    unusable: dict[str, InputError] = {}
    for contract in contract_map.contracts:
        for name in contract.schemas():
            problem = registry.error(name)
            if problem is None:
                continue
            unusable.setdefault(contract.name, problem)
            if name not in registry.broken:  # else its own error is reported already
                errors.append(
                    ContractMapError(
                        f"contract {contract.name!r}: {problem.message}", file=contract_map.path
                    )
                )
    return errors, unusable
