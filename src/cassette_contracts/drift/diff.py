"""Compare a baseline recording of an endpoint with a fresh one; classify each change.

The observed shape of each side is inferred from ALL its payloads: per JSON path (lists walked
as ``[*]``) the set of JSON types seen and how often the member was present. The two shapes,
the status codes, the media types and the ``Deprecation``/``Sunset``/``Warning`` headers are
then compared, and every :class:`Change` is classified ``breaking`` or ``informational`` with
the response-direction rules of API diff tools such as oasdiff, narrowed to what the contract
pins (the table is in docs/drift-rules.md):

* a change on a pinned field that the client's schema cannot absorb is **breaking**: removed,
  became optional while required, became nullable where the schema rejects null, changed to a
  type the schema rejects; so is a changed status code or media type;
* everything else is **informational**: new fields (clients ignore unknown members), changes
  on unpinned fields (no client code relies on them), changes the schema already allows,
  narrowing (non-nullable, fewer types), deprecation announcements.

Status codes are compared per request (method + URL), so a suite that grows or a partial
fresh recording does not look like a changed API: a request both sides recorded that now gets
another status is **breaking**; a status recorded only on the fresh side, for requests the
baseline never made, is informational ``new``; one recorded only on the baseline side, for
requests the fresh run did not make, is informational ``not re-recorded``.

Only payloads whose status code appears on both sides are compared field by field, so error
bodies are never diffed against success bodies. Bodies are read decoded (``decoded_body``:
gzip, deflate, br, zstd undone), as the client reads them. A child of a path that disappeared
or changed kind is not reported again: the parent's change says it.

Renderers: :func:`render_text`, :func:`render_json`, :func:`render_markdown` (a pull-request
comment, one table per endpoint) and :func:`render_junit`; :func:`render` picks one by name.

Length: one job, the diff, in one place: the shape inference and every change rule
(docs/drift-rules.md) read best side by side; the data lives in ``drift.changes``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..cassettes.interaction import header
from ..cassettes.yaml_load import loads_json
from ..contracts.pins import PinnedField, json_type
from ..errors import InputError
from ..jsonpath import ROOT, items, member
from .changes import BREAKING, INFORMATIONAL, Change, ChangeKind

__all__ = ["DEPRECATION_HEADERS", "diff_endpoint", "diff_statuses"]
DEPRECATION_HEADERS = ("Deprecation", "Sunset", "Warning")


class Recorded(Protocol):
    """What the diff needs of a recorded interaction (``cassettes.interaction.Interaction`` fits).

    ``response_body`` may be decoded JSON (dict, list, ...) or ``bytes``/``str`` JSON text;
    an interaction that also has ``decoded_body`` (``cassettes.interaction.Interaction``: the
    body with its Content-Encoding undone) is read through that. A body that is not JSON is compared
    by status and headers only. Header values are a string or a list of strings.
    """

    @property
    def method(self) -> str: ...
    @property
    def uri(self) -> str: ...
    @property
    def status(self) -> int: ...
    @property
    def response_headers(self) -> Mapping[str, Any]: ...
    @property
    def response_body(self) -> object: ...


# --------------------------------------------------------------------------------------------
# Observed shape
# --------------------------------------------------------------------------------------------


@dataclass
class _Observed:
    """Per path of all payloads of one side: JSON types seen, and presence counts."""

    types: dict[str, set[str]] = field(default_factory=dict)
    present: dict[str, int] = field(default_factory=dict)
    objects: dict[str, int] = field(default_factory=dict)  # times seen as an object
    filled: dict[str, int] = field(default_factory=dict)  # times seen as a non-empty list
    parent: dict[str, tuple[str, bool]] = field(default_factory=dict)  # path -> (parent, member)
    order: list[str] = field(default_factory=list)

    def add(self, value: Any, path: str = ROOT) -> None:
        if path not in self.types:
            self.types[path] = set()
            self.order.append(path)
        self.types[path].add(json_type(value))
        self.present[path] = self.present.get(path, 0) + 1
        if isinstance(value, dict):
            self.objects[path] = self.objects.get(path, 0) + 1
            for key, item in value.items():
                child = member(path, str(key))
                self.parent[child] = (path, True)
                self.add(item, child)
        elif isinstance(value, list):
            if value:
                self.filled[path] = self.filled.get(path, 0) + 1
            child = items(path)
            for item in value:
                self.parent[child] = (path, False)
                self.add(item, child)

    def observable(self, path: str, parent_of: Mapping[str, tuple[str, bool]]) -> bool:
        """Whether this side could have shown ``path``: its container was seen here."""
        if path == ROOT:
            return True
        parent, member = parent_of[path]
        if member:
            return self.objects.get(parent, 0) > 0
        return self.filled.get(parent, 0) > 0

    def always_present(self, path: str) -> bool:
        """A member present in every object that could hold it (items: always True)."""
        parent, member = self.parent[path]
        return not member or self.present.get(path, 0) >= self.objects.get(parent, 0)


def _decode(body: object) -> tuple[bool, Any]:
    """(is JSON, value) of a response body; ValueError for JSON nested too deep to read."""
    if isinstance(body, (bytes, bytearray)):
        if not body.strip():
            return False, None
        try:
            return True, loads_json(bytes(body).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return False, None
    if isinstance(body, str):
        try:
            return True, loads_json(body)
        except json.JSONDecodeError:
            return False, None
    if body is None:
        return False, None
    return True, body


def _observe(interactions: Iterable[Recorded]) -> _Observed:
    shape = _Observed()
    for interaction in interactions:
        body = getattr(interaction, "decoded_body", None)
        try:
            is_json, value = _decode(interaction.response_body if body is None else body)
        except ValueError as exc:  # nested deeper than the loader reads, a huge number
            error = getattr(interaction, "error", InputError)  # names file and interaction
            raise error(f"response body is not JSON ({exc})") from None
        if is_json:
            shape.add(value)
    return shape


def _media_types(interactions: Iterable[Recorded]) -> set[str]:
    found = set()
    for interaction in interactions:
        values = header(interaction.response_headers, "Content-Type") or []
        media = values[0].split(";", 1)[0].strip().lower() if values else "absent"
        found.add(media or "absent")
    return found


def _types_text(types: Iterable[str]) -> str:
    order = ["object", "array", "string", "integer", "number", "boolean", "null"]
    chosen = sorted(set(types), key=lambda t: order.index(t) if t in order else len(order))
    return "|".join(chosen) if chosen else "absent"


def _set_text(values: Iterable[Any]) -> str:
    return ", ".join(str(v) for v in sorted(values)) or "absent"


# --------------------------------------------------------------------------------------------
# Diff and classification
# --------------------------------------------------------------------------------------------


class _Differ:
    def __init__(self, contract: str, pinned: Mapping[str, PinnedField]) -> None:
        self.contract = contract
        self.pinned = pinned
        self.changes: list[Change] = []

    def add(
        self,
        kind: ChangeKind,
        path: str,
        before: str,
        after: str,
        breaking: bool,
        reason: str,
    ) -> None:
        self.changes.append(
            Change(
                contract=self.contract,
                kind=kind,
                path=path,
                severity=BREAKING if breaking else INFORMATIONAL,
                reason=reason,
                before=before,
                after=after,
                pinned=path in self.pinned,
            )
        )

    def field_changes(self, base: _Observed, fresh: _Observed) -> None:
        parent_of = {**fresh.parent, **base.parent}
        reported: set[str] = set()  # paths whose children are not reported again
        paths = base.order + [p for p in fresh.order if p not in base.types]
        for path in paths:
            if path != ROOT and parent_of[path][0] in reported:
                reported.add(path)
                continue
            pin = self.pinned.get(path)
            if path not in fresh.types:
                if fresh.observable(path, parent_of):
                    self.removed(path, pin, base)
                reported.add(path)
                continue
            if path not in base.types:
                if base.observable(path, parent_of):
                    self.added(path, pin, fresh)
                reported.add(path)
                continue
            if path != ROOT and base.always_present(path) and not fresh.always_present(path):
                self.became_optional(path, pin)
            if self.value_changes(path, pin, base.types[path], fresh.types[path]):
                kinds = {"object", "array"}
                if not (base.types[path] & fresh.types[path] & kinds):
                    reported.add(path)  # a container became a scalar: children are moot

    def removed(self, path: str, pin: PinnedField | None, base: _Observed) -> None:
        before = _types_text(base.types[path])
        if pin is None:
            self.add(
                ChangeKind.FIELD_REMOVED,
                path,
                before,
                "absent",
                False,
                "not pinned by the contract: no client code relies on it",
            )
            return
        need = "required" if pin.required else "optional, but pinned"
        self.add(
            ChangeKind.FIELD_REMOVED,
            path,
            before,
            "absent",
            True,
            f"pinned field ({need} in the schema) no longer sent: the client reads it",
        )

    def added(self, path: str, pin: PinnedField | None, fresh: _Observed) -> None:
        after = _types_text(fresh.types[path])
        if pin is None:
            reason = "new field: clients ignore members they do not know"
        elif all(pin.allows(t) for t in fresh.types[path]):
            reason = "pinned field now sent, with a type the schema allows"
        else:
            self.add(
                ChangeKind.FIELD_ADDED,
                path,
                "absent",
                after,
                True,
                f"pinned field now sent as {after}, which the schema rejects "
                f"(allows {_types_text(pin.types)})",
            )
            return
        self.add(ChangeKind.FIELD_ADDED, path, "absent", after, False, reason)

    def became_optional(self, path: str, pin: PinnedField | None) -> None:
        if pin is not None and pin.required:
            self.add(
                ChangeKind.FIELD_BECAME_OPTIONAL,
                path,
                "always present",
                "sometimes missing",
                True,
                "required pinned field is missing from some payloads: the client reads it",
            )
            return
        reason = (
            "pinned but optional in the schema: the client must already cope without it"
            if pin is not None
            else "not pinned by the contract: no client code relies on it"
        )
        self.add(
            ChangeKind.FIELD_BECAME_OPTIONAL,
            path,
            "always present",
            "sometimes missing",
            False,
            reason,
        )

    def value_changes(
        self, path: str, pin: PinnedField | None, before: set[str], after: set[str]
    ) -> bool:
        """Nullability and type changes of a path seen on both sides; True when any."""
        changed = False
        if "null" in after and "null" not in before:
            changed = True
            if pin is None:
                breaking, reason = False, "not pinned by the contract: no client code relies on it"
            elif pin.nullable:
                breaking = False
                reason = "now null, which the schema allows: the client handles null already"
            else:
                breaking, reason = True, "pinned field is now null, which the schema does not allow"
            self.add(
                ChangeKind.BECAME_NULLABLE,
                path,
                _types_text(before),
                _types_text(after),
                breaking,
                reason,
            )
        if "null" in before and "null" not in after:
            changed = True
            self.add(
                ChangeKind.BECAME_NON_NULLABLE,
                path,
                _types_text(before),
                _types_text(after),
                False,
                "no null seen any more: a narrower response, clients that handle null still work",
            )
        base_types, fresh_types = before - {"null"}, after - {"null"}
        new_types = fresh_types - base_types
        if new_types:
            changed = True
            rejected = sorted(t for t in new_types if pin is not None and not pin.allows(t))
            if pin is None:
                breaking, reason = False, "not pinned by the contract: no client code relies on it"
            elif rejected:
                breaking = True
                reason = (
                    f"pinned field now {_types_text(rejected)}, which the schema rejects "
                    f"(allows {_types_text(pin.types)})"
                )
            else:
                breaking = False
                reason = f"the schema allows the new type (allows {_types_text(pin.types)})"
            self.add(
                ChangeKind.TYPE_CHANGED,
                path,
                _types_text(before),
                _types_text(after),
                breaking,
                reason,
            )
        elif fresh_types and base_types - fresh_types:
            changed = True
            self.add(
                ChangeKind.TYPE_CHANGED,
                path,
                _types_text(before),
                _types_text(after),
                False,
                "fewer types seen: a narrower response, nothing new for the client to handle",
            )
        return changed


def diff_endpoint(
    contract_name: str,
    pinned: Mapping[str, PinnedField],
    baseline: Sequence[Recorded],
    fresh: Sequence[Recorded],
    *,
    statuses: bool = True,
) -> list[Change]:
    """The changes from ``baseline`` to ``fresh`` recordings of one endpoint, classified.

    ``pinned`` is what the contract's schema pins (:func:`~..contracts.pins.pinned_fields`). Raises
    ``InputError`` when a side has no interaction: there is nothing to compare. With
    ``statuses`` False the status codes are left to the caller (:func:`diff_statuses` over
    every contract of the endpoint).
    """
    for side, interactions in (("baseline", baseline), ("fresh", fresh)):
        if not interactions:
            raise InputError(
                f"contract {contract_name!r}: the {side} recording has no interaction for it; "
                "record the endpoint on both sides before comparing"
            )
    differ = _Differ(contract_name, pinned)
    if statuses:
        differ.changes += diff_statuses({contract_name: baseline}, {contract_name: fresh})

    base_media, fresh_media = _media_types(baseline), _media_types(fresh)
    if base_media != fresh_media:
        differ.add(
            ChangeKind.CONTENT_TYPE_CHANGED,
            "Content-Type",
            _set_text(base_media),
            _set_text(fresh_media),
            True,
            "the client decodes the body by its media type",
        )

    for name in DEPRECATION_HEADERS:
        old = {v for i in baseline for v in header(i.response_headers, name) or []}
        new = {v for i in fresh for v in header(i.response_headers, name) or []} - old
        if new:
            differ.add(
                ChangeKind.DEPRECATION_HEADER,
                f"header {name}",
                _set_text(old),
                _set_text(new),
                False,
                f"the API announces a change ({name}); nothing breaks yet, plan the migration",
            )

    common = {i.status for i in baseline} & {i.status for i in fresh}
    differ.field_changes(
        _observe(i for i in baseline if i.status in common),
        _observe(i for i in fresh if i.status in common),
    )
    return differ.changes


def _request(interaction: Recorded) -> tuple[str, str]:
    return interaction.method.upper(), interaction.uri


def diff_statuses(
    baseline: Mapping[str, Sequence[Recorded]], fresh: Mapping[str, Sequence[Recorded]]
) -> list[Change]:
    """Status drift of one endpoint; each side's interactions grouped by contract name.

    Breaking: a request (method + URL) recorded on both sides answered with other status
    codes. Informational: a status recorded only on the fresh side for requests the baseline
    never made (``new``), or only on the baseline side for requests the fresh run did not make
    (``not re-recorded``). A status both sides recorded, for whatever requests, is no change.
    """

    def index(
        side: Mapping[str, Sequence[Recorded]],
    ) -> tuple[dict[tuple[str, str], set[int]], dict[int, str], dict[int, list[tuple[str, str]]]]:
        by_request: dict[tuple[str, str], set[int]] = {}
        contract_of: dict[int, str] = {}
        requests_of: dict[int, list[tuple[str, str]]] = {}
        for name, interactions in sorted(side.items()):
            for interaction in interactions:
                key = _request(interaction)
                by_request.setdefault(key, set()).add(interaction.status)
                contract_of.setdefault(interaction.status, name)
                requests_of.setdefault(interaction.status, []).append(key)
        return by_request, contract_of, requests_of

    base_requests, base_contract, base_of = index(baseline)
    fresh_requests, fresh_contract, fresh_of = index(fresh)
    changes: list[Change] = []
    changed: dict[tuple[str, str], list[str]] = {}  # (before, after) -> requests
    for key in sorted(base_requests.keys() & fresh_requests.keys()):
        was, now = base_requests[key], fresh_requests[key]
        if was != now:
            changed.setdefault((_set_text(was), _set_text(now)), []).append(" ".join(key))
    for (before, after), requests in changed.items():
        first = int(before.split(",")[0])
        more = f" and {len(requests) - 1} more" if len(requests) > 1 else ""
        changes.append(
            Change(
                contract=base_contract[first],
                kind=ChangeKind.STATUS_CHANGED,
                path="status",
                severity=BREAKING,
                reason=(
                    f"{requests[0]}{more} now answered {after} instead of {before}: clients "
                    "branch on the status code"
                ),
                before=before,
                after=after,
            )
        )
    one_sided = (
        # (statuses only one side recorded, the other side's requests, kind, their reason)
        (fresh_of, base_of, base_requests, fresh_contract, ChangeKind.NEW, "fresh"),
        (base_of, fresh_of, fresh_requests, base_contract, ChangeKind.NOT_RERECORDED, "baseline"),
    )
    for mine, theirs, their_requests, contract_of, kind, side in one_sided:
        for status in sorted(mine.keys() - theirs.keys()):
            if any(key in their_requests for key in mine[status]):
                continue
            request = " ".join(mine[status][0])
            new = side == "fresh"
            reason = (
                f"recorded only by the fresh run ({request}), for a request the baseline never "
                "made: nothing to compare yet"
                if new
                else f"the fresh run did not make this request ({request}): nothing to compare"
            )
            changes.append(
                Change(
                    contract=contract_of[status],
                    kind=kind,
                    path="status",
                    severity=INFORMATIONAL,
                    reason=reason,
                    before="absent" if new else str(status),
                    after=str(status) if new else "absent",
                )
            )
    return changes
