"""Tracked payloads look like the plain ones and record every read with its path and line."""

from __future__ import annotations

import copy
import json
import linecache
import pickle
import pprint
from collections.abc import Callable
from typing import Any

import pytest

from api_clients.github import GitHubProfile
from cassette_contracts.coverage.reads import ReadRecorder
from cassette_contracts.coverage.tracking import TrackedDict, TrackedList, track

from .conftest import here, real_payload

THIS_FILE = __file__

NESTED: dict[str, Any] = {
    "login": "octocat",
    "bio": None,
    "owner": {"login": "github", "id": 9919},
    "repos": [{"name": "hello", "topics": ["a", "b"]}, {"name": "world", "topics": []}],
    "tags": ["b", "a"],
    "matrix": [[1, 2], [3, 4]],
}


def paths(recorder: ReadRecorder) -> dict[str, bool]:
    """``path -> optional`` of everything recorded (one contract)."""
    return {path: read.optional for (_, path), read in recorder.reads().items()}


def sites(recorder: ReadRecorder, path: str, contract: str = "c") -> tuple[tuple[str, int], ...]:
    return recorder.reads()[contract, path].sites


# --- look-alike ---------------------------------------------------------------------------

LOOK_ALIKE: list[tuple[str, Callable[[Any], Any]]] = [
    ("==", lambda x: x),
    ("json.dumps", json.dumps),
    ("json.dumps indent sort_keys", lambda x: json.dumps(x, indent=2, sort_keys=True)),
    ("repr", repr),
    ("str", str),
    ("pprint.pformat", pprint.pformat),
    ("dict(x) / list(x)", lambda x: dict(x) if isinstance(x, dict) else list(x)),
    ("copy.copy", copy.copy),
    ("copy.deepcopy", copy.deepcopy),
    ("pickle round trip", lambda x: pickle.loads(pickle.dumps(x))),
    ("len", len),
]


@pytest.mark.parametrize(
    "name", ["users_get_pygithub_20250103_1", "repos_get_github3py_20250905_1"]
)
@pytest.mark.parametrize(("_op", "operation"), LOOK_ALIKE, ids=[n for n, _ in LOOK_ALIKE])
def test_tracked_payload_behaves_like_the_plain_one(
    name: str, _op: str, operation: Callable[[Any], Any], recorder: ReadRecorder
) -> None:
    """Equality, json.dumps, repr, copies and pickling give what the plain payload gives."""
    plain = real_payload(name)
    tracked = track(real_payload(name), "c", recorder)
    tracked["owner" if "owner" in tracked else "login"]  # some children already wrapped
    assert operation(tracked) == operation(plain)


@pytest.mark.parametrize("payload", [NESTED, [NESTED, NESTED], []], ids=["dict", "list", "empty"])
def test_tracked_payload_is_an_instance_of_the_plain_type(
    payload: Any, recorder: ReadRecorder
) -> None:
    """``isinstance(x, dict)`` / ``isinstance(x, list)`` hold, nested values included."""
    tracked = track(copy.deepcopy(payload), "c", recorder)
    assert isinstance(tracked, type(payload))
    if isinstance(tracked, dict):
        assert isinstance(tracked["owner"], dict)
        assert isinstance(tracked["repos"], list)


def test_pickle_gives_plain_containers_all_the_way_down(recorder: ReadRecorder) -> None:
    """A pickled payload loads as plain dicts and lists, even where children were wrapped."""
    tracked = track(copy.deepcopy(NESTED), "c", recorder)
    tracked["repos"][0]["topics"]
    loaded = pickle.loads(pickle.dumps(tracked))
    assert type(loaded) is dict
    assert type(loaded["repos"]) is list
    assert type(loaded["repos"][0]) is dict
    assert type(loaded["repos"][0]["topics"]) is list


#: ``list(x)`` iterates the items (``repos.extend(response.json())``): a read, unlike ``dict(x)``.
NOT_READS = [(n, op) for n, op in LOOK_ALIKE if n != "dict(x) / list(x)"] + [("dict(x)", dict)]


@pytest.mark.parametrize(("_op", "operation"), NOT_READS, ids=[n for n, _ in NOT_READS])
def test_serialising_copying_and_comparing_are_not_reads(
    _op: str, operation: Callable[[Any], Any], recorder: ReadRecorder
) -> None:
    """Passing a payload along (dumps, copy, pickle, ==, repr) records nothing."""
    tracked = track(copy.deepcopy(NESTED), "c", recorder)
    _ = operation(tracked) == NESTED
    if operation is not dict:
        _ = operation(tracked["repos"])  # a tracked list too
    assert set(paths(recorder)) <= {"$.repos"}


def test_iterating_keys_is_not_a_read(recorder: ReadRecorder) -> None:
    """``for key in d``, ``d.keys()`` and ``len(d)`` look at names only, not at values."""
    tracked = track(copy.deepcopy(NESTED), "c", recorder)
    assert sorted(tracked) == sorted(NESTED)
    assert list(tracked.keys()) == list(NESTED.keys())
    assert paths(recorder) == {}


def test_scalar_payloads_come_back_unchanged(recorder: ReadRecorder) -> None:
    """Payloads that are not dicts or lists are not wrapped."""
    for payload in ("text", 3, None, 1.5, True):
        assert track(payload, "c", recorder) is payload


def test_a_tracked_payload_is_not_wrapped_twice(recorder: ReadRecorder) -> None:
    """Tracking an already tracked payload returns it as it is (the first contract wins)."""
    tracked = track({"a": 1}, "first", recorder)
    assert track(tracked, "second", recorder) is tracked


# --- reads --------------------------------------------------------------------------------

READS: list[tuple[str, Callable[[Any], Any], dict[str, bool]]] = [
    ("getitem", lambda d: d["login"], {"$.login": False}),
    ("get", lambda d: d.get("login"), {"$.login": True}),
    ("get with default", lambda d: d.get("email", "-"), {"$.email": True}),
    ("in", lambda d: "bio" in d, {"$.bio": True}),
    ("setdefault", lambda d: d.setdefault("bio", ""), {"$.bio": True}),
    ("pop", lambda d: d.pop("login"), {"$.login": False}),
    ("pop with default", lambda d: d.pop("email", None), {"$.email": True}),
    ("nested getitem", lambda d: d["owner"]["login"], {"$.owner": False, "$.owner.login": False}),
    ("nested get", lambda d: d["owner"].get("id"), {"$.owner": False, "$.owner.id": True}),
    (
        "items()",
        lambda d: dict(d["owner"].items()),
        {"$.owner": False, "$.owner.login": True, "$.owner.id": True},
    ),
    (
        "values()",
        lambda d: list(d["owner"].values()),
        {"$.owner": False, "$.owner.login": True, "$.owner.id": True},
    ),
    ("list index", lambda d: d["tags"][0], {"$.tags": False, "$.tags[*]": False}),
    ("list negative index", lambda d: d["tags"][-1], {"$.tags": False, "$.tags[*]": False}),
    (
        "list iteration",
        lambda d: [t.upper() for t in d["tags"]],
        {"$.tags": False, "$.tags[*]": False},
    ),
    ("list()", lambda d: list(d["tags"]), {"$.tags": False, "$.tags[*]": False}),
    ("sorted()", lambda d: sorted(d["tags"]), {"$.tags": False, "$.tags[*]": False}),
    ("reversed()", lambda d: list(reversed(d["tags"])), {"$.tags": False, "$.tags[*]": False}),
    ("in list", lambda d: "a" in d["tags"], {"$.tags": False, "$.tags[*]": True}),
    (
        "items of a list of dicts",
        lambda d: [r["name"] for r in d["repos"]],
        {"$.repos": False, "$.repos[*]": False, "$.repos[*].name": False},
    ),
    (
        "lists in lists",
        lambda d: d["matrix"][1][0],
        {"$.matrix": False, "$.matrix[*]": False, "$.matrix[*][*]": False},
    ),
    (
        "deep in lists of dicts",
        lambda d: [t for r in d["repos"] for t in r["topics"]],
        {
            "$.repos": False,
            "$.repos[*]": False,
            "$.repos[*].topics": False,
            "$.repos[*].topics[*]": False,
        },
    ),
]


@pytest.mark.parametrize(("_kind", "read", "expected"), READS, ids=[r[0] for r in READS])
def test_each_kind_of_read_is_recorded_with_its_path(
    _kind: str, read: Callable[[Any], Any], expected: dict[str, bool], recorder: ReadRecorder
) -> None:
    """Each way of taking a value out records the `$`-rooted path (and whether it is optional)."""
    read(track(copy.deepcopy(NESTED), "c", recorder))
    assert paths(recorder) == expected


@pytest.mark.parametrize(("_kind", "read", "expected"), READS, ids=[r[0] for r in READS])
def test_each_kind_of_read_is_recorded_at_the_callers_line(
    _kind: str, read: Callable[[Any], Any], expected: dict[str, bool], recorder: ReadRecorder
) -> None:
    """The site is the file and line of the code that read, not of the tracking module."""
    read(track(copy.deepcopy(NESTED), "c", recorder))
    line = read.__code__.co_firstlineno
    assert {read.sites for read in recorder.reads().values()} == {((THIS_FILE, line),)}


def test_reads_of_a_list_payload_use_star_paths(recorder: ReadRecorder) -> None:
    """A list at the root gives ``$[*]`` and ``$[*].name``."""
    repos = track([{"name": "a", "fork": False}, {"name": "b", "fork": True}], "c", recorder)
    names = [repo["name"] for repo in repos]
    assert names == ["a", "b"]
    assert paths(recorder) == {"$[*]": False, "$[*].name": False}


def test_a_missing_key_is_still_a_read(recorder: ReadRecorder) -> None:
    """``d["bio"]`` on a payload without ``bio`` raises KeyError and records ``$.bio``."""
    tracked = track({"login": "a"}, "c", recorder)
    with pytest.raises(KeyError, match="bio"):
        tracked["bio"]
    assert paths(recorder) == {"$.bio": False}


def test_get_returns_the_default_only_when_the_key_is_missing(recorder: ReadRecorder) -> None:
    """``.get(k, default)`` answers like dict.get, and both calls are optional reads."""
    tracked = track({"bio": None}, "c", recorder)
    assert tracked.get("bio", "none") is None
    assert tracked.get("email", "none") == "none"
    assert paths(recorder) == {"$.bio": True, "$.email": True}


def test_one_required_site_makes_the_read_required(recorder: ReadRecorder) -> None:
    """A field read with ``.get`` in one place and ``[]`` in another is a required read."""
    tracked = track({"bio": "x"}, "c", recorder)
    tracked.get("bio")
    tracked["bio"]
    assert paths(recorder) == {"$.bio": False}


def test_nested_values_keep_their_identity_and_mutations(recorder: ReadRecorder) -> None:
    """A nested value is wrapped once: the same object comes back, and changes stick."""
    tracked = track(copy.deepcopy(NESTED), "c", recorder)
    owner = tracked["owner"]
    owner["login"] = "changed"
    assert tracked["owner"] is owner
    assert tracked["owner"]["login"] == "changed"


def test_tracking_does_not_change_the_payload_it_was_given(recorder: ReadRecorder) -> None:
    """The caller's plain payload keeps its plain nested values."""
    plain = copy.deepcopy(NESTED)
    tracked = track(plain, "c", recorder)
    tracked["owner"]["login"]
    assert type(plain["owner"]) is dict
    assert plain == NESTED


@pytest.mark.parametrize("make_copy", [copy.copy, copy.deepcopy, lambda x: x.copy()])
def test_copies_stay_tracked(make_copy: Callable[[Any], Any], recorder: ReadRecorder) -> None:
    """Reads through ``copy.copy``, ``copy.deepcopy`` or ``.copy()`` are still recorded."""
    duplicate = make_copy(track(copy.deepcopy(NESTED), "c", recorder))
    assert isinstance(duplicate, TrackedDict)
    duplicate["owner"]["id"]
    assert paths(recorder) == {"$.owner": False, "$.owner.id": False}


def test_slices_of_a_list_stay_tracked(recorder: ReadRecorder) -> None:
    """``repos[1:]`` is a tracked list whose item reads are recorded at ``[*]``."""
    repos = track(copy.deepcopy(NESTED), "c", recorder)["repos"]
    rest = repos[1:]
    assert isinstance(rest, TrackedList)
    assert rest == NESTED["repos"][1:]
    rest[0]["name"]
    assert paths(recorder) == {"$.repos": False, "$.repos[*]": False, "$.repos[*].name": False}


def test_repeated_reads_from_one_site_are_stored_once(recorder: ReadRecorder) -> None:
    """Reading the same field 1000 times from one line stores no more than reading it 10 times."""
    tracked = track({"login": "a"}, "c", recorder)
    stored = []
    for count in (10, 1000):
        for _ in range(count):
            tracked["login"]
        stored.append(len(recorder._required))
    assert stored[0] == stored[1] <= 2  # at most one per bytecode offset of the line
    assert len(sites(recorder, "$.login")) == 1


def test_every_site_of_a_read_is_kept_in_file_line_order(recorder: ReadRecorder) -> None:
    """Two lines reading the same field give two sites, the smaller line first."""
    tracked = track({"login": "a"}, "c", recorder)
    second = here() + 1
    tracked["login"]
    first = here() + 1
    tracked["login"]
    assert sites(recorder, "$.login") == tuple(sorted([(THIS_FILE, first), (THIS_FILE, second)]))


def test_reads_are_recorded_per_contract(recorder: ReadRecorder) -> None:
    """The same path read from two contracts' payloads is two reads."""
    track({"id": 1}, "github.users_get", recorder)["id"]
    track({"id": 2}, "github.repos_get", recorder)["id"]
    assert set(recorder.reads()) == {("github.repos_get", "$.id"), ("github.users_get", "$.id")}


def test_keys_that_need_quoting_are_bracketed(recorder: ReadRecorder) -> None:
    """Keys that are not plain identifiers use jsonschema's bracket form ``$['a.b']``."""
    tracked = track({"a.b": 1, "with space": 2, "+1": 3, "it's": 4}, "c", recorder)
    tracked["a.b"], tracked["with space"], tracked["+1"], tracked["it's"]
    assert set(paths(recorder)) == {"$['a.b']", "$['with space']", "$['+1']", "$['it\\'s']"}


def test_the_real_client_reads_are_attributed_to_the_client_code(
    user: Any, recorder: ReadRecorder
) -> None:
    """GitHubProfile.summary() on a real payload: each field at its line in github.py."""
    profile = GitHubProfile("jacquev6")
    profile.data = track(user, "github.users_get", recorder)
    assert profile.summary() == GitHubProfile.summary(_plain_profile(user))
    reads = recorder.reads()
    assert {path for _, path in reads} == {
        "$.name",
        "$.login",
        "$.bio",
        "$.public_repos",
        "$.followers",
    } - ({"$.login"} if user["name"] else set())
    for (_, path), read in reads.items():
        filename, line = read.sites[0]
        assert filename.endswith("api_clients/github.py")
        assert path.removeprefix("$.") in linecache.getline(filename, line)


def _plain_profile(data: Any) -> GitHubProfile:
    profile = GitHubProfile("jacquev6")
    profile.data = data
    return profile
