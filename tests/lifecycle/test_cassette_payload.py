"""The ``cassette_payload`` fixture: a test reads the payload recorded for its request."""

from __future__ import annotations

import pytest

from .conftest import PAGE, PAGE_1, MakeProject


@pytest.mark.parametrize(
    "lookup",
    [
        pytest.param(f'cassette_payload("GET", "{PAGE.format(2)}")', id="by-request"),
        pytest.param("cassette_payload(index=1)", id="by-index"),
    ],
)
def test_payload_is_the_recorded_body_of_the_interaction(
    pytester: pytest.Pytester, make_project: MakeProject, lookup: str
) -> None:
    """The fixture returns the JSON the cassette recorded for the named interaction."""
    make_project(
        f"""
        @pytest.mark.vcr
        @pytest.mark.default_cassette("user_repos_kohsuke")
        def test_second_page(cassette_payload):
            page = requests.get("{PAGE.format(2)}").json()
            recorded = {lookup}
            assert isinstance(recorded, list) and len(recorded) == 20
            assert [r["full_name"] for r in page] == [r["full_name"] for r in recorded]
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_single_interaction_needs_no_lookup(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """With one interaction, ``cassette_payload()`` is its payload."""
    make_project(
        """
        @pytest.mark.vcr
        @pytest.mark.default_cassette("user_jacquev6")
        def test_user(cassette_payload):
            user = requests.get("https://api.github.com/users/jacquev6").json()
            assert user["public_repos"] == cassette_payload()["public_repos"]
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_unknown_request_lists_what_is_recorded(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """A request the cassette does not hold fails naming it and listing the recorded ones."""
    make_project(
        """
        @pytest.mark.vcr
        @pytest.mark.default_cassette("user_repos_kohsuke")
        def test_missing(cassette_payload):
            cassette_payload("GET", "https://api.github.com/users/nobody")
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*nothing recorded for GET https://api.github.com/users/nobody in *"
            f"user_repos_kohsuke.yaml (while recording, ask after the request was made). "
            f"Recorded: [[]0[]] GET {PAGE_1}; [[]1[]] GET *"
        ]
    )


def test_several_interactions_need_a_lookup(
    pytester: pytest.Pytester, make_project: MakeProject
) -> None:
    """``cassette_payload()`` on a cassette of four interactions says to name one."""
    make_project(
        """
        @pytest.mark.vcr
        @pytest.mark.default_cassette("user_repos_kohsuke")
        def test_ambiguous(cassette_payload):
            cassette_payload()
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*holds 4 interactions; name one by request or index*"])
