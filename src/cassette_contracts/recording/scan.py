"""``scan``: find secrets left in cassette files (and recording logs) without loading them.

Each YAML scalar is checked where it stands in the file (line numbers kept), with the same
detection rules the scrubber applies while recording (``recording.secrets``).
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .. import jsonpath
from ..cassettes.bodies import GZIP_MAGIC, BodyError, decode_content
from ..cassettes.discover import iter_cassette_paths
from ..cassettes.yaml_load import may_hold_anchors, refuse_anchors
from ..errors import CassetteError
from .scrub import (
    RepeatedName,
    Scrubber,
    _allowed,
    _apply,
    _MediaJSON,
    header_hits,
    iter_json_keys,
    iter_json_strings,
    json_string_hits,
    key_hits,
    loads_json_body,
    text_body_hits,
    uri_hits,
)
from .secrets import (
    Allowlist,
    Hit,
    find_secrets,
    is_secret_name,
    named_secret,
)

__all__ = ["Finding", "ScanReport", "scan", "scan_report"]


# --------------------------------------------------------------------------------------------
# Scanning
# --------------------------------------------------------------------------------------------

#: Kinds a raw line scan may report (value shapes that need no structure to be recognised).
_SHAPE_KINDS_EXCLUDED = frozenset({"named-secret", "high-entropy-secret", "url-path-secret"})


@dataclass(frozen=True, order=True)
class Finding:
    """A probable secret in a committed cassette. ``masked`` never holds the whole value."""

    file: Path
    line: int
    where: str
    kind: str
    masked: str
    interaction: int | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.kind} in {self.where}: {self.masked}"


@dataclass(frozen=True)
class ScanReport:
    """What :func:`scan_report` looked at and found."""

    files: int
    findings: list[Finding]

    def summary(self) -> str:
        """One line: ``scan: 14 cassettes, 0 secrets``."""
        noun = "cassette" if self.files == 1 else "cassettes"
        found = len(self.findings)
        return f"scan: {self.files} {noun}, {found} secret{'' if found == 1 else 's'}"


def _mask(value: str) -> str:
    """A short, non-secret prefix: the token type, or 4 characters, plus the length."""
    match = re.match(r"(gh[pousr]_|github_pat_|xox[a-z]-|AKIA|ASIA|sk-|eyJ|-----BEGIN)", value)
    prefix = match.group(1) if match else value[:4]
    if len(prefix) * 2 >= len(value):
        prefix = value[: len(value) // 4]
    return f"{prefix}*** ({len(value)} chars)"


class _Text:
    """The file's text, to turn an offset into a line and find a value inside a node."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts = [0]
        for i, ch in enumerate(text):
            if ch == "\n":
                self._starts.append(i + 1)

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)  # 1-based: starts[0] is 0

    def locate(self, node: yaml.Node, needle: str) -> int:
        """Line of ``needle`` inside ``node``'s source; the node's first line if not found
        verbatim (escaped, folded or base64 content)."""
        start, end = node.start_mark.index, node.end_mark.index
        probe = needle[:12]
        if probe:
            found = self.text.find(probe, start, max(end, start + len(probe)))
            if found >= 0:
                return self.line_of(found)
        return node.start_mark.line + 1


class _Scanner:
    def __init__(self, path: Path, text: str, secrets: tuple[str, ...], allow: Allowlist) -> None:
        self.path = path
        self.src = _Text(text)
        self.secrets = secrets
        self.allow = allow
        self.findings: list[Finding] = []
        #: Lines of !!binary scalars: their base64 text is read decoded, never line by line.
        self.binary_lines: set[int] = set()
        #: find_secrets' answers for the mapping keys of this file (header names repeat).
        self.keys_seen: dict[str, list[Hit]] = {}
        #: The known secrets as a place may spell them: also as a JSON path escapes them.
        self.place_secrets = tuple(dict.fromkeys([*secrets, *map(jsonpath.escaped, secrets)]))

    def report(
        self,
        node: yaml.Node,
        text: str,
        hits: list[Hit],
        where: str,
        ix: int | None,
        part_of: str | None = None,
    ) -> None:
        """Findings for ``hits`` in ``text``; a hit with its own place (a query parameter)
        is named ``{part_of} {place}`` rather than ``{where} {place}``."""
        for hit in hits:
            value = text[hit.start : hit.end]
            place = f"{part_of or where} {hit.place}" if hit.place else where
            line = self.src.locate(node, value)
            self.findings.append(
                Finding(self.path, line, self.masked(place), hit.kind, _mask(value), ix)
            )

    def key(self, node: yaml.Node, where: str, ix: int | None) -> None:
        """Findings in a mapping key: a header name, or any other name in the cassette, may
        hold a token or a known secret (the scrubber redacts them in header names too)."""
        if isinstance(node, yaml.ScalarNode):
            text = _scalar_text(node)  # a bytes name is written !!binary
            hits = key_hits(text, known=self.secrets, seen=self.keys_seen)
            self.report(node, text, hits, f"{where} name", ix)

    def masked(self, place: str) -> str:
        """``place`` with every secret in it masked: a member, header or parameter name on
        the way to a finding may be one itself."""
        hits = find_secrets(place, known=self.place_secrets, pairs=False, any_case=True)
        return _apply(place, hits, "***")

    # Structure walk --------------------------------------------------------------------

    def walk_document(self, root: yaml.Node) -> None:
        if not isinstance(root, yaml.MappingNode):
            self.walk_generic(root, "document", None, None)
            return
        for key, value in root.value:
            self.key(key, "document", None)
            if key.value == "interactions" and isinstance(value, yaml.SequenceNode):
                for ix, item in enumerate(value.value):
                    self.walk_interaction(item, ix)
            else:
                self.walk_generic(value, str(key.value), None, str(key.value))

    def walk_interaction(self, node: yaml.Node, ix: int) -> None:
        if not isinstance(node, yaml.MappingNode):
            self.walk_generic(node, f"interaction {ix}", ix, None)
            return
        for key, value in node.value:
            self.key(key, f"interaction {ix}", ix)
            side = str(key.value)
            if side in ("request", "response") and isinstance(value, yaml.MappingNode):
                self.walk_message(value, side, ix)
            else:
                self.walk_generic(value, f"interaction {ix} {side}", ix, side)

    def walk_message(self, node: yaml.MappingNode, side: str, ix: int) -> None:
        content_type = ""
        for key, value in node.value:
            if key.value == "headers" and isinstance(value, yaml.MappingNode):
                for hkey, hvalue in value.value:
                    if str(hkey.value).lower() == "content-type":
                        scalars = list(_scalars(hvalue))
                        content_type = scalars[0][1] if scalars else ""
        prefix = f"interaction {ix} {side}"
        for key, value in node.value:
            part = str(key.value)
            self.key(key, prefix, ix)
            if part == "headers" and isinstance(value, yaml.MappingNode):
                for hkey, hvalue in value.value:
                    name = _scalar_text(hkey) if isinstance(hkey, yaml.ScalarNode) else ""
                    self.key(hkey, f"{prefix} header", ix)
                    for snode, text in _scalars(hvalue):
                        hits = header_hits(name, text, known=self.secrets, allow=self.allow)
                        self.report(snode, text, hits, f"{prefix} header {name}", ix)
            elif part == "uri" and isinstance(value, yaml.ScalarNode):
                text = str(value.value)
                hits = uri_hits(text, known=self.secrets, allow=self.allow)
                self.report(value, text, hits, f"{prefix} uri", ix, part_of=prefix)
            elif part in ("body", "content"):
                body_node = value
                if isinstance(value, yaml.MappingNode):
                    for bkey, bvalue in value.value:
                        self.key(bkey, f"{prefix} {part}", ix)
                        if bkey.value == "string":
                            body_node = bvalue
                if isinstance(body_node, yaml.ScalarNode):
                    if body_node.tag == "tag:yaml.org,2002:binary":
                        first, last = body_node.start_mark.line, body_node.end_mark.line
                        self.binary_lines.update(range(first + 1, last + 2))
                    text = _scalar_text(body_node)
                    if text:
                        self.walk_body(body_node, text, content_type, f"{prefix} body", ix)
                else:
                    self.walk_generic(value, f"{prefix} {part}", ix, part)
            else:
                self.walk_generic(value, f"{prefix} {part}", ix, part)

    def walk_body(
        self, node: yaml.ScalarNode, text: str, content_type: str, where: str, ix: int
    ) -> None:
        stripped = text.lstrip()
        if stripped[:1] in ("{", "[") or _MediaJSON.search(content_type):
            try:
                data = loads_json_body(text)
            except (json.JSONDecodeError, RepeatedName):  # read as text below
                pass
            except ValueError as exc:  # nested deeper than the loader reads, a huge number
                raise CassetteError(
                    f"{where.removeprefix(f'interaction {ix} ')} is not JSON ({exc})",
                    file=self.path,
                    line=node.start_mark.line + 1,
                    interaction=ix,
                ) from None
            else:
                seen: dict[str, list[Hit]] = {}  # find_secrets' answers for this body's strings
                for path, name, value in iter_json_strings(data):
                    hits = json_string_hits(
                        value, path, name, known=self.secrets, allow=self.allow, seen=seen
                    )
                    self.report(node, value, hits, f"{where} {path}", ix)
                names: dict[str, list[Hit]] = {}  # the same for its member names
                for path, key in iter_json_keys(data):
                    hits = key_hits(key, known=self.secrets, seen=names)
                    self.report(node, key, hits, f"{where} {path} member name", ix)
                return
        hits = text_body_hits(text, content_type, known=self.secrets, allow=self.allow)
        self.report(node, text, hits, where, ix)

    def walk_generic(self, node: yaml.Node, where: str, ix: int | None, name: str | None) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                key_name = str(key.value)
                self.key(key, where, ix)
                inherited = name if name is not None and is_secret_name(name) else key_name
                self.walk_generic(value, f"{where}.{key_name}", ix, inherited)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.walk_generic(item, f"{where}[{i}]", ix, name)
        elif isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str":
            text = str(node.value)
            hits: list[Hit] = []
            if name is not None:
                kind = named_secret(name, text)
                if kind is not None and not self.allow.allows(text):
                    hits = [Hit(0, len(text), kind)]
            if not hits:
                found = find_secrets(text, known=self.secrets)
                hits = _allowed(found, text, self.allow, None)
            self.report(node, text, hits, where, ix)


def _scalars(node: yaml.Node) -> Iterator[tuple[yaml.ScalarNode, str]]:
    if isinstance(node, yaml.ScalarNode):
        yield node, _scalar_text(node)  # a bytes header value is written !!binary
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _scalars(item)


def _scalar_text(node: yaml.ScalarNode) -> str:
    """The text of a body scalar; ``!!binary`` content is base64-decoded and, when its bytes
    say so, gunzipped / inflated."""
    if node.tag != "tag:yaml.org,2002:binary":
        return "" if node.tag == "tag:yaml.org,2002:null" else str(node.value)
    try:
        data = base64.b64decode("".join(str(node.value).split()))
    except (binascii.Error, ValueError):
        return ""
    coding = "gzip" if data[:2] == GZIP_MAGIC else "deflate" if data[:1] == b"\x78" else None
    if coding is not None:
        try:
            data = decode_content(data, [coding])
        except BodyError:
            return ""
    return data.decode("utf-8", errors="replace")


def scan(
    paths: Iterable[str | Path],
    *,
    secrets: Iterable[str] = (),
    allow: Allowlist | Mapping[str, str] | Iterable[str] | None = None,
) -> list[Finding]:
    """Probable secrets in cassette files (directories are searched for ``*.yaml``,
    ``*.yml`` and ``*.json``). See :func:`scan_report`."""
    return scan_report(paths, secrets=secrets, allow=allow).findings


def scan_report(
    paths: Iterable[str | Path],
    *,
    secrets: Iterable[str] = (),
    allow: Allowlist | Mapping[str, str] | Iterable[str] | None = None,
) -> ScanReport:
    """Probable secrets in cassette files, with the number of files read.

    A file that is not valid YAML is still searched line by line for token shapes, so a
    broken file cannot hide a leak. ``secrets`` are literal values to look for as well;
    ``allow`` the ``secrets_allow`` entries. A file with YAML anchors or aliases raises
    ``CassetteError`` naming it and the line.
    """
    scrubber = Scrubber(secrets)  # as the scrubber redacts them: as they are, and encoded
    known = (*scrubber.secrets, *scrubber.encoded_secrets)
    allowlist = allow if isinstance(allow, Allowlist) else Allowlist(allow or ())
    findings: list[Finding] = []
    files = 0
    for path in iter_cassette_paths(paths):
        files += 1
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CassetteError(f"cannot read: {exc.strerror or exc}", file=path) from exc
        text = data.decode("utf-8", errors="replace")
        scanner = _Scanner(path, text, known, allowlist)
        if may_hold_anchors(data):
            refuse_anchors(data, path)  # the loader's refusal: one message, one rule
        nodes, read_first = _compose(text)
        try:
            for root in nodes:
                if root is not None:
                    scanner.walk_document(root)
        except RecursionError:  # nested deeper than a walk can go: every line, below
            read_first = False
        extra = _line_scan(path, text, known, allowlist, scanner, every_line=not read_first)
        findings.extend(_dedupe(scanner.findings + extra))
    return ScanReport(files, sorted(findings))


#: libyaml's composer when PyYAML has it (vcrpy reads cassettes with it too; several times
#: faster), then PyYAML's pure-Python one, which reads some files libyaml refuses (a JSON
#: cassette escaping an emoji as a surrogate pair, ``%YAML 1.3``). A file both refuse is
#: searched line by line.
_COMPOSERS: tuple[type[yaml.SafeLoader], ...] = tuple(
    dict.fromkeys((getattr(yaml, "CSafeLoader", yaml.SafeLoader), yaml.SafeLoader))
)


def _compose(text: str) -> tuple[list[yaml.Node | None], bool]:
    """The documents of ``text`` as nodes, by the first composer that reads it (none when
    none does), and whether the first one did: what only a later one reads is also searched
    line by line. The strings PyYAML's own composer gives have their surrogate pairs joined."""
    for composer in _COMPOSERS:
        try:
            nodes: list[yaml.Node | None] = list(yaml.compose_all(text, Loader=composer))
        except (yaml.YAMLError, RecursionError):
            continue
        if composer is yaml.SafeLoader:  # libyaml refuses the halves; PyYAML gives them
            for root in nodes:
                _join_surrogates(root)
        return nodes, composer is _COMPOSERS[0]
    return [], False


def _join_surrogates(node: yaml.Node | None) -> None:
    stack = [node]
    while stack:
        each = stack.pop()
        if isinstance(each, yaml.ScalarNode) and isinstance(each.value, str):
            each.value = _joined_surrogates(each.value)
        elif isinstance(each, yaml.SequenceNode):
            stack.extend(each.value)
        elif isinstance(each, yaml.MappingNode):
            stack.extend(part for pair in each.value for part in pair)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _joined_surrogates(text: str) -> str:
    """``text`` with each surrogate pair made the one character it encodes: a YAML reading of
    a JSON-escaped character outside the BMP (``"\\ud83d\\ude80"``) gives the two halves,
    which no JSON parser and no encoder takes. A lone half stays as it is."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "surrogatepass")


def _line_scan(
    path: Path,
    text: str,
    known: tuple[str, ...],
    allow: Allowlist,
    scanner: _Scanner,
    *,
    every_line: bool,
) -> list[Finding]:
    """Token shapes on raw lines: every line of a file that did not parse, and the lines that
    may hold a comment (``#``) of one that did."""
    reported = {f.line for f in scanner.findings}
    extra: list[Finding] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if lineno in reported or lineno in scanner.binary_lines:
            continue
        if not every_line and "#" not in line:
            continue
        for hit in find_secrets(line, known=known, pairs=False):
            value = line[hit.start : hit.end]
            if hit.kind not in _SHAPE_KINDS_EXCLUDED and not allow.allows(value):
                extra.append(Finding(path, lineno, "text", hit.kind, _mask(value)))
    return extra


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[int, str, str]] = set()
    out = []
    for f in findings:
        key = (f.line, f.where, f.kind)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
