"""The pytest plugin, too, finishes or undoes a promotion a killed `rerecord` left."""

from __future__ import annotations

import pytest


def test_pytest_run_removes_leftovers_of_a_killed_promotion(pytester: pytest.Pytester) -> None:
    """Leftover .new file, no journal (killed before the commit): gone after a pytest run."""
    pytester.makefile(".toml", pyproject="[tool.cassette_contracts]\n")
    cassettes = pytester.mkdir("cassettes")
    (cassettes / "user.yaml").write_text("old")
    leftover = cassettes / ".cassette-contracts-user.yaml.new"
    leftover.write_text("new, never committed")
    pytester.makepyfile("def test_nothing():\n    pass\n")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
    assert not leftover.exists()
    assert (cassettes / "user.yaml").read_text() == "old"
