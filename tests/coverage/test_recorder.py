"""ReadRecorder: JSON round trip, order-independent merge, per-worker files of a run."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cassette_contracts.coverage.reads import ReadRecorder
from cassette_contracts.coverage.tracking import track
from cassette_contracts.errors import InputError, UsageError


def read_user(user: Any) -> None:
    user.get("name") or user["login"]


def read_bio(user: Any) -> None:
    user.get("bio", "")


def read_counts(user: Any) -> None:
    user["public_repos"], user["followers"]


def read_bio_strictly(user: Any) -> None:
    user["bio"]


def read_repo(repo: Any) -> None:
    (
        repo["owner"]["login"],
        [topic.upper() for topic in repo["topics"]],
        repo["license"].get("spdx_id"),
    )


#: What the tests of a suite do: (contract, reader). Each runs on its own fresh payload.
TESTS: list[tuple[str, Callable[[Any], None]]] = [
    ("github.users_get", read_user),
    ("github.users_get", read_bio),
    ("github.users_get", read_counts),
    ("github.users_get", read_bio_strictly),
    ("github.repos_get", read_repo),
]


def run(tests: list[tuple[str, Callable[[Any], None]]], payloads: dict[str, Any]) -> ReadRecorder:
    """One worker running ``tests`` in order."""
    recorder = ReadRecorder()
    for contract, reader in tests:
        reader(track(json.loads(payloads[contract]), contract, recorder))
    return recorder


@pytest.fixture
def payloads(user: Any, repo: Any) -> dict[str, str]:
    return {"github.users_get": json.dumps(user), "github.repos_get": json.dumps(repo)}


def test_json_round_trip_keeps_every_read(payloads: dict[str, str]) -> None:
    """``from_json(to_json())`` gives an equal recorder with the same text."""
    serial = run(TESTS, payloads)
    again = ReadRecorder.from_json(serial.to_json())
    assert again == serial
    assert again.to_json() == serial.to_json()


def test_json_is_sorted_and_deterministic(payloads: dict[str, str]) -> None:
    """Running the same tests in another order writes byte-identical JSON."""
    assert run(TESTS, payloads).to_json() == run(TESTS[::-1], payloads).to_json()


@pytest.mark.parametrize("split", [(0, 2, 5), (0, 0, 5), (0, 1, 2, 3, 4, 5), (0, 3, 5)])
def test_merging_workers_gives_the_serial_result(
    split: tuple[int, ...], payloads: dict[str, str]
) -> None:
    """However the tests are spread over workers, the merge equals one serial run."""
    serial = run(TESTS, payloads)
    workers = [run(TESTS[a:b], payloads) for a, b in itertools.pairwise(split)]
    assert ReadRecorder.merge(workers).to_json() == serial.to_json()


def test_merge_does_not_depend_on_the_order_of_the_workers(payloads: dict[str, str]) -> None:
    """Every order of merging the same worker results gives the same JSON."""
    workers = [run([test], payloads) for test in TESTS]
    texts = {ReadRecorder.merge(order).to_json() for order in itertools.permutations(workers)}
    assert len(texts) == 1


def test_merge_of_merged_recorders_is_associative(payloads: dict[str, str]) -> None:
    """Merging partial merges gives the same as merging everything at once."""
    a, b, c = (run(TESTS[i::3], payloads) for i in range(3))
    left = ReadRecorder.merge([ReadRecorder.merge([a, b]), c])
    right = ReadRecorder.merge([a, ReadRecorder.merge([b, c])])
    assert left == right == ReadRecorder.merge([a, b, c])


def test_merge_keeps_the_smallest_site_first_and_required_wins(
    payloads: dict[str, str],
) -> None:
    """``$.bio`` read with get() in one worker and [] in another: required, smallest site first."""
    merged = ReadRecorder.merge(
        [run([TESTS[3]], payloads), run([TESTS[1]], payloads)]  # [] then get()
    )
    bio = merged.reads()["github.users_get", "$.bio"]
    assert bio.optional is False
    assert bio.sites == tuple(sorted(bio.sites))
    assert (bio.file, bio.line) == bio.sites[0]
    assert len(bio.sites) == 2


def test_save_and_load_all_merge_the_worker_files(tmp_path: Path, payloads: dict[str, str]) -> None:
    """Each worker saves one file; load_all of the run folder equals the serial run."""
    folder = tmp_path / ".cassette-contracts" / "coverage"
    run(TESTS[:2], payloads).save(folder, "gw0")
    run(TESTS[2:], payloads).save(folder, "gw1")
    assert sorted(p.name for p in folder.iterdir()) == ["gw0.json", "gw1.json"]
    assert ReadRecorder.load_all(folder).to_json() == run(TESTS, payloads).to_json()


def test_save_replaces_the_workers_earlier_file(tmp_path: Path, payloads: dict[str, str]) -> None:
    """Saving again under the same worker id overwrites, leaving no temporary files."""
    run(TESTS, payloads).save(tmp_path, "master")
    run(TESTS[:1], payloads).save(tmp_path, "master")
    assert [p.name for p in tmp_path.iterdir()] == ["master.json"]
    assert ReadRecorder.load_all(tmp_path) == run(TESTS[:1], payloads)


def test_load_all_of_a_missing_folder_is_empty(tmp_path: Path) -> None:
    """No run folder yet: nothing was read."""
    assert ReadRecorder.load_all(tmp_path / "absent").reads() == {}


def test_clear_removes_the_files_of_an_earlier_run(
    tmp_path: Path, payloads: dict[str, str]
) -> None:
    """A new run starts from an empty run folder."""
    run(TESTS, payloads).save(tmp_path, "gw0")
    ReadRecorder.clear(tmp_path)
    assert ReadRecorder.load_all(tmp_path).reads() == {}


@pytest.mark.parametrize("worker_id", ["", "../evil", "gw0/x", "a b"])
def test_save_rejects_worker_ids_that_are_not_file_names(tmp_path: Path, worker_id: str) -> None:
    """A worker id must be a plain file name; the error says what is allowed."""
    with pytest.raises(UsageError, match="letters, digits"):
        ReadRecorder().save(tmp_path, worker_id)


BROKEN: list[tuple[str, str]] = [
    ("{not json", "not JSON"),
    ('{"reads": []}', "format"),
    ('{"format": "cassette-contracts/coverage-reads", "version": 99, "reads": []}', "version 99"),
    ('{"format": "cassette-contracts/coverage-reads", "version": 1, "reads": {}}', "list"),
    (
        '{"format": "cassette-contracts/coverage-reads", "version": 1, '
        '"reads": [{"contract": "c", "path": "$.a", "optional": false}]}',
        r"reads\[0\]",
    ),
    (
        '{"format": "cassette-contracts/coverage-reads", "version": 1, '
        '"reads": [{"contract": "c", "path": "$.a", "optional": "no", "sites": [["f", 1]]}]}',
        r"reads\[0\]",
    ),
    (
        '{"format": "cassette-contracts/coverage-reads", "version": 1, '
        '"reads": [{"contract": "c", "path": "$.a:b", "optional": false, "sites": [["f", 1]]}]}',
        r"reads\[0\].*not a JSON path",
    ),
]


@pytest.mark.parametrize(("text", "message"), BROKEN)
def test_a_broken_worker_file_is_an_input_error_naming_it(
    tmp_path: Path, text: str, message: str
) -> None:
    """load_all raises InputError with the file name and what is wrong."""
    (tmp_path / "gw3.json").write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message) as caught:
        ReadRecorder.load_all(tmp_path)
    assert "gw3.json" in str(caught.value)


def test_untracked_contracts_survive_the_worker_files_and_merge(tmp_path: Path) -> None:
    """A contract noted untracked by any worker is untracked in the merged result."""
    first, second = ReadRecorder(), ReadRecorder()
    first.note_untracked("github.users_get")
    second.note_untracked("github.repos_get")
    first.save(tmp_path, "gw0")
    second.save(tmp_path, "gw1")
    assert ReadRecorder.load_all(tmp_path).untracked == {"github.users_get", "github.repos_get"}
