"""PlayRecorder: per-file play counts, saved per worker and merged in any order."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from cassette_contracts.errors import InputError
from cassette_contracts.lifecycle.plays import PlayRecorder

from .conftest import ROOT

KOHSUKE = ROOT / "cassettes/github/user_repos_kohsuke.yaml"  # 4 interactions
JACQUEV6 = ROOT / "cassettes/github/user_jacquev6.yaml"  # 1 interaction


def recorder(*plays: tuple[Path, list[Path], dict[int, int]]) -> PlayRecorder:
    result = PlayRecorder(["/cassettes"])
    for path, extra, counts in plays:
        loaded = 4 * (KOHSUKE in [path, *extra]) + (JACQUEV6 in [path, *extra])
        result.record(str(path), [str(p) for p in extra], loaded, counts)
    return result


def test_played_indices_are_kept_per_file() -> None:
    """Indices with a play count above zero are the played ones."""
    plays = recorder((KOHSUKE, [], {0: 1, 2: 0, 3: 2}))
    assert plays.files[str(KOHSUKE)].played == {0, 3}
    assert plays.files[str(KOHSUKE)].interactions == 4


def test_extra_cassette_indices_are_split_back_to_their_file() -> None:
    """Indices past the main file's interactions belong to the extra file, renumbered."""
    plays = recorder((JACQUEV6, [KOHSUKE], {0: 1, 3: 1}))
    assert plays.files[str(JACQUEV6)].played == {0}
    assert plays.files[str(KOHSUKE)].played == {2}


def test_counts_that_do_not_add_up_leave_plays_unknown() -> None:
    """When vcrpy loaded another number of interactions than the files hold, plays are unknown."""
    plays = PlayRecorder()
    plays.record(str(JACQUEV6), [str(KOHSUKE)], 3, {0: 1})
    assert plays.files[str(JACQUEV6)].interactions is None
    assert plays.files[str(KOHSUKE)].interactions is None


def test_merge_is_independent_of_order(tmp_path: Path) -> None:
    """Saved by three workers and merged in any order, the play counts are the same."""
    parts = [
        recorder((KOHSUKE, [], {0: 1})),
        recorder((KOHSUKE, [], {3: 1}), (JACQUEV6, [], {0: 1})),
        recorder((JACQUEV6, [KOHSUKE], {2: 1})),
    ]
    for worker, part in zip(("gw0", "gw1", "main"), parts, strict=True):
        part.save(tmp_path, worker)
    loaded = PlayRecorder.load_all(tmp_path)
    assert loaded is not None
    for order in itertools.permutations(parts):
        assert PlayRecorder.merge(order).to_json() == loaded.to_json()
    assert loaded.files[str(KOHSUKE)].played == {0, 1, 3}


def test_no_saved_run_loads_as_none(tmp_path: Path) -> None:
    """An empty or missing folder means no replay run was recorded."""
    assert PlayRecorder.load_all(tmp_path / "missing") is None
    assert PlayRecorder.load_all(tmp_path) is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{", "not JSON play-count data"),
        ('{"format": "other"}', "not a cassette-contracts/cassette-plays file"),
        (
            '{"format": "cassette-contracts/cassette-plays", "version": 1, "files": {}}',
            "malformed play-count data",
        ),
    ],
)
def test_bad_play_data_is_an_input_error_naming_the_file(
    tmp_path: Path, text: str, says: str
) -> None:
    """A damaged worker file is an InputError naming it, not a traceback."""
    (tmp_path / "gw0.json").write_text(text)
    with pytest.raises(InputError, match=says) as info:
        PlayRecorder.load_all(tmp_path)
    assert info.value.file is not None
    assert info.value.file.endswith("gw0.json")
