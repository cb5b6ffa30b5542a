"""Loading cassettes: structure, line numbers, bodies."""

from __future__ import annotations

from pathlib import Path

import pytest

from cassette_contracts import CassetteError, UsageError, iter_cassette_paths, load_cassette

from ..conftest import CORPUS

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


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "interactions:\n- request: {method: GET, uri: u}\n  response: {status: {code: 200}}\n"
            "version: 1\ninteractions: []\n",
            ":5: duplicate key 'interactions' (first at line 1)",
        ),
        (
            "version: 1\ninteractions:\n- request: {method: GET, method: PUT, uri: u}\n"
            "  response: {status: {code: 200}}\n",
            ":3: duplicate key 'method' (first at line 3)",
        ),
        (
            "version: 1\ninteractions: []\nmetadata:\n  a: {b: 1}\n  a: {b: 2}\n",
            ":5: duplicate key 'a' (first at line 4)",
        ),
        (
            "version: 1\ninteractions: []\nmetadata:\n"
            "  t: !!python/tuple\n  - {b: 1,\n     b: 2}\n",
            ":6: duplicate key 'b' (first at line 5)",
        ),
    ],
)
def test_duplicate_keys_are_refused(tmp_path: Path, text: str, message: str) -> None:
    """A key repeated in one mapping, anywhere, is refused: YAML would keep only the last."""
    path = tmp_path / "dup.yaml"
    path.write_text(text)
    with pytest.raises(CassetteError) as caught:
        load_cassette(path)
    assert str(caught.value).startswith(f"{path}{message}")


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        ("version: 1\ninteractions: []\nmetadata:\n  a: &x [1]\n  b: *x\n", 4, "anchor &x"),
        ("version: 1\ninteractions: []\nmetadata: {a: &x v}\n", 3, "anchor &x"),
        ("version: 1\ninteractions: []\nmetadata:\n- &x {k: 1}\n- {<<: *x}\n", 4, "anchor &x"),
    ],
)
def test_anchors_and_aliases_are_refused(tmp_path: Path, text: str, line: int, what: str) -> None:
    """YAML anchors and aliases (vcrpy never writes them) are refused where they start."""
    path = tmp_path / "alias.yaml"
    path.write_text(text)
    with pytest.raises(CassetteError, match="anchors and aliases are not allowed") as caught:
        load_cassette(path)
    assert str(caught.value).startswith(f"{path}:{line}: YAML {what}: ")


def test_billion_laughs_is_refused_before_expansion(tmp_path: Path) -> None:
    """Nine levels of nine aliases (9**9 strings once expanded) are refused, not expanded."""
    lines = ["version: 1", "interactions: []", "metadata:", "  a0: &a0 [lol, lol, lol]"]
    lines += [f"  a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, 10)]
    path = tmp_path / "laughs.yaml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(CassetteError, match=r":4: YAML anchor &a0: "):
        load_cassette(path)


def test_words_that_look_like_anchors_are_text(tmp_path: Path) -> None:
    """'&' and '*' inside values (query strings, Accept: */*, prose) are not anchors."""
    path = tmp_path / "ok.yaml"
    path.write_text(
        "version: 1\ninteractions:\n- request:\n    method: GET\n    uri: https://x.test/?a=1&b=2\n"
        "    headers: {Accept: ['*/*']}\n  response:\n    status: {code: 200}\n"
        "    body: {string: 'a &b *c'}\n"
    )
    [interaction] = load_cassette(path).interactions
    assert interaction.response_body == b"a &b *c"


@pytest.mark.parametrize(
    ("nested", "message"),
    [
        ("[" * 101 + "]" * 101, ":3: YAML nested deeper than 100 levels"),
        ("\n" + "  - " * 200 + "x", ":4: YAML nested deeper than 100 levels"),
        ("[" * 100_000 + "]" * 100_000, ":3: malformed YAML: exceeded maximum nesting depth"),
    ],
)
def test_yaml_nesting_is_bounded(tmp_path: Path, nested: str, message: str) -> None:
    """YAML nested deeper than 100 levels is a one-line error, not a RecursionError."""
    path = tmp_path / "deep.yaml"
    path.write_text(f"version: 1\ninteractions: []\nmetadata: {nested}\n")
    with pytest.raises(CassetteError) as caught:
        load_cassette(path)
    assert str(caught.value).startswith(f"{path}{message}")


def test_yaml_nesting_up_to_the_bound_is_read(tmp_path: Path) -> None:
    """Nesting of 100 levels (the document itself is the first) still loads."""
    path = tmp_path / "deep.yaml"
    path.write_text("version: 1\ninteractions: []\nmetadata: {a: " + "[" * 98 + "]" * 98 + "}\n")
    value = load_cassette(path).metadata["a"]
    for _ in range(97):
        (value,) = value
    assert value == []


@pytest.mark.parametrize("depth", [101, 100_000])
def test_json_body_nesting_is_bounded(tmp_path: Path, depth: int) -> None:
    """A JSON body nested deeper than 100 levels is a CassetteError naming the interaction."""
    path = tmp_path / "deep.yaml"
    body = "[" * depth + "]" * depth
    path.write_text(
        "version: 1\ninteractions:\n- request: {method: GET, uri: 'https://x.test/'}\n"
        f"  response:\n    status: {{code: 200}}\n    body: {{string: '{body}'}}\n"
    )
    [interaction] = load_cassette(path).interactions
    with pytest.raises(CassetteError) as caught:
        interaction.json()
    assert str(caught.value).startswith(
        f"{path}:3: interaction 0: response body is not JSON (nested deeper than 100 levels"
    )


def test_json_body_up_to_the_bound_is_read(tmp_path: Path) -> None:
    """A JSON body of 100 levels, and a wide one with many brackets, still parse."""
    path = tmp_path / "ok.yaml"
    deep = "[" * 100 + "]" * 100
    wide = "[" + ", ".join(["{}"] * 500) + "]"
    path.write_text(
        "version: 1\ninteractions:\n"
        f"- request: {{method: GET, uri: 'https://x.test/'}}\n"
        f"  response: {{status: {{code: 200}}, body: {{string: '{deep}'}}}}\n"
        f"- request: {{method: GET, uri: 'https://x.test/'}}\n"
        f"  response: {{status: {{code: 200}}, body: {{string: '{wide}'}}}}\n"
    )
    first, second = load_cassette(path).interactions
    assert first.json() is not None
    assert len(second.json()) == 500


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2024-13-45", ":3: cannot read the value '2024-13-45': month must be in 1..12"),
        ("9" * 5000, ":3: cannot read the value '9999"),
    ],
)
def test_values_yaml_cannot_build(tmp_path: Path, value: str, message: str) -> None:
    """A date out of range or an integer too long to convert is a one-line error."""
    path = tmp_path / "value.yaml"
    path.write_text(f"version: 1\ninteractions: []\nmetadata: {{at: {value}}}\n")
    with pytest.raises(CassetteError) as caught:
        load_cassette(path)
    assert str(caught.value).startswith(f"{path}{message}")
