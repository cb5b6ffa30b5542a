"""Every cassette shape vcrpy replays loads; the one it refuses is a one-line error."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import pytest
from vcr.request import Request
from vcr.serializers import jsonserializer

from cassette_contracts.cassettes.discover import iter_cassette_paths
from cassette_contracts.cassettes.interaction import Interaction
from cassette_contracts.cassettes.load import load_cassette
from cassette_contracts.errors import CassetteError

DATA = Path(__file__).parent / "data"


def _record(status: int = 200, body: str = '{"ok": true}') -> dict[str, object]:
    request = {"method": "GET", "uri": "https://api.example.test/x", "body": None, "headers": {}}
    response = {
        "status": {"code": status, "message": "OK"},
        "headers": {"Content-Type": ["application/json"]},
        "body": {"string": body},
    }
    return {"request": request, "response": response}


def _yaml(tmp_path: Path, text: str, name: str = "c.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_json_serializer_cassette_loads(tmp_path: Path) -> None:
    """A cassette written by vcrpy's JSON serializer loads, beyond-BMP characters included."""
    path = tmp_path / "tweets.json"
    document = {"version": 1, "interactions": [_record(body='{"name": "rose \U0001f339"}')]}
    path.write_text(jsonserializer.serialize(document), encoding="utf-8")
    [interaction] = load_cassette(path).interactions
    assert interaction.json() == {"name": "rose \U0001f339"}


def test_json_cassette_interactions_know_their_lines(tmp_path: Path) -> None:
    """Each interaction of a JSON cassette carries the line where its object starts."""
    path = tmp_path / "two.json"
    document = {"version": 1, "interactions": [_record(), _record(status=404)]}
    text = jsonserializer.serialize(document)
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    found = [i.line or 0 for i in load_cassette(path).interactions]
    assert [lines[n - 1 : n + 1] for n in found] == [["        {", '            "request": {']] * 2
    assert found[0] < found[1]


def test_malformed_json_cassette_names_the_line(tmp_path: Path) -> None:
    """A broken JSON cassette is one error naming the line, not a YAML message."""
    path = tmp_path / "broken.json"
    path.write_text('{\n  "version": 1,\n  "interactions": [\n    {,\n', encoding="utf-8")
    with pytest.raises(CassetteError, match=r"broken\.json:4: malformed JSON: Expecting"):
        load_cassette(path)


def test_cassette_without_version_loads() -> None:
    """No ``version`` key: vcrpy accepts that, and so does the loader."""
    [interaction] = load_cassette(DATA / "no_version.yaml").interactions
    assert interaction.json()["login"] == "octocat"


def test_httpx_era_status_code_and_content_load(tmp_path: Path) -> None:
    """Responses written by vcrpy's old httpx stub ({status_code, content}) load."""
    path = _yaml(
        tmp_path,
        "interactions:\n"
        "- request: {method: GET, uri: 'https://api.example.test/x', body: null, headers: {}}\n"
        "  response:\n"
        "    status_code: 201\n"
        "    http_version: HTTP/1.1\n"
        "    headers: {content-type: [application/json]}\n"
        "    content: '{\"id\": 3}'\n"
        "version: 1\n",
    )
    [interaction] = load_cassette(path).interactions
    assert (interaction.status, interaction.json()) == (201, {"id": 3})


@pytest.mark.parametrize(
    "headers",
    [
        "{Content-Type: application/json, X-Rate: '5'}",
        "{Content-Type: !!python/tuple [application/json], X-Rate: !!python/tuple ['5']}",
        "[[Content-Type, application/json], [X-Rate, '5']]",
    ],
    ids=["scalars", "tuples", "pairs"],
)
def test_header_shapes_load_as_lists(tmp_path: Path, headers: str) -> None:
    """Header values given as scalars, tuples or a list of pairs become lists of strings."""
    path = _yaml(
        tmp_path,
        "interactions:\n"
        f"- request: {{method: GET, uri: 'https://a.test/', body: null, headers: {headers}}}\n"
        f"  response: {{status: {{code: 200}}, headers: {headers}, body: {{string: '{{}}'}}}}\n"
        "version: 1\n",
    )
    [interaction] = load_cassette(path).interactions
    expected = {"Content-Type": ["application/json"], "X-Rate": ["5"]}
    assert interaction.request_headers == expected
    assert interaction.response_headers == expected


def test_aiohttp_json_request_body_is_read_as_json(tmp_path: Path) -> None:
    """A request body aiohttp stored as a mapping (``json=``) is the JSON it sent."""
    path = _yaml(
        tmp_path,
        "interactions:\n"
        "- request:\n"
        "    body: {tweet_id: '1507070437557096461', hidden: true}\n"
        "    headers: {}\n"
        "    method: POST\n"
        "    uri: https://api.example.test/likes\n"
        "  response: {status: {code: 200}, headers: {}, body: {string: '{}'}}\n"
        "version: 1\n",
    )
    [interaction] = load_cassette(path).interactions
    assert interaction.request_json() == {"tweet_id": "1507070437557096461", "hidden": True}


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "old.yaml",
            "- request: !!python/object:vcr.request.Request\n"
            "    host: api.example.test\n"
            "  response: {status: {code: 200}}\n",
        ),
        ("old.yaml", "- request: {host: api.example.test}\n  response: {}\n"),
        ("old.json", '[{"request": {"host": "api.example.test"}, "response": {}}]'),
    ],
    ids=["yaml-tagged", "yaml-list", "json-list"],
)
def test_pre_1_0_cassette_names_format_and_migration(tmp_path: Path, name: str, text: str) -> None:
    """The pre-1.0 format vcrpy refuses is one line naming it and vcrpy's migration command."""
    path = _yaml(tmp_path, text, name)
    with pytest.raises(CassetteError) as caught:
        load_cassette(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:1: pre-1.0 vcrpy cassette format")
    assert "python -m vcr.migration PATH" in message
    assert "\n" not in message


def test_folders_give_json_cassettes_too(tmp_path: Path) -> None:
    """A cassette folder is searched for JSON-serializer cassettes as well as YAML ones."""
    for name in ("a.yaml", "b.json", "c.yml", "d.txt"):
        (tmp_path / name).write_text("")
    assert [p.name for p in iter_cassette_paths([tmp_path])] == ["a.yaml", "b.json", "c.yml"]


def test_loading_and_decoding_never_change_the_file(tmp_path: Path) -> None:
    """Bodies are decoded in memory only: the cassette file keeps its exact bytes."""
    packed = base64.b64encode(gzip.compress(b'{"id": 1}')).decode()
    path = _yaml(
        tmp_path,
        "interactions:\n"
        "- request: {method: GET, uri: 'https://a.test/', body: null, headers: {}}\n"
        "  response:\n"
        "    status: {code: 200}\n"
        "    headers: {Content-Encoding: [gzip], Content-Type: [application/json]}\n"
        f"    body: {{string: !!binary '{packed}'}}\n"
        "version: 1\n",
    )
    before = path.read_bytes()
    [interaction] = load_cassette(path).interactions
    assert (interaction.json(), interaction.body_kind.kind) == ({"id": 1}, "json")
    assert path.read_bytes() == before
    assert json.loads(interaction.decoded_body) == {"id": 1}


def test_from_vcr_reads_an_aiohttp_json_request_body() -> None:
    """An in-memory interaction from vcrpy's Request with a mapping body holds that JSON."""
    request = Request("POST", "https://api.example.test/likes", {"tweet_id": "15"}, {})
    response = {"status": {"code": 200}, "headers": {}, "body": {"string": b"{}"}}
    interaction = Interaction.from_vcr(request, response, "c.yaml", 0)
    assert interaction.request_json() == {"tweet_id": "15"}
