"""The rules shared by the scrubber and scan: secret variables, the allowlist, YAML aliases,
the scan summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from cassette_contracts.errors import CassetteError, UsageError
from cassette_contracts.recording.scan import scan, scan_report
from cassette_contracts.recording.scrub import Allowlist, Scrubber, is_secret_variable
from cassette_contracts.settings import load_settings

CURSOR = "next:" + "bGFzdF9pZD0xMjM0NTY3ODkwJnNvcnQ9ZGF0ZXRpbWU"
RANDOM = "q8Vf3Kz1Lm9Xc7Bn5Rt2Wy4Hj6Gd0Sa"


@pytest.mark.parametrize(
    "name",
    [
        "GITHUB_TOKEN",
        "PARTNER_API_KEY",
        "STRIPE_SECRET",
        "DB_PASSWORD",
        "SMTP_PASS",
        "CI_AUTH",
        "X_AUTH_HEADER",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "api_key",
        "SESSION_COOKIE",
    ],
)
def test_secret_variables_by_the_generic_rule(name: str) -> None:
    """*_TOKEN, *_KEY, *_SECRET, *_PASSWORD, *_PASS, *_AUTH*, *_CREDENTIALS are secrets."""
    assert is_secret_variable(name)


@pytest.mark.parametrize(
    "name", ["HOME", "PATH", "GIT_AUTHOR_NAME", "KEYBOARD", "TOKENIZERS_PARALLELISM", "PASSAGE"]
)
def test_ordinary_variables_are_not_secrets(name: str) -> None:
    """Variables that only contain a secret word are not secrets (GIT_AUTHOR_NAME)."""
    assert not is_secret_variable(name)


def test_from_environ_takes_values_by_the_generic_rule() -> None:
    """Values of secret variables (8 characters or more) become literal secrets."""
    environ = {"PARTNER_AUTH_HEADER": "hdr-value-123", "SMTP_PASS": "mail-pass-9", "HOME": "/h"}
    assert set(Scrubber.from_environ(environ).secrets) == {"hdr-value-123", "mail-pass-9"}


def cassette(tmp_path: Path, body: object, uri: str = "https://stac.example.test/search") -> Path:
    document = {
        "interactions": [
            {
                "request": {"body": None, "headers": {}, "method": "GET", "uri": uri},
                "response": {
                    "body": {"string": json.dumps(body)},
                    "headers": {"Content-Type": ["application/json"]},
                    "status": {"code": 200, "message": "OK"},
                },
            }
        ],
        "version": 1,
    }
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


PAGED = {"links": [{"rel": "next", "body": {"token": CURSOR}}], "features": []}


def test_paging_cursor_under_token_is_a_finding(tmp_path: Path) -> None:
    """Without an allowlist, STAC's "token": "next:..." looks like a credential."""
    findings = scan([cassette(tmp_path, PAGED)])
    assert [f.where for f in findings] == ["interaction 0 response body $.links[0].body.token"]


@pytest.mark.parametrize("entry", ["$.links[*].body.token", "$.links[0].body.token", "^next:"])
def test_allowlist_by_json_path_or_marker_removes_the_cursor(tmp_path: Path, entry: str) -> None:
    """An allowlist entry, a JSON path (any index) or a regex on the value, clears it."""
    assert scan([cassette(tmp_path, PAGED)], allow={entry: "STAC paging cursor"}) == []


def test_allowlist_keeps_other_secrets(tmp_path: Path) -> None:
    """Allowing the cursor does not allow a real token beside it."""
    body = {**PAGED, "auth": {"access_token": RANDOM}}
    findings = scan([cassette(tmp_path, body)], allow={"^next:": "cursor"})
    assert [f.where for f in findings] == ["interaction 0 response body $.auth.access_token"]


def test_scrubber_keeps_an_allowlisted_cursor() -> None:
    """The scrubber honours the same allowlist: the cursor is recorded as it is."""
    body = json.dumps({**PAGED, "access_token": RANDOM}).encode()
    scrubbed = Scrubber(allow={"$.links[*].body.token": "cursor"}).scrub_body(
        body, "application/json"
    )
    data = json.loads(scrubbed)
    assert data["links"][0]["body"]["token"] == CURSOR
    assert data["access_token"] == "<REDACTED>"


def test_secrets_allow_setting_is_read_from_pyproject(tmp_path: Path) -> None:
    """[tool.cassette_contracts.secrets_allow] maps entries to their reasons."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.cassette_contracts.secrets_allow]\n"^next:" = "STAC paging cursor"\n'
    )
    settings = load_settings(tmp_path)
    assert settings.secrets_allow == {"^next:": "STAC paging cursor"}
    assert scan([cassette(tmp_path, PAGED)], allow=settings.secrets_allow) == []


def test_invalid_allowlist_regex_is_a_one_line_usage_error() -> None:
    """An entry that is neither a JSON path nor a valid regex names itself."""
    with pytest.raises(UsageError, match=r"secrets_allow: '\[unclosed' is neither") as info:
        Allowlist({"[unclosed": "oops"})
    assert "\n" not in str(info.value)


BILLION_LAUGHS = """\
interactions: []
version: 1
metadata:
  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
  h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
  i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def test_billion_laughs_is_refused_with_a_one_line_error(tmp_path: Path) -> None:
    """YAML anchors / aliases (never written by vcrpy) are refused, naming file and line."""
    path = tmp_path / "laughs.yaml"
    path.write_text(BILLION_LAUGHS)
    with pytest.raises(CassetteError, match="YAML anchor &a: anchors and aliases are not") as info:
        scan([path])
    assert str(info.value).startswith(f"{path}:4: ")
    assert "\n" not in str(info.value)


def test_an_alias_without_anchor_first_is_refused_too(tmp_path: Path) -> None:
    """An alias in a header value is refused as well (the anchor is named where it is)."""
    path = tmp_path / "alias.yaml"
    path.write_text("x: &tok abc\ninteractions:\n- request: {headers: {A: [*tok]}}\n")
    with pytest.raises(CassetteError, match="YAML anchor &tok: "):
        scan([path])


@pytest.mark.parametrize(
    ("files", "secret", "line"),
    [(1, False, "scan: 1 cassette, 0 secrets"), (2, True, "scan: 2 cassettes, 1 secret")],
)
def test_scan_summary_is_one_line(tmp_path: Path, files: int, secret: bool, line: str) -> None:
    """The summary counts the cassettes read and the secrets found, on success too."""
    for n in range(files):
        body = {"access_token": RANDOM} if secret and n == 0 else {"ok": True}
        (tmp_path / f"d{n}").mkdir()
        cassette(tmp_path / f"d{n}", body)
    assert scan_report([tmp_path]).summary() == line
