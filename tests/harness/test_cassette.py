"""Loading cassettes: structure, line numbers, bodies."""

from __future__ import annotations

from pathlib import Path

import pytest

from cassette_contracts import CassetteError, UsageError, iter_cassette_paths, load_cassette

from .conftest import CORPUS

PROJECT = CORPUS / "project"


def test_interactions_with_lines_and_metadata() -> None:
    """Each interaction knows its index and the line where it starts; metadata is kept."""
    cassette = load_cassette(PROJECT / "cassettes" / "github" / "user.yaml")
    first, second = cassette.interactions
    assert (first.index, first.line, first.method, first.status) == (0, 2, "GET", 200)
    assert (second.index, second.line, second.status) == (1, 31, 404)
    assert first.uri == "https://api.github.com/users/jacquev6"
    assert first.json()["login"] == "jacquev6"
    assert second.json()["message"] == "Not Found"
    assert "provenance" in cassette.metadata
    lines = (PROJECT / "cassettes" / "github" / "user.yaml").read_text().splitlines()
    assert lines[1] == lines[30] == "- request:"


def test_request_side() -> None:
    """Request headers (lists, as recorded) and a JSON request body are available."""
    [publish] = load_cassette(PROJECT / "cassettes" / "ntfy" / "publish.yaml").interactions
    assert publish.request_headers["Authorization"] == ["Bearer REDACTED"]
    assert publish.request_json()["topic"] == "cassette-contracts-alerts"


def test_lines_follow_any_layout(tmp_path: Path) -> None:
    """Line numbers come from the YAML itself, whatever the indentation or key order."""
    path = tmp_path / "hand.yaml"
    path.write_text(
        "version: 1\n"
        "interactions:\n"
        "  # first\n"
        "  - response: {status: {code: 200}, body: {string: '[]'}}\n"
        "    request: {method: get, uri: 'https://x.test/a', headers: {}}\n"
        "\n"
        "  - request: {method: GET, uri: 'https://x.test/b', body: !!binary 'e30='}\n"
        "    response:\n"
        "      status: {code: 204}\n"
    )
    first, second = load_cassette(path).interactions
    assert (first.line, first.method, second.line) == (4, "GET", 7)
    assert (second.request_body, second.response_body) == (b"{}", b"")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version: 2\ninteractions: []\n", "unsupported cassette version 2"),
        ("version: 1\ninteractions: {}\n", "'interactions' is not a list"),
        ("version: 1\ninteractions: [3]\n", "interaction 0: not an interaction"),
        (
            "version: 1\ninteractions:\n- request: {method: GET}\n  response: {}\n",
            ":3: interaction 0: request has no 'method' and 'uri' strings",
        ),
        (
            "version: 1\ninteractions:\n- request: {method: GET, uri: u}\n  response: {}\n",
            ":3: interaction 0: response has no integer 'status: {code: ...}'",
        ),
        ("", "the document is empty"),
    ],
)
def test_malformed_structure(tmp_path: Path, text: str, message: str) -> None:
    """Structural problems are CassetteErrors naming file, line and interaction where known."""
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(CassetteError) as caught:
        load_cassette(path)
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(path))


def test_error_attributes() -> None:
    """An InputError carries file, line and interaction as data, not only in its text."""
    [interaction] = load_cassette(CORPUS / "bad_cassettes" / "corrupt_gzip.yaml").interactions
    with pytest.raises(CassetteError) as caught:
        interaction.json()
    error = caught.value
    assert str(error.file).endswith("corpus/bad_cassettes/corrupt_gzip.yaml")
    assert (error.line, error.interaction, error.json_path) == (2, 0, None)
    assert error.exit_code == 2


def test_iter_cassette_paths(tmp_path: Path) -> None:
    """Folders give their *.yaml / *.yml / *.json files, sorted; files named are taken as is."""
    for name in ("b/two.yml", "a/one.yaml", "a/notes.txt", "c.json", "d.cassette"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    assert iter_cassette_paths([tmp_path, tmp_path / "d.cassette", tmp_path / "a"]) == [
        tmp_path / "a" / "one.yaml",
        tmp_path / "b" / "two.yml",
        tmp_path / "c.json",
        tmp_path / "d.cassette",
    ]
    with pytest.raises(UsageError, match="no such cassette file or folder"):
        iter_cassette_paths([tmp_path / "missing"])


def test_discovery_follows_a_symlinked_folder(tmp_path: Path) -> None:
    """A symlinked folder under the cassettes folder is read, not silently skipped."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "linked.yaml").write_text("version: 1\ninteractions: []\n")
    root = tmp_path / "cassettes"
    root.mkdir()
    (root / "own.yml").write_text("version: 1\ninteractions: []\n")
    (root / "shared").symlink_to(outside, target_is_directory=True)
    assert iter_cassette_paths([root]) == [root / "own.yml", root / "shared" / "linked.yaml"]


def test_discovery_survives_a_symlink_loop(tmp_path: Path) -> None:
    """A folder linking back to its parent is walked once."""
    root = tmp_path / "cassettes"
    (root / "a").mkdir(parents=True)
    (root / "a" / "one.yaml").write_text("version: 1\ninteractions: []\n")
    (root / "a" / "loop").symlink_to(root, target_is_directory=True)
    assert iter_cassette_paths([root]) == [root / "a" / "one.yaml"]
