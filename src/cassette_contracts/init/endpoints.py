"""Endpoints from recorded URLs: URL templates, grouping, bodies (the first step of ``init``).

A URL template is ``scheme://host/literal/{param}/...``: the same notation as ``request`` in
contracts.toml, where ``{name}`` stands for one path segment. Templates are found per host and
path length, segment by segment from the left:

- a segment that looks like an identifier (a number, a UUID, a hex digest, a date) is a
  parameter wherever it stands;
- the first segment is otherwise a literal (it names the top-level resource: ``/users``,
  ``/repos``), and the recordings are split by it; leading API version segments (``/2``,
  ``/1.1``, ``/v1``) and ``/api`` are literals that do not count, so the resource is the
  segment after them (``/2/tweets/{tweet}``, ``/v1/chat/completions``);
- a later segment whose value varies among recordings that agree on everything before it is a
  parameter; one that never varies stays a literal, and so do words with a format suffix
  (``/statuses/show.json`` and ``/statuses/user_timeline.json`` are two endpoints).

A parameter is named after the literal before it, made singular (``/users/{user}``); a run of
parameters after one literal is numbered (``/repos/{repo_1}/{repo_2}``). Only what was recorded
is known: a path recorded once with one value (``/users/octocat``) stays literal until a second
recording shows it varies; the dry run shows every template before anything is written.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..cassettes.interaction import Interaction
from ..contracts.mapping import STREAM_BODIES

__all__ = [
    "Body",
    "Endpoint",
    "group_endpoints",
    "host_label",
    "is_error",
    "is_identifier",
    "read_body",
    "templates",
]

_IDENTIFIER = re.compile(
    r"""
      \d+([-_]\d+)*                                              # 42, 7-9
    | [0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}  # UUID
    | (?=[a-f]*\d)[0-9a-f]{7,}                                   # a hex digest, a short sha
    | (?=[A-F]*\d)[0-9A-F]{7,}
    | \d{4}-\d{2}-\d{2}([T_ ]\d{2}:?\d{2}(:?\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?  # a date
    """,
    re.VERBOSE,
)
_FORMAT = re.compile(r"\.(json|xml|txt|csv|html|atom|rss)$", re.IGNORECASE)
#: Leading segments that name the API, not a resource: ``/api``, ``/v1``, ``/2``, ``/1.1``,
#: and pre-release versions (``/v1beta``, as Google's Gemini API; ``/v2beta1``).
_PREFIX = re.compile(r"(?i:api|rest|v\d+(\.\d+)*((alpha|beta|rc|preview)\d*)?|\d(\.\d+)*)")
_NAME_CHARS = re.compile(r"[^A-Za-z0-9_]+")


def is_identifier(segment: str) -> bool:
    """True for a path segment that looks like an identifier: number, UUID, hex digest, date,
    also with a format suffix (``42.json``)."""
    return bool(_IDENTIFIER.fullmatch(_FORMAT.sub("", segment)))


def _named(segment: str) -> bool:
    """A word with a format suffix names an action or resource (``show.json``): a literal."""
    return bool(_FORMAT.search(segment)) and not is_identifier(segment)


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
    leading = all(s is not None and _PREFIX.fullmatch(s) for s in shape)

    def param_like(value: str) -> bool:
        return is_identifier(value) and not (leading and _PREFIX.fullmatch(value))

    varies = not leading and len(values) > 1 and not all(_named(v) for v in values)
    if slot in forced or all(param_like(v) for v in values) or varies:
        params.add(slot)
        _split(base, paths, position + 1, [*shape, None], found, forced, params)
        return
    by_value: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for path in paths:
        by_value[path[position]].append(path)
    for value in sorted(by_value):
        literal = None if param_like(value) else value
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


@dataclass(frozen=True)
class Body:
    """A recorded response body as ``init`` sees it: its kind (one of ``BODIES``), media type
    (``""`` when none was sent) and the JSON it carries: the whole body for ``json``, every
    event's JSON for ``event-stream`` and ``ndjson``, nothing for the other kinds."""

    kind: str
    media_type: str
    payloads: tuple[Any, ...] = ()


def read_body(interaction: Interaction) -> Body:
    """The body of ``interaction`` read as a client reads it (content coding undone, kind told
    by ``Interaction.body_kind``); CassetteError when it is not what it claims to be."""
    found = interaction.body_kind
    if found.kind == "json":
        return Body(found.kind, found.media_type, (interaction.json(),))
    if found.kind in STREAM_BODIES:
        events = interaction.event_json()
        return Body(found.kind, found.media_type, tuple(value for _, value in events))
    if found.kind == "text":
        interaction.text()  # CassetteError when it is not text in its declared charset
    return Body(found.kind, found.media_type)


@dataclass(frozen=True)
class Endpoint:  # field list alike in shape to init/plan.py's PlannedContract, different data
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
