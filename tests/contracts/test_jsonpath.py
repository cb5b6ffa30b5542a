"""The one JSON-path notation: jsonschema's, for every module."""

from __future__ import annotations

import jsonschema
import pytest

from cassette_contracts import jsonpath as jp


@pytest.mark.parametrize(
    "key",
    ["login", "a:b", "1st", "x-y", "with space", "it's", "back\\slash", "a.b", "[0]", "_x", ""],
)
def test_member_matches_jsonschema_json_path(key: str) -> None:
    """A member path is spelled exactly as jsonschema's ValidationError.json_path spells it."""
    schema = {"properties": {key: {"type": "integer"}}}
    error = next(jsonschema.Draft202012Validator(schema).iter_errors({key: "x"}))
    assert jp.member(jp.ROOT, key) == error.json_path


def test_index_matches_jsonschema_json_path() -> None:
    """An array element path is spelled as jsonschema spells it."""
    schema = {"items": {"properties": {"a:b": {"type": "integer"}}}}
    error = next(jsonschema.Draft202012Validator(schema).iter_errors([{"a:b": 1}, {"a:b": "x"}]))
    assert jp.member(jp.index(jp.ROOT, 1), "a:b") == error.json_path


@pytest.mark.parametrize(
    ("parts", "path"),
    [
        ([], "$"),
        (["owner", "login"], "$.owner.login"),
        ([0, "a:b", None], "$[0]['a:b'][*]"),
        (["it's"], "$['it\\'s']"),
        (["[1]"], "$['[1]']"),
    ],
)
def test_parse_round_trips(parts: list[str | int | None], path: str) -> None:
    """parse() gives back the segments that built the path."""
    built = jp.ROOT
    for part in parts:
        if part is None:
            built = jp.items(built)
        elif isinstance(part, int):
            built = jp.index(built, part)
        else:
            built = jp.member(built, part)
    assert built == path
    assert jp.parse(path) == parts


def test_join_builds_from_absolute_path() -> None:
    """join() reads a jsonschema absolute_path."""
    assert jp.join(["items", 2, "x-y"]) == "$.items[2]['x-y']"


def test_ancestors_root_first() -> None:
    """ancestors() lists every proper ancestor, root first."""
    assert jp.ancestors("$.a['b:c'][*].d") == ["$", "$.a", "$.a['b:c']", "$.a['b:c'][*]"]
    assert jp.ancestors("$") == []


def test_generalize_turns_indices_into_wildcards() -> None:
    """generalize() replaces indices, not digits inside quoted names."""
    assert jp.generalize("$[2].tags[0]['[3]']") == "$[*].tags[*]['[3]']"


@pytest.mark.parametrize("bad", ["", "a.b", "$.", "$[x]", "$['open"])
def test_parse_refuses_what_is_not_a_path(bad: str) -> None:
    """parse() raises ValueError naming the string."""
    with pytest.raises(ValueError, match="not a JSON path"):
        jp.parse(bad)
