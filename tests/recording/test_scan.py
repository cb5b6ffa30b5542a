"""scan(): planted secrets are found with file and line; real GitHub payloads are clean."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from cassette_contracts.errors import UsageError
from cassette_contracts.recording.scan import Finding, scan

DATA = Path(__file__).parent / "data"
GHP = "ghp_" + "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa"
PAT = "github_pat_" + "11ABCDEFG0123456789_abcdefghijKLMNOPQRSTuvwxyz0123456789ABCD"
RANDOM = "q8Vf3Kz1Lm9Xc7Bn5Rt2Wy4Hj6Gd0Sa"  # 32 chars, high entropy


def cassette(
    request_headers: str = "", uri: str = "https://api.github.com/user", body: str = "{}"
) -> str:
    """A vcrpy cassette; line 1 is ``interactions:``, request headers start on line 5."""
    return (
        "interactions:\n"  # 1
        "- request:\n"  # 2
        "    body: null\n"  # 3
        "    headers:\n"  # 4
        f"{request_headers}"
        "      Accept:\n"
        "      - application/json\n"
        "    method: GET\n"
        f"    uri: {uri}\n"
        "  response:\n"
        "    body:\n"
        f"      string: {body}\n"
        "    headers:\n"
        "      Content-Type:\n"
        "      - application/json; charset=utf-8\n"
        "    status:\n"
        "      code: 200\n"
        "      message: OK\n"
        "version: 1\n"
    )


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def write(tmp_path: Path, text: str, name: str = "c.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def json_cassette(
    tmp_path: Path, body: str, *, request_headers: dict[str, list[str]] | None = None
) -> Path:
    """A one-interaction cassette as vcrpy's JSON serializer writes it (``c.json``)."""
    from vcr.serializers import jsonserializer

    interaction = {
        "request": {
            "body": None,
            "headers": request_headers or {},
            "method": "GET",
            "uri": "https://x.test/a",
        },
        "response": {
            "body": {"string": body},
            "headers": {"Content-Type": ["application/json"]},
            "status": {"code": 200, "message": "OK"},
        },
    }
    path = tmp_path / "c.json"
    path.write_text(jsonserializer.serialize({"interactions": [interaction], "version": 1}))
    return path


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]


@pytest.mark.parametrize(
    ("header_value", "kind", "secret"),
    [
        (f"token {GHP}", "github-token", GHP),
        ("Bearer eyJhbGciOiJIUzI1NiJ9.payload.signature", "auth-credential", "eyJhbGci"),
        ("token 0123456789abcdef0123456789abcdef01234567", "auth-credential", "01234567"),
        ("Basic dXNlcjpwYXNzd29yZA==", "auth-credential", "dXNlcjpw"),
    ],
)
def test_authorization_header_credential_is_found(
    tmp_path: Path, header_value: str, kind: str, secret: str
) -> None:
    """An Authorization value that is not the placeholder is a finding at its line."""
    text = cassette(f"      Authorization:\n      - {header_value}\n")
    path = write(tmp_path, text)
    finding = only(scan([path]))
    assert finding.file == path
    assert finding.line == line_of(text, header_value)
    assert finding.kind == kind
    assert finding.where == "interaction 0 request header Authorization"
    assert finding.interaction == 0


def test_placeholder_authorization_is_clean(tmp_path: Path) -> None:
    """``token <REDACTED>`` (what the scrubber writes) is not a finding."""
    path = write(tmp_path, cassette("      Authorization:\n      - token <REDACTED>\n"))
    assert scan([path]) == []


def test_github_pat_in_json_body_is_found_with_its_path(tmp_path: Path) -> None:
    """A fine-grained PAT inside a response body is reported with the JSON path."""
    body = "'" + json.dumps({"login": "octocat", "meta": {"note": PAT}}) + "'"
    text = cassette(body=body)
    finding = only(scan([write(tmp_path, text)]))
    assert finding.kind == "github-token"
    assert finding.where == "interaction 0 response body $.meta.note"
    assert finding.line == line_of(text, "string:")


def test_high_entropy_value_under_secret_name_is_found(tmp_path: Path) -> None:
    """A random-looking client_secret in a multi-line JSON body is found on its own line."""
    body_lines = json.dumps({"id": 1, "client_secret": RANDOM}, indent=2).splitlines()
    body = "|\n" + "\n".join("        " + line for line in body_lines)
    text = cassette(body=body)
    finding = only(scan([write(tmp_path, text)]))
    assert finding.kind == "high-entropy-secret"
    assert finding.where == "interaction 0 response body $.client_secret"
    assert finding.line == line_of(text, RANDOM)


def test_high_entropy_query_parameter_is_found(tmp_path: Path) -> None:
    """A random-looking api_key in the URL is reported as that query parameter."""
    text = cassette(uri=f"https://api.example.test/v1/items?page=1&api_key={RANDOM}")
    finding = only(scan([write(tmp_path, text)]))
    assert finding.kind == "high-entropy-secret"
    assert finding.where == "interaction 0 request query parameter api_key"
    assert finding.line == line_of(text, "uri:")


def test_redacted_query_parameter_is_clean(tmp_path: Path) -> None:
    """``access_token=REDACTED`` (as in the shared real data) is not a finding."""
    text = cassette(uri="https://api.github.com/user?access_token=REDACTED")
    assert scan([write(tmp_path, text)]) == []


def test_token_in_a_comment_is_found(tmp_path: Path) -> None:
    """Raw lines are searched too: a token in a YAML comment does not hide."""
    text = f"# debug: {GHP}\n" + cassette()
    finding = only(scan([write(tmp_path, text)]))
    assert (finding.line, finding.kind) == (1, "github-token")


def test_token_in_unparsable_file_is_found(tmp_path: Path) -> None:
    """A file that is not valid YAML is still searched line by line."""
    text = "interactions: [\n  broken: {\nAuthorization: token " + GHP + "\n"
    finding = only(scan([write(tmp_path, text)]))
    assert (finding.line, finding.kind) == (3, "github-token")


def test_known_secret_literal_is_found(tmp_path: Path) -> None:
    """A literal env secret handed to scan() is found wherever it sits."""
    secret = "plain-words-secret"
    text = cassette(uri=f"https://ntfy.example.test/{secret}/publish")
    finding = only(scan([write(tmp_path, text)], secrets=[secret]))
    assert finding.kind == "known-secret"
    assert finding.line == line_of(text, "uri:")


@pytest.mark.parametrize("secret", [GHP, PAT, RANDOM])
def test_finding_never_shows_the_whole_secret(tmp_path: Path, secret: str) -> None:
    """The masked value is a short prefix: the secret is in neither str() nor repr()."""
    body = "'" + json.dumps({"token": secret}) + "'"
    finding = only(scan([write(tmp_path, cassette(body=body))]))
    assert secret not in str(finding)
    assert secret not in repr(finding)
    assert secret[:4] in finding.masked


def test_directory_is_searched_recursively(tmp_path: Path) -> None:
    """A directory argument scans every *.yaml below it."""
    (tmp_path / "github").mkdir()
    path = write(tmp_path / "github", f"# {GHP}\n" + cassette(), "user.yaml")
    assert [f.file for f in scan([tmp_path])] == [path]


def test_missing_path_is_an_input_error(tmp_path: Path) -> None:
    """A path that does not exist is the one discovery's usage error naming it, not a pass."""
    with pytest.raises(UsageError, match=r"no such cassette file or folder: .*nope\.yaml"):
        scan([tmp_path / "nope.yaml"])


REAL = sorted(p for p in DATA.glob("*.json") if not p.name.endswith(".meta.json"))


@pytest.mark.parametrize("payload", REAL, ids=[p.stem for p in REAL])
def test_real_github_payload_has_no_finding(tmp_path: Path, payload: Path) -> None:
    """A real GitHub response (node_id, sha, ETag, X-GitHub-Request-Id, URLs) is clean."""
    meta = json.loads(payload.with_name(payload.stem + ".meta.json").read_text())
    headers: dict[str, list[str]] = {}
    for name, value in meta["response_headers"]:
        headers.setdefault(name, []).append(value)
    document = {
        "interactions": [
            {
                "request": {
                    "body": None,
                    "headers": {"Authorization": ["token <REDACTED>"]},
                    "method": meta["method"],
                    "uri": meta["url"],
                },
                "response": {
                    "body": {"string": payload.read_text()},
                    "headers": headers,
                    "status": {"code": meta["status"], "message": "OK"},
                },
            }
        ],
        "version": 1,
    }
    path = write(tmp_path, yaml.safe_dump(document, sort_keys=False))
    assert scan([path]) == []


def test_symlinked_folder_is_scanned(tmp_path: Path) -> None:
    """A secret in a symlinked folder under the cassettes folder is found, not skipped."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    write(outside, f"# {GHP}\n" + cassette(), "user.yaml")
    root = tmp_path / "cassettes"
    root.mkdir()
    (root / "linked").symlink_to(outside, target_is_directory=True)
    assert [f.file for f in scan([root])] == [root / "linked" / "user.yaml"]


def test_libyamls_composer_gives_the_pure_python_composers_report(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """scan composes with libyaml (as vcrpy reads): the same findings, lines and places as
    with PyYAML's pure-Python composer, over recorded cassettes with findings (tweepy's,
    non-ASCII text before many of them)."""
    from cassette_contracts.recording import scan as scan_module

    root = Path(__file__).resolve().parents[2]
    tweepy = root / "tests" / "data" / "vcr_cassettes" / "tweepy"
    names = ["client_create_and_get_compliance_job_and_jobs", "manage_and_lookup_direct_messages"]
    names += ["asyncclient_get_home_timeline", "asyncclient_get_liked_tweets"]
    paths = [tweepy / f"test_{name}.yaml" for name in names]
    assert (yaml.CSafeLoader, yaml.SafeLoader) == scan_module._COMPOSERS
    with_libyaml = scan(paths)
    monkeypatch.setattr(scan_module, "_COMPOSERS", (yaml.SafeLoader,))
    assert with_libyaml == scan(paths)
    assert len(with_libyaml) >= 10


def test_named_secret_in_a_json_cassette_with_an_emoji_is_found(tmp_path: Path) -> None:
    """vcrpy's JSON serializer writes an emoji as an escaped surrogate pair (which libyaml
    refuses): the body is still read as JSON and its credential-named members reported."""
    body = {"title": "ship it \U0001f680", "password": "hunter2hunter2x", "login": "octocat"}
    path = json_cassette(tmp_path, json.dumps(body, ensure_ascii=False))
    assert "\\ud83d\\ude80" in path.read_text()
    finding = only(scan([path]))
    assert (finding.kind, finding.where) == (
        "named-secret",
        "interaction 0 response body $.password",
    )


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({GHP: 1}, "interaction 0 response body $ member name"),
        ({"data": [{PAT: "x"}]}, "interaction 0 response body $.data[0] member name"),
    ],
)
def test_token_as_a_json_member_name_is_found(
    tmp_path: Path, body: dict[str, Any], where: str
) -> None:
    """A token used as a member name (which the scrubber redacts) is reported, at the path
    of the object holding it: the finding never spells the name out."""
    text = cassette(body="'" + json.dumps(body) + "'")
    finding = only(scan([write(tmp_path, text)]))
    assert (finding.kind, finding.where) == ("github-token", where)
    assert GHP not in str(finding)
    assert PAT not in str(finding)


TOK = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"


@pytest.mark.parametrize(
    "body",
    [f'{{"a": "{TOK}", "a": "x"}}', '{"password": "hunter2hunter2xx", "password": "x"}'],
    ids=["token", "named"],
)
def test_a_repeated_member_name_hides_no_value_from_scan(tmp_path: Path, body: str) -> None:
    """The first of two members with one name (which JSON drops) is reported."""
    assert scan([write(tmp_path, cassette(body="'" + body + "'"))])


@pytest.mark.parametrize(
    "body",
    [{TOK: {"password": "hunter2hunter2xx"}}, {TOK: [GHP]}, {TOK: {PAT: 1}}],
    ids=["named-below", "token-below", "name-below"],
)
def test_no_finding_spells_out_a_secret_in_its_place(tmp_path: Path, body: Any) -> None:
    """A secret used as a member name, on the path of another finding, is masked there too."""
    findings = scan([write(tmp_path, cassette(body="'" + json.dumps(body) + "'"))])
    assert findings
    assert not [str(f) for f in findings if TOK in str(f) or PAT in str(f) or GHP in str(f)]


def test_no_finding_spells_out_a_token_used_as_a_header_name(tmp_path: Path) -> None:
    """A token as a header's name, with a bearer value: reported, neither spelled out."""
    text = cassette(
        request_headers=f"      {TOK}:\n      - Bearer Zx81Qm0Lw7Vb3Nc5Rt9Yu2Io4Pa6Sd\n"
    )
    findings = scan([write(tmp_path, text)])
    assert findings
    assert not [str(f) for f in findings if TOK in str(f)]


def test_a_lone_surrogate_in_a_json_cassette_body_stops_nothing(tmp_path: Path) -> None:
    """A JSON-escaped half of a surrogate pair (a broken emoji) beside a password: the body is
    read, the password reported, no error."""
    path = json_cassette(tmp_path, '{"title": "broken \udc80", "password": "hunter2hunter2xx"}')
    finding = only(scan([path]))
    assert finding.where == "interaction 0 response body $.password"


def test_a_known_secret_with_an_emoji_in_a_json_cassette_header_is_found(tmp_path: Path) -> None:
    """vcrpy's JSON serializer escapes the emoji inside a header value as a surrogate pair: the
    known secret holding it is found there as in the body."""
    secret = "s3cret\U0001f511Value-abcdef"
    path = json_cassette(tmp_path, "", request_headers={"X-Thing": [secret]})
    finding = only(scan([path], secrets=[secret]))
    assert (finding.kind, finding.where) == ("known-secret", "interaction 0 request header X-Thing")


@pytest.mark.parametrize(
    "text",
    [
        f"%YAML 1.3\n---\ninteractions: []\nextra:\n  {TOK}: 1\n",
        "%YAML 1.3\n---\nx: " + "[" * 500 + "]" * 500 + f"\ny: {TOK}\n",
    ],
    ids=["yaml-1.3", "yaml-1.3-deep"],
)
def test_a_file_libyaml_refuses_is_searched_line_by_line(tmp_path: Path, text: str) -> None:
    """What libyaml does not read is searched on every line, whatever PyYAML's own composer
    makes of it (or if it gives up): the token is found, no traceback."""
    finding = only(scan([write(tmp_path, text)]))
    assert finding.kind == "github-token"


@pytest.mark.parametrize("where", ["uri", "header"])
def test_a_percent_encoded_known_secret_is_found(tmp_path: Path, where: str) -> None:
    """A known secret written percent-encoded (which the scrubber redacts) is reported."""
    from urllib.parse import quote

    secret = "p@ss/w0rd+Secret!!"
    encoded = quote(secret, safe="")
    text = (
        cassette(uri=f"https://api.github.com/user?q={encoded}")
        if where == "uri"
        else cassette(request_headers=f"      X-Thing:\n      - {encoded}\n")
    )
    assert scan([write(tmp_path, text)], secrets=[secret])


def test_nesting_too_deep_to_walk_is_searched_line_by_line(tmp_path: Path) -> None:
    """A document nested deeper than Python's recursion allows (libyaml reads it): no
    traceback, the token beside it is found on its line."""
    text = "x: " + "[" * 990 + "]" * 990 + f"\ny: {TOK}\n"
    finding = only(scan([write(tmp_path, text)]))
    assert (finding.kind, finding.line) == ("github-token", 2)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (cassette(request_headers=f"      {GHP}:\n      - '1'\n"), "interaction 0 request header"),
        (
            cassette().replace(
                "    headers:\n      Content-Type:",
                f"    headers:\n      X-{PAT}:\n      - '1'\n      Content-Type:",
            ),
            "interaction 0 response header",
        ),
        (cassette() + f"metadata:\n  {GHP}: x\n", "metadata"),
    ],
    ids=["request-header", "response-header", "metadata-key"],
)
def test_a_token_as_a_header_or_key_name_is_found(tmp_path: Path, text: str, where: str) -> None:
    """A token used as a header name (or any other key of the cassette), which the scrubber
    redacts, is reported on its line, with the name masked."""
    finding = only(scan([write(tmp_path, text)]))
    assert finding.where == f"{where} name"
    assert finding.kind == "github-token"
    assert finding.line == line_of(text, GHP if GHP in text else PAT)
    assert GHP not in str(finding)
    assert PAT not in str(finding)


def test_a_known_secret_as_a_header_name_is_found(tmp_path: Path) -> None:
    """A literal secret of the environment used as a header name is reported too."""
    secret = "s3cr3t-" + RANDOM
    text = cassette(request_headers=f"      X-{secret}:\n      - '1'\n")
    finding = only(scan([write(tmp_path, text)], secrets=[secret]))
    assert finding.where == "interaction 0 request header name"
    assert secret not in str(finding)


def test_a_known_secret_in_a_header_name_is_found_in_any_letter_case(tmp_path: Path) -> None:
    """httpx writes header names in lower case: a known secret there is reported, and the
    finding spells it out in no letter case."""
    secret = "Env-Secret-" + RANDOM
    text = cassette(request_headers=f"      x-{secret.lower()}:\n      - token {GHP}\n")
    findings = scan([write(tmp_path, text)], secrets=[secret])
    assert {f.where for f in findings} == {
        "interaction 0 request header name",
        "interaction 0 request header x-***",
    }
    assert not [f for f in findings if secret.lower() in str(f).lower()]


def test_a_known_secret_as_a_member_name_with_a_quote_is_masked(tmp_path: Path) -> None:
    """A member name that JSON paths escape (a quote, a backslash) is still masked in the
    place of a finding below it."""
    secret = "PA'SS-" + RANDOM
    text = cassette(body="'" + json.dumps({secret: GHP}).replace("'", "''") + "'")
    findings = scan([write(tmp_path, text)], secrets=[secret])
    assert findings
    escaped = secret.replace("'", "\\'")
    assert not [str(f) for f in findings if escaped in str(f) or secret in str(f)]


def test_a_secret_in_a_binary_header_name_or_value_is_found(tmp_path: Path) -> None:
    """A header name or value written as !!binary (bytes) is read decoded."""
    import base64

    secret = "env-secret-" + RANDOM
    name = base64.b64encode(f"X-{secret}".encode()).decode()
    value = base64.b64encode(f"token {GHP}".encode()).decode()
    text = cassette(request_headers=f"      ? !!binary {name}\n      : - !!binary {value}\n")
    findings = scan([write(tmp_path, text)], secrets=[secret])
    assert {(f.where, f.kind) for f in findings} >= {
        ("interaction 0 request header name", "known-secret"),
        ("interaction 0 request header X-***", "github-token"),
    }
