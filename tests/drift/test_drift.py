"""diff_endpoint(): drift between a baseline and a fresh recording, breaking or informational."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from cassette_contracts.contracts.pins import PinnedField, pinned_fields
from cassette_contracts.drift.changes import (
    BREAKING,
    INFORMATIONAL,
    Change,
    ChangeKind,
    DriftReport,
)
from cassette_contracts.drift.diff import diff_endpoint
from cassette_contracts.errors import InputError, UsageError
from cassette_contracts.jsonpath import ROOT, member
from cassette_contracts.rendering import render
from cassette_contracts.rendering.drift import (
    render_json,
    render_junit,
    render_markdown,
    render_text,
)

DATA = Path(__file__).parent / "data"

USER_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["login", "public_repos", "followers"],
    "properties": {
        "login": {"type": "string"},
        "name": {"type": ["string", "null"]},
        "bio": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "public_repos": {"type": "integer"},
        "followers": {"type": "integer"},
    },
}
PINS = pinned_fields(USER_SCHEMA)


@dataclass(frozen=True)
class Rec:
    """A minimal recorded interaction (what the Interaction protocol asks for)."""

    response_body: object
    status: int = 200
    response_headers: Mapping[str, Any] = field(
        default_factory=lambda: {"Content-Type": ["application/json; charset=utf-8"]}
    )
    method: str = "GET"
    uri: str = "https://api.github.com/users/octocat"


def user(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "login": "octocat",
        "name": "The Octocat",
        "bio": None,
        "public_repos": 8,
        "followers": 100,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not ...}


def diff(base: list[Any], fresh: list[Any], pins: Mapping[str, PinnedField] = PINS) -> list[Change]:
    as_recs = [b if isinstance(b, Rec) else Rec(b) for b in base]
    fresh_recs = [f if isinstance(f, Rec) else Rec(f) for f in fresh]
    return diff_endpoint("github.user", pins, as_recs, fresh_recs)


def only(changes: list[Change]) -> Change:
    assert len(changes) == 1, changes
    return changes[0]


def test_same_shape_has_no_drift() -> None:
    """Different values with the same shape are no change."""
    assert diff([user()], [user(login="hubot", followers=3)]) == []


def test_field_added_is_informational() -> None:
    """A new member is informational: clients ignore members they do not know."""
    change = only(diff([user()], [user(user_view_type="public")]))
    assert (change.kind, change.path, change.severity) == (
        ChangeKind.FIELD_ADDED,
        "$.user_view_type",
        INFORMATIONAL,
    )
    assert change.reason


@pytest.mark.parametrize("path", ["login", "public_repos", "bio"])
def test_pinned_field_removed_is_breaking(path: str) -> None:
    """A pinned member that is no longer sent breaks the contract (required or not)."""
    change = only(diff([user()], [user(**{path: ...})]))
    assert (change.kind, change.path, change.severity) == (
        ChangeKind.FIELD_REMOVED,
        f"$.{path}",
        BREAKING,
    )
    assert change.pinned


@pytest.mark.parametrize("name", ["a:b", "1st", "x-y"])
def test_pinned_odd_member_removed_is_breaking_at_its_json_path(name: str) -> None:
    """A member whose name needs quoting is found pinned: one notation for pins and drift."""
    schema = {"type": "object", "required": [name], "properties": {name: {"type": "string"}}}
    change = only(diff([{name: "v"}], [{}], pinned_fields(schema)))
    assert (change.kind, change.path, change.severity) == (
        ChangeKind.FIELD_REMOVED,
        member(ROOT, name),
        BREAKING,
    )


def test_unpinned_field_removed_is_informational() -> None:
    """A member the contract does not pin may go: no client code relies on it."""
    change = only(diff([user(company="GitHub")], [user()]))
    assert (change.kind, change.severity, change.pinned) == (
        ChangeKind.FIELD_REMOVED,
        INFORMATIONAL,
        False,
    )


@pytest.mark.parametrize(
    ("path", "new_value"), [("public_repos", "8"), ("login", 42), ("followers", 1.5)]
)
def test_pinned_field_retyped_to_rejected_type_is_breaking(path: str, new_value: Any) -> None:
    """A pinned member sent with a type its schema rejects is breaking."""
    change = only(diff([user()], [user(**{path: new_value})]))
    assert (change.kind, change.path, change.severity) == (
        ChangeKind.TYPE_CHANGED,
        f"$.{path}",
        BREAKING,
    )


def test_retyped_to_a_type_the_schema_allows_is_informational() -> None:
    """integer -> number where the schema says number is absorbed by the client."""
    pins = {"$.score": PinnedField("$.score", frozenset({"number"}), required=True)}
    change = only(diff([{"score": 3}], [{"score": 3.5}], pins))
    assert (change.kind, change.severity) == (ChangeKind.TYPE_CHANGED, INFORMATIONAL)


def test_pinned_nullable_field_going_null_is_not_breaking() -> None:
    """name (string|null) sent as null is a nullability change the schema allows."""
    change = only(diff([user()], [user(name=None)]))
    assert (change.kind, change.path, change.severity) == (
        ChangeKind.BECAME_NULLABLE,
        "$.name",
        INFORMATIONAL,
    )


def test_pinned_non_nullable_field_going_null_is_breaking() -> None:
    """login (string) sent as null breaks the contract."""
    change = only(diff([user()], [user(login=None)]))
    assert (change.kind, change.severity) == (ChangeKind.BECAME_NULLABLE, BREAKING)


def test_became_non_nullable_is_informational() -> None:
    """A member never null any more is a narrower response."""
    changes = diff([user(), user(bio="hi")], [user(bio="hi")])
    assert [(c.kind, c.severity) for c in changes] == [
        (ChangeKind.BECAME_NON_NULLABLE, INFORMATIONAL)
    ]


def test_shape_is_inferred_from_all_payloads() -> None:
    """Types seen across every payload count: null in one and string in another is stable."""
    assert diff([user(bio=None), user(bio="x")], [user(bio="y"), user(bio=None)]) == []


def test_required_field_missing_from_some_payloads_is_breaking() -> None:
    """A required pinned member present before, now missing from some payloads, breaks."""
    change = only(diff([user(), user()], [user(), user(followers=...)]))
    assert (change.kind, change.path, change.severity) == (
        ChangeKind.FIELD_BECAME_OPTIONAL,
        "$.followers",
        BREAKING,
    )


def test_lists_are_walked_as_star() -> None:
    """In a list payload, a pinned item member removed is reported at ``$[*].name``."""
    pins = {"$[*].name": PinnedField("$[*].name", frozenset({"string"}), required=True)}
    change = only(diff([[{"name": "a", "id": 1}]], [[{"id": 1}, {"id": 2}]], pins))
    assert (change.path, change.kind, change.severity) == (
        "$[*].name",
        ChangeKind.FIELD_REMOVED,
        BREAKING,
    )


def test_empty_fresh_list_reports_no_removed_item_fields() -> None:
    """An empty list shows no items: their members are not reported removed."""
    assert diff([[{"name": "a"}]], [[]]) == []


def test_children_of_a_removed_object_are_not_reported_again() -> None:
    """Removing ``$.plan`` is one change, not one per member of the plan."""
    change = only(diff([user(plan={"name": "pro", "space": 1})], [user()]))
    assert change.path == "$.plan"


def test_status_code_changed_is_breaking() -> None:
    """A different status code for the endpoint is breaking."""
    change = only(diff([user()], [Rec(user(), status=203)]))
    assert (change.kind, change.before, change.after, change.severity) == (
        ChangeKind.STATUS_CHANGED,
        "200",
        "203",
        BREAKING,
    )


def test_bodies_of_different_statuses_are_not_diffed() -> None:
    """A fresh 404 body is not compared field by field with a 200 body."""
    changes = diff([user()], [Rec({"message": "Not Found"}, status=404)])
    assert [c.kind for c in changes] == [ChangeKind.STATUS_CHANGED]


def test_content_type_changed_is_breaking() -> None:
    """A different media type is breaking; only the media type counts, not the charset."""
    html = Rec(user(), response_headers={"Content-Type": ["text/html"]})
    change = only(diff([user()], [html]))
    assert (change.kind, change.severity) == (ChangeKind.CONTENT_TYPE_CHANGED, BREAKING)
    latin = Rec(user(), response_headers={"content-type": "application/json; charset=latin-1"})
    assert diff([user()], [latin]) == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Deprecation", "@1735689600"),
        ("Sunset", "Wed, 31 Dec 2025 23:59:59 GMT"),
        ("Warning", '299 - "Deprecated API"'),
    ],
)
def test_new_deprecation_header_is_informational(name: str, value: str) -> None:
    """Deprecation / Sunset / Warning headers that appear are reported, not breaking."""
    headers = {"Content-Type": ["application/json"], name: [value]}
    change = only(diff([user()], [Rec(user(), response_headers=headers)]))
    assert (change.kind, change.after, change.severity) == (
        ChangeKind.DEPRECATION_HEADER,
        value,
        INFORMATIONAL,
    )


def test_bytes_bodies_are_decoded() -> None:
    """Raw JSON bytes (as the cassette loader gives them) are decoded before comparing."""
    change = only(diff([json.dumps(user()).encode()], [json.dumps(user(login=1)).encode()]))
    assert change.severity == BREAKING


def test_empty_side_is_an_input_error() -> None:
    """Nothing recorded on a side is an error naming the contract, not an empty diff."""
    with pytest.raises(InputError, match=r"github\.user"):
        diff([user()], [])


def load(name: str) -> Rec:
    body = (DATA / f"{name}.json").read_bytes()
    meta = json.loads((DATA / f"{name}.meta.json").read_text())
    headers: dict[str, list[str]] = {}
    for key, value in meta["response_headers"]:
        headers.setdefault(key, []).append(value)
    return Rec(body, status=meta["status"], response_headers=headers, uri=meta["url"])


def test_real_users_pair_years_apart_is_informational_only() -> None:
    """GitHub users 2023 vs 2025 (user_view_type appeared): informational drift only."""
    changes = diff([load("users_get_pygithub_20230515_1")], [load("users_get_pygithub_20250103_1")])
    assert changes
    assert all(c.severity == INFORMATIONAL for c in changes)
    added = [c for c in changes if c.kind is ChangeKind.FIELD_ADDED]
    assert [c.path for c in added] == ["$.user_view_type"]
    assert not DriftReport.from_changes(changes).breaking


# ---- report and renderers ------------------------------------------------------------


def sample_report() -> DriftReport:
    breaking = diff([user()], [user(login=None, user_view_type="public")])
    return DriftReport.from_changes(breaking, contracts=["github.user", "github.repository"])


def test_report_is_breaking_when_any_change_is() -> None:
    """``breaking`` is true when one change breaks; false for informational drift only."""
    assert sample_report().breaking
    assert not DriftReport.from_changes(diff([user()], [user(extra=1)])).breaking


def test_text_report_lists_each_endpoint() -> None:
    """Text shows the summary, each endpoint, BREAKING lines first with their reason."""
    text = render_text(sample_report())
    assert text.startswith("drift: 1 breaking, 1 informational")
    assert "github.repository: no drift" in text
    assert text.index("BREAKING") < text.index("info ")
    assert "why: pinned field is now null" in text


def test_json_report_round_trips() -> None:
    """JSON has the verdict, the counts and every change per endpoint."""
    data = json.loads(render_json(sample_report()))
    assert data["breaking"] is True
    assert data["counts"] == {"breaking": 1, "informational": 1}
    assert [e["contract"] for e in data["endpoints"]] == ["github.user", "github.repository"]
    assert data["endpoints"][0]["changes"][0]["kind"] == "became nullable"


def test_markdown_report_has_a_table_per_endpoint() -> None:
    """Markdown for a pull request: a heading and a table for each endpoint with drift."""
    md = render_markdown(sample_report())
    assert md.startswith("## API drift: breaking drift")
    assert "### `github.user`" in md
    assert "| Severity | Change | Where | Before | After | Why |" in md
    assert "| **breaking** | became nullable | `$.login` (pinned) | `string` | `null` |" in md
    assert "### `github.repository`\n\nNo drift." in md


def test_markdown_escapes_pipes_in_cells() -> None:
    """A ``string|null`` value does not split the table cell."""
    report = DriftReport.from_changes(diff([user()], [user(), user(name=None)]))
    assert "`string\\|null`" in render_markdown(report)


def test_junit_report_fails_endpoints_with_breaking_drift() -> None:
    """JUnit: one test case per endpoint, a failure only where drift breaks."""
    root = ET.fromstring(render_junit(sample_report()))
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert cases["github.user"].find("failure") is not None
    assert cases["github.repository"].find("failure") is None


def test_unknown_format_lists_the_allowed_ones() -> None:
    """An unknown format is a usage error naming the formats there are."""
    with pytest.raises(UsageError, match="text, json, junit, markdown, github"):
        render(sample_report(), "html")
