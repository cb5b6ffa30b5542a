"""Endpoints from recorded URLs: URL templates, grouping, body kinds (the first step of ``init``).

A URL template is ``scheme://host/literal/{param}/...``: the same notation as ``request`` in
contracts.toml, where ``{name}`` stands for one path segment. Templates are found per host and
path length, segment by segment from the left:

- a segment that looks like an identifier (a number, a UUID, a hex digest, a date) is a
  parameter wherever it stands;
- the first segment is otherwise a literal (it names the top-level resource: ``/users``,
  ``/repos``), and the recordings are split by it; after a prefix of ``api`` / version
  segments (``/v1``, ``/api/v2``, ``/v1beta``) the next segment names the resource, as the
  first does (``/v1/current`` and ``/v1/forecast`` are two resources, not ``/v1/{v1}``);
- a later segment whose value varies among recordings that agree on everything before it is a
  parameter; one that never varies stays a literal.

A parameter is named after the literal before it, made singular (``/users/{user}``); a run of
parameters after one literal is numbered (``/repos/{repo_1}/{repo_2}``). Only what was recorded
is known: a path recorded once with one value (``/users/octocat``) stays literal until a second
recording shows it varies; the dry run shows every template before anything is written.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ._cassette import Interaction, header

__all__ = [
    "BODY_KINDS",
    "Endpoint",
    "body_kind",
    "classify_body",
    "group_endpoints",
    "host_label",
    "is_error",
    "is_identifier",
    "templates",
]

#: What a response body is: only ``json`` bodies get a schema today; the others are listed
#: in the plan (contracts with ``body = ...`` are written by hand for now).
BODY_KINDS = ("json", "empty", "text", "event-stream", "binary")

_IDENTIFIER = re.compile(
    r"""
      \d+                                                        # 42
    | [0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}  # UUID
    | (?=[a-f]*\d)[0-9a-f]{7,}                                   # a hex digest, a short sha
    | (?=[A-F]*\d)[0-9A-F]{7,}
    | \d{4}-\d{2}-\d{2}([T_ ]\d{2}:?\d{2}(:?\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?  # a date
    """,
    re.VERBOSE,
)
#: A path segment that only says which API or version (``api``, ``v1``, ``v2beta1``).
_PREFIX = re.compile(r"api|v\d+(?:\.\d+)?(?:(?:alpha|beta|rc|preview)\d*)?", re.IGNORECASE)
_GZIP_MAGIC = b"\x1f\x8b"
_NAME_CHARS = re.compile(r"[^A-Za-z0-9_]+")


def is_identifier(segment: str) -> bool:
    """True for a path segment that looks like an identifier: number, UUID, hex digest, date."""
    return bool(_IDENTIFIER.fullmatch(segment))


def is_error(status: int) -> bool:
    """4xx and 5xx get error contracts; every other status a contract of its own."""
    return status >= 400


def _base(uri: str) -> tuple[str, list[str]]:
    parts = urlsplit(uri)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}", parts.path.split("/")[1:]


def _singular(word: str) -> str:
    word = _NAME_CHARS.sub("_", word).strip("_").lower()
    if not word:
        return "param"
    if word[0].isdigit():
        word = "p_" + word
    if word.endswith("ies") and len(word) > 3:
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 1:
        return word[:-1]
    return word


def _render(base: str, shape: Sequence[str | None]) -> str:
    """The template for ``shape`` (a literal per segment, None for a parameter)."""
    out: list[str] = []
    used: set[str] = set()
    position = 0
    while position < len(shape):
        literal = shape[position]
        if literal is not None:
            out.append(literal)
            position += 1
            continue
        end = position
        while end < len(shape) and shape[end] is None:
            end += 1
        before = shape[position - 1] if position else None
        stem = _singular(before) if before else "param"
        run = end - position
        for number in range(1, run + 1):
            name = stem if run == 1 else f"{stem}_{number}"
            unique, extra = name, 2
            while unique in used:
                unique, extra = f"{name}_{extra}", extra + 1
            used.add(unique)
            out.append("{" + unique + "}")
        position = end
    return base + "/" + "/".join(out)


def templates(uris: Iterable[str]) -> dict[str, str]:
    """The URL template of each URI in ``uris`` (see the module docstring), by URI.

    A position found to vary under one path prefix is a parameter for every path length: once
    ``/users/a`` and ``/users/b`` show that ``/users/*`` varies, a lone ``/users/c/repos`` is
    ``/users/{user}/repos`` too.
    """
    uris = sorted(set(uris))
    groups: dict[tuple[str, int], set[tuple[str, ...]]] = defaultdict(set)
    for uri in uris:
        base, segments = _base(uri)
        groups[base, len(segments)].add(tuple(segments))
    forced: set[tuple[str, tuple[str | None, ...]]] = set()
    while True:
        found: dict[tuple[str, tuple[str, ...]], str] = {}
        params: set[tuple[str, tuple[str | None, ...]]] = set()
        for (base, _), paths in sorted(groups.items()):
            _split(base, sorted(paths), 0, [], found, forced, params)
        if params <= forced:
            break
        forced |= params
    out: dict[str, str] = {}
    for uri in uris:
        base, segments = _base(uri)
        out[uri] = found[base, tuple(segments)]
    return out


def _split(
    base: str,
    paths: list[tuple[str, ...]],
    position: int,
    shape: list[str | None],
    found: dict[tuple[str, tuple[str, ...]], str],
    forced: set[tuple[str, tuple[str | None, ...]]],
    params: set[tuple[str, tuple[str | None, ...]]],
) -> None:
    if not paths or position == len(paths[0]):
        template = _render(base, shape)
        for path in paths:
            found[base, path] = template
        return
    values = {path[position] for path in paths}
    slot = (base, tuple(shape))
    names_resource = all(s is not None and _PREFIX.fullmatch(s) for s in shape)
    if (
        slot in forced
        or all(is_identifier(v) for v in values)
        or (not names_resource and len(values) > 1)
    ):
        params.add(slot)
        _split(base, paths, position + 1, [*shape, None], found, forced, params)
        return
    by_value: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for path in paths:
        by_value[path[position]].append(path)
    for value in sorted(by_value):
        literal = None if is_identifier(value) else value
        _split(base, by_value[value], position + 1, [*shape, literal], found, forced, params)


def host_label(url: str) -> str:
    """A short name for the host of ``url``: ``api.github.com`` -> ``github``."""
    host = (urlsplit(url).hostname or "host").lower()
    labels = host.split(".")
    if all(label.isdigit() for label in labels):
        return "-".join(labels)
    while len(labels) > 2 and labels[0] in ("api", "www"):
        labels = labels[1:]
    return _NAME_CHARS.sub("-", labels[0]).strip("-") or "host"


def body_kind(interaction: Interaction) -> tuple[str, str]:
    """``(kind, detail)`` of the response body: kind is one of BODY_KINDS."""
    kind, detail, _ = classify_body(interaction)
    return kind, detail


def classify_body(interaction: Interaction) -> tuple[str, str, Any]:
    """``(kind, detail, value)``: ``body_kind`` and, for JSON, the parsed body (else None)."""
    body = interaction.response_body
    content_type = ",".join(header(interaction.response_headers, "Content-Type") or []).lower()
    if not body:
        return "empty", "no body", None
    if body.startswith(_GZIP_MAGIC):
        return "binary", "gzip-compressed as recorded", None
    if "text/event-stream" in content_type:
        return "event-stream", "text/event-stream", None
    declared_text = content_type.startswith("text/") or (
        "xml" in content_type and "json" not in content_type
    )
    if not declared_text:
        try:
            value = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            pass
        else:
            return "json", content_type or "no Content-Type", value
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "binary", content_type or "no Content-Type", None
    return "text", content_type or "no Content-Type", None


@dataclass(frozen=True)
class Endpoint:
    """The recorded interactions of one method, URL template and status."""

    method: str
    template: str
    status: int
    interactions: tuple[Interaction, ...]
    query: tuple[str, ...]

    @property
    def request(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def key(self) -> tuple[str, str, int]:
        """``(method, template, status)``: how reads and plans refer to this endpoint."""
        return (self.method, self.template, self.status)


def group_endpoints(interactions: Iterable[Interaction]) -> list[Endpoint]:
    """The interactions grouped by method, URL template and status, sorted by URL template."""
    interactions = list(interactions)
    template_of = templates({i.uri for i in interactions})
    groups: dict[tuple[str, str, int], list[Interaction]] = defaultdict(list)
    for interaction in interactions:
        groups[interaction.method, template_of[interaction.uri], interaction.status].append(
            interaction
        )
    endpoints = []
    for (method, template, status), members in groups.items():
        query = sorted(
            {name for i in members for name, _ in parse_qsl(urlsplit(i.uri).query, True)}
        )
        members.sort(key=lambda i: (str(i.cassette), i.index))
        endpoints.append(Endpoint(method, template, status, tuple(members), tuple(query)))
    endpoints.sort(key=lambda e: (e.template, e.method, e.status))
    return endpoints
