"""Malformed and hostile inputs for ``cassette-contracts check``, one file each.

Each case replaces (or adds) one file of the harness project (``corpus/project``): a cassette,
a schema, ``schemas/contracts.toml`` or ``pyproject.toml``. ``where`` is the text the one
error line must hold: the file and the place (line, interaction, JSON pointer, TOML key).

Used by ``test_bad_inputs.py`` (one error line, exit 2, nothing changed) and by
``tools/bench_hostile.py`` (seconds and peak memory of each case in its own process), so it
imports nothing from the tests package.

The cassettes are cut from the corpus project's own (real, see their ``provenance``).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).parents[1] / "data" / "corpus" / "project"
BAD_CASSETTES = Path(__file__).parents[1] / "data" / "corpus" / "bad_cassettes"
BAD_SCHEMAS = Path(__file__).parents[1] / "data" / "corpus" / "bad_schemas"

CASSETTE = "cassettes/hostile.yaml"
SCHEMA = "schemas/github/user.schema.json"
CONTRACTS = "schemas/contracts.toml"
PYPROJECT = "pyproject.toml"


@dataclass(frozen=True)
class Case:
    """One malformed input: ``content`` written at ``path`` of the project."""

    id: str
    path: str
    content: bytes
    where: str


# The first interaction of corpus/project/cassettes/github/user.yaml, body shortened.
# Lines: 2 "- request:", 7 method, 8 uri, 11 response body string, 16 status code, 18 version.
_BODY = (
    """'{"login": "jacquev6", "id": 327146, "bio": null, "public_repos": 38, """
    """"created_at": "2010-07-09T06:10:06Z"}'"""
)
MINI = f"""interactions:
- request:
    body: null
    headers:
      Accept:
      - application/vnd.github+json
    method: GET
    uri: https://api.github.com/users/jacquev6
  response:
    body:
      string: {_BODY}
    headers:
      Content-Type:
      - application/json; charset=utf-8
    status:
      code: 200
      message: OK
version: 1
"""
USER_YAML = (PROJECT / "cassettes" / "github" / "user.yaml").read_text()
USER_SCHEMA = json.loads((PROJECT / SCHEMA).read_text())
CONTRACT = (
    '[[contract]]\nname = "a"\nrequest = "GET https://x.test/a"\nstatus = 200\n'
    'schema = "github/user.schema.json"\n'
)


def _mini(old: str, new: str) -> bytes:
    assert old in MINI, old
    return MINI.replace(old, new, 1).encode()


def _body(text: str) -> bytes:
    return _mini(_BODY, "'" + text + "'")


def _laughs(levels: int) -> str:
    """Request headers X-A.. whose aliases nest ``levels`` deep: 9**levels strings expanded."""
    names = [chr(ord("a") + i) for i in range(levels)]
    lines = [f"      X-{names[0].upper()}: &{names[0]} [" + ", ".join(["lol"] * 9) + "]"]
    for before, name in itertools.pairwise(names):
        lines.append(f"      X-{name.upper()}: &{name} [" + ", ".join([f"*{before}"] * 9) + "]")
    return "\n".join(lines)


def _schema(value: object) -> bytes:
    return json.dumps(value).encode()


def _deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def _cassettes() -> list[Case]:
    mini_lines = len(MINI.splitlines())
    user_lines = len(USER_YAML.splitlines())
    bomb = (
        "version: 1\ninteractions:\n- request:\n    body: null\n    headers:\n"
        + _laughs(8)
        + "\n    method: GET\n    uri: https://api.github.com/users/jacquev6\n"
        "  response: {status: {code: 200}, body: {string: '{}'}}\n"
    )
    assert len(bomb.splitlines()) == 16
    laughs_metadata = MINI + "metadata:\n" + _laughs(9).replace("      X-", "  x-") + "\n"
    c = CASSETTE
    cases = [
        # Duplicate keys: YAML keeps the last, which hid every interaction.
        Case(
            "duplicate-interactions",
            c,
            (USER_YAML + "interactions: []\n").encode(),
            f"{c}:{user_lines + 1}: duplicate key 'interactions' (first at line 1)",
        ),
        Case(
            "duplicate-version",
            c,
            (MINI + "version: 1\n").encode(),
            f"{c}:{mini_lines + 1}: duplicate key 'version' (first at line {mini_lines})",
        ),
        Case(
            "duplicate-method",
            c,
            _mini("    method: GET\n", "    method: GET\n    method: DELETE\n"),
            f"{c}:8: duplicate key 'method' (first at line 7)",
        ),
        Case(
            "duplicate-header",
            c,
            _mini("    status:\n", "      Content-Type:\n      - text/html\n    status:\n"),
            f"{c}:15: duplicate key 'Content-Type' (first at line 13)",
        ),
        Case(
            "duplicate-flow-key",
            c,
            _mini(
                "    status:\n      code: 200\n      message: OK\n",
                "    status: {code: 200, code: 500}\n",
            ),
            f"{c}:15: duplicate key 'code' (first at line 15)",
        ),
        # Anchors and aliases: vcrpy never writes them.
        Case("alias-bomb-in-header", c, bomb.encode(), f"{c}:6: YAML anchor &a: anchors and"),
        Case("laughs-in-metadata", c, laughs_metadata.encode(), f"{c}:20: YAML anchor &a:"),
        Case(
            "alias-to-body",
            c,
            _mini(
                "  response:\n    body:\n",
                "  response:\n    body: &b\n",
            )
            + b"- {request: {method: GET, uri: 'https://api.github.com/users/x', headers: {}},"
            b" response: {status: {code: 200}, body: *b}}\n",
            f"{c}:10: YAML anchor &b:",
        ),
        Case(
            "unused-anchor",
            c,
            _mini("    method: GET", "    method: &m GET"),
            f"{c}:7: YAML anchor &m:",
        ),
        Case(
            "merge-key",
            c,
            _mini(
                "    status:\n      code: 200\n      message: OK\n",
                "    status: &s {code: 200}\n    status2: {<<: *s}\n",
            ),
            f"{c}:15: YAML anchor &s:",
        ),
        # Nesting.
        Case(
            "json-body-100k-deep",
            c,
            _body(_deep_json(100_000)),
            f"{c}:2: interaction 0: response body is not JSON (nested deeper than 100 levels",
        ),
        Case(
            "json-body-101-deep",
            c,
            _body(_deep_json(101)),
            f"{c}:2: interaction 0: response body is not JSON (nested deeper than 100 levels",
        ),
        Case(
            "json-body-100k-deep-objects",
            c,
            _body('{"a":' * 100_000 + "1" + "}" * 100_000),
            f"{c}:2: interaction 0: response body is not JSON (nested deeper than 100 levels",
        ),
        Case(
            "yaml-flow-100k-deep",
            c,
            _mini("    method: GET", "    x: " + _deep_json(100_000) + "\n    method: GET"),
            f"{c}:7: malformed YAML: exceeded maximum nesting depth",
        ),
        Case(
            "yaml-flow-500-deep",
            c,
            _mini("    method: GET", "    x: " + _deep_json(500) + "\n    method: GET"),
            f"{c}:7: YAML nested deeper than 100 levels",
        ),
        Case(
            "yaml-block-500-deep",
            c,
            _mini("    method: GET", "    x:\n" + "    - " * 500 + "x\n    method: GET"),
            f"{c}:8: YAML nested deeper than 100 levels",
        ),
        # Values YAML cannot build.
        Case(
            "date-out-of-range",
            c,
            (MINI + "metadata: {recorded_at: 2024-13-45}\n").encode(),
            f"{c}:{mini_lines + 1}: cannot read the value '2024-13-45': month must be in 1..12",
        ),
        Case(
            "int-too-long",
            c,
            _mini("code: 200", "code: " + "2" * 5000),
            f"{c}:16: cannot read the value '2222",
        ),
        Case(
            "python-object-tag",
            c,
            _mini("body: null", "body: !!python/object/apply:os.system ['true']"),
            f"{c}:3: malformed YAML: could not determine a constructor for the tag",
        ),
        Case(
            "bad-base64",
            c,
            _mini("body: null", "body: !!binary 'a'"),
            f"{c}:3: malformed YAML: failed to decode base64 data",
        ),
        Case(
            "unhashable-key",
            c,
            _mini("    method: GET", "    ? [a, b]\n    : c\n    method: GET"),
            f"{c}:7: malformed YAML: found unhashable key",
        ),
        Case(
            "two-documents",
            c,
            (MINI + "---\nversion: 1\n").encode(),
            f"{c}:{mini_lines + 1}: malformed YAML: but found another document",
        ),
        Case("nul-byte", c, _mini("GET", "G\0T"), f"{c}:7: not valid UTF-8 text: byte"),
        Case("empty-file", c, b"", f"{c}:1: not a vcrpy cassette: the document is empty"),
        Case("only-a-comment", c, b"# nothing\n", f"{c}:1: not a vcrpy cassette: the document is"),
        Case(
            "a-scalar",
            c,
            b"interactions\n",
            f"{c}:1: not a vcrpy cassette: the document is a YAML str",
        ),
        Case(
            "interactions-a-string",
            c,
            b"version: 1\ninteractions: none\n",
            f"{c}: 'interactions' is not a list",
        ),
        Case(
            "interaction-a-list",
            c,
            b"version: 1\ninteractions:\n- [GET, https://api.github.com/users/x]\n",
            f"{c}:3: interaction 0: not an interaction",
        ),
        Case(
            "no-uri",
            c,
            _mini("    uri: https://api.github.com/users/jacquev6\n", ""),
            f"{c}:2: interaction 0: request has no 'method' and 'uri' strings",
        ),
        Case(
            "status-a-bool",
            c,
            _mini("code: 200", "code: true"),
            f"{c}:2: interaction 0: response has no integer 'status: {{code: ...}}'",
        ),
        Case(
            "body-a-number",
            c,
            _body("x").replace(b"string: 'x'", b"string: 5"),
            f"{c}:2: interaction 0: response body is neither text nor !!binary",
        ),
        Case(
            "headers-a-list",
            c,
            _mini("    headers:\n      Content-Type:\n", "    headers:\n    - Content-Type:\n"),
            f"{c}:2: interaction 0: response 'headers' is not a mapping",
        ),
        Case(
            "uri-bad-ipv6",
            c,
            _mini("https://api.github.com/users/jacquev6", "'http://[::1/users/x'"),
            f"{c}:2: interaction 0: request URL 'http://[::1/users/x' is not a valid URL",
        ),
        Case(
            "version-2",
            c,
            _mini("version: 1", "version: 2"),
            f"{c}: unsupported cassette version 2",
        ),
    ]
    one_line_files = {
        "malformed.yaml": ":15: malformed YAML: found unexpected end of stream",
        "no_interactions.yaml": ": not a vcrpy cassette: no 'interactions' list",
        "not_mapping.yaml": ":1: pre-1.0 vcrpy cassette format",
        "corrupt_gzip.yaml": ":2: interaction 0: response body has Content-Encoding gzip but is",
        "invalid_utf8.yaml": ":9: not valid UTF-8 text: byte 170",
        "invalid_utf8_body.yaml": ":2: interaction 0: response body is not valid UTF-8",
    }
    cases += [
        Case(f"corpus-{name}", c, (BAD_CASSETTES / name).read_bytes(), c + where)
        for name, where in one_line_files.items()
    ]
    return cases


def _schemas() -> list[Case]:
    s = SCHEMA
    props = USER_SCHEMA["properties"]
    cases = [
        Case("ref-self", s, _schema({"$ref": "#"}), f"{s}: $ref cycle at #/ that never reads"),
        Case(
            "defs-cycle",
            s,
            _schema(
                {
                    "$ref": "#/$defs/a",
                    "$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}},
                }
            ),
            f"{s}: $ref cycle at #/$defs/b that never reads a part of the value, so validation "
            "would never end: #/$defs/a -> #/$defs/b -> #/$defs/a",
        ),
        Case(
            "allof-cycle",
            s,
            _schema({**USER_SCHEMA, "allOf": [{"$ref": "#"}]}),
            f"{s}: $ref cycle at #/allOf/0 that never reads",
        ),
        Case(
            "property-ref-cycle",
            s,
            _schema(
                {
                    **USER_SCHEMA,
                    "properties": {**props, "login": {"$ref": "#/properties/login"}},
                }
            ),
            f"{s}: $ref cycle at #/properties/login that never reads",
        ),
        Case(
            "pattern-unclosed",
            s,
            _schema({**USER_SCHEMA, "properties": {**props, "login": {"pattern": "[unclosed"}}}),
            f"{s}: not a valid JSON Schema 2020-12 at #/properties/login/pattern: '[unclosed' is "
            "not a 'regex'",
        ),
        Case(
            "pattern-properties-bad-regex",
            s,
            _schema({**USER_SCHEMA, "patternProperties": {"(x": {}}}),
            f"{s}: not a valid JSON Schema 2020-12 at #/patternProperties: '(x' is not a 'regex'",
        ),
        Case(
            "id-not-a-uri",
            s,
            _schema({**USER_SCHEMA, "$id": "http://[::1"}),
            f"{s}: not a valid JSON Schema 2020-12 at #/$id: 'http://[::1' is not a "
            "'uri-reference'",
        ),
        Case(
            "ref-not-a-uri",
            s,
            _schema({**USER_SCHEMA, "properties": {**props, "id": {"$ref": "#/$defs/%zz"}}}),
            f"{s}: not a valid JSON Schema 2020-12 at #/properties/id/$ref:",
        ),
        Case(
            "multiple-of-zero",
            s,
            b'{"properties": {"id": {"multipleOf": 1e-400}}}',
            f"{s}: not a valid JSON Schema 2020-12 at #/properties/id/multipleOf:",
        ),
        Case(
            "schema-100k-deep",
            s,
            ('{"items":' * 100_000 + "{}" + "}" * 100_000).encode(),
            f"{s}: schema is nested deeper than 100 levels",
        ),
        Case(
            "schema-150-deep",
            s,
            ('{"items":' * 150 + "{}" + "}" * 150).encode(),
            f"{s}: schema is nested deeper than 100 levels",
        ),
        Case(
            "schema-a-list",
            s,
            b"[]",
            f"{s}: a schema must be a JSON object or boolean, not a JSON list",
        ),
        Case(
            "draft-07",
            s,
            _schema({**USER_SCHEMA, "$schema": "http://json-schema.org/draft-07/schema#"}),
            f"{s}: $schema is 'http://json-schema.org/draft-07/schema#': only JSON Schema 2020-12",
        ),
        Case("schema-empty", s, b"", f"{s}:1: schema is not JSON: Expecting value"),
        Case("schema-not-utf8", s, b'{"title": "\xff"}', f"{s}: schema is not UTF-8 text (byte"),
    ]
    corpus = {
        "not_json.schema.json": ":5: schema is not JSON: Expecting ',' delimiter",
        "not_2020_12.schema.json": ": not a valid JSON Schema 2020-12 at #/properties/login/type",
        "dangling_ref.schema.json": ": $ref 'common.schema.json#/$defs/date' at "
        "#/properties/created_at does not resolve",
        "missing_file_ref.schema.json": ": $ref 'owner.schema.json' at #/properties/owner does "
        "not resolve",
    }
    cases += [
        Case(f"corpus-{name}", s, (BAD_SCHEMAS / name).read_bytes(), s + where)
        for name, where in corpus.items()
    ]
    return cases


def _contracts() -> list[Case]:
    t = CONTRACTS
    entry = f"{t}: [[contract]] #1 (a):"

    def contract(old: str, new: str) -> bytes:
        assert old in CONTRACT, old
        return CONTRACT.replace(old, new).encode()

    return [
        Case("toml-syntax", t, b"[[contract]]\nname = \n", f"{t}:2: not valid TOML: "),
        Case(
            "toml-duplicate-key",
            t,
            CONTRACT.encode() + b'name = "b"\n',
            f"{t}:6: not valid TOML: Cannot overwrite a value (at line 6",
        ),
        Case(
            "toml-100k-deep",
            t,
            b"x = " + _deep_json(100_000).encode() + b"\n",
            f"{t}: not valid TOML: nested too deeply",
        ),
        Case("toml-not-utf8", t, b"# \xff\n[[contract]]\n", f"{t}: not UTF-8 text (byte 2)"),
        Case("unknown-top-level-key", t, b"contracts = []\n", f"{t}: unknown top-level key(s)"),
        Case("contract-an-int", t, b"contract = 1\n", f"{t}: 'contract' must be an array"),
        Case("contract-an-int-list", t, b"contract = [1]\n", f"{t}: [[contract]] #1: is not a"),
        Case(
            "unknown-key",
            t,
            CONTRACT.encode() + b'method = "GET"\n',
            f"{entry} unknown key(s) method",
        ),
        Case(
            "missing-keys",
            t,
            b'[[contract]]\nname = "a"\nrequest = "GET https://x.test/a"\n',
            f"{entry} missing key(s) status, schema",
        ),
        Case("name-empty", t, contract('name = "a"', 'name = ""'), f"{t}: [[contract]] #1: 'name'"),
        Case(
            "request-without-method",
            t,
            contract("GET https", "https"),
            f"{entry} request 'https://x.test/a' must be 'METHOD URL'",
        ),
        Case(
            "request-ftp",
            t,
            contract("GET https", "GET ftp"),
            f"{entry} request 'GET ftp://x.test/a' must be 'METHOD URL'",
        ),
        Case(
            "request-with-query",
            t,
            contract("/a", "/a?page=1"),
            f"{entry} request 'GET https://x.test/a?page=1': the URL template takes no query",
        ),
        Case(
            "request-bad-ipv6",
            t,
            contract("https://x.test/a", "http://[::1/a"),
            f"{entry} request 'GET http://[::1/a': the URL is not valid: Invalid IPv6 URL",
        ),
        Case(
            "request-bad-port",
            t,
            contract("x.test/a", "x.test:99999/a"),
            f"{entry} request 'GET https://x.test:99999/a': the URL is not valid: Port out of "
            "range",
        ),
        Case(
            "request-unclosed-placeholder",
            t,
            contract("/a", "/{a"),
            f"{entry} request 'GET https://x.test/{{a': a '{{' or '}}' that is not part of a",
        ),
        Case(
            "status-a-string",
            t,
            contract("status = 200", 'status = "200"'),
            f"{entry} 'status' must be an HTTP status or a list of them, got '200'",
        ),
        Case(
            "status-out-of-range",
            t,
            contract("status = 200", "status = [200, 999]"),
            f"{entry} 'status' must be an HTTP status",
        ),
        Case(
            "auth-unknown",
            t,
            CONTRACT.encode() + b'auth = "yes"\n',
            f"{entry} 'auth' must be one of 'required', 'optional', 'absent', got 'yes'",
        ),
        Case(
            "query-not-names",
            t,
            CONTRACT.encode() + b"query = [1]\n",
            f"{entry} 'query' must be a list of parameter names",
        ),
        Case(
            "request-schema-an-int",
            t,
            CONTRACT.encode() + b"request_schema = 3\n",
            f"{entry} 'request_schema' must be a non-empty string",
        ),
        Case(
            "name-used-twice",
            t,
            (CONTRACT + CONTRACT.replace("/a", "/b")).encode(),
            f"{t}: [[contract]] #2: name 'a' is used twice",
        ),
    ]


def _pyproject() -> list[Case]:
    p = PYPROJECT
    table = f"{p} [tool.cassette_contracts]:"

    def settings(text: str) -> bytes:
        return f'[project]\nname = "x"\n\n[tool.cassette_contracts]\n{text}\n'.encode()

    return [
        Case("tool-an-int", p, b"tool = 1\n", f"{p}: [tool.cassette_contracts] must be a table"),
        Case(
            "table-a-string",
            p,
            b'[tool]\ncassette_contracts = "x"\n',
            f"{p}: [tool.cassette_contracts] must be a table",
        ),
        Case(
            "strict-a-string",
            p,
            settings('strict = "yes"'),
            f"{table} strict must be true or false, got 'yes'",
        ),
        Case("cassettes-an-int", p, settings("cassettes = 3"), f"{table} cassettes must be a path"),
        Case("schemas-empty", p, settings('schemas = ""'), f"{table} schemas must be a path"),
        Case(
            "schemas-nul",
            p,
            settings('schemas = "a\\u0000b"'),
            f"{table} schemas must be a path (a non-empty string), got 'a\\x00b'",
        ),
        Case(
            "cache-dir-nul",
            p,
            settings('cache_dir = "a\\u0000b"'),
            f"{table} cache_dir must be a path",
        ),
        Case("unknown-setting", p, settings("colour = 3"), f"{table} unknown setting 'colour'"),
        Case(
            "upstreams-not-strings",
            p,
            settings("upstreams = {API_URL = 1}"),
            f"{table} upstreams must be a table of strings",
        ),
        Case(
            "pyproject-syntax",
            p,
            b"[tool.cassette_contracts\n",
            f"{p}: cannot read [tool.cassette_contracts]: Expected ']'",
        ),
        Case(
            "pyproject-duplicate-key",
            p,
            settings("strict = true\nstrict = false"),
            f"{p}: cannot read [tool.cassette_contracts]: Cannot overwrite a value (at line 6",
        ),
        Case(
            "pyproject-100k-deep",
            p,
            b"x = " + _deep_json(100_000).encode() + b"\n",
            f"{p}: cannot read [tool.cassette_contracts]: TOML nested too deeply",
        ),
        Case(
            "pyproject-not-utf8",
            p,
            b"# \xff\n",
            f"{p}: cannot read [tool.cassette_contracts]: 'utf-8' codec can't decode byte 0xff",
        ),
    ]


CASES: list[Case] = [*_cassettes(), *_schemas(), *_contracts(), *_pyproject()]
assert len({case.id for case in CASES}) == len(CASES), "case ids must be unique"
