"""Response headers a client relies on, pinned by the contract."""

from __future__ import annotations

import pytest

from cassette_contracts import load_cassette, validate_interaction

from .conftest import REAL, Contracts

GET_ME = REAL / "tweepy" / "test_client_get_me.yaml"  # x-rate-limit-reset: '1641543656'
ANY = {"$schema": "https://json-schema.org/draft/2020-12/schema"}


def _violations(contracts: Contracts, headers: str) -> list[tuple[str, str, str]]:
    toml = (
        '[[contract]]\nname = "me"\nrequest = "GET https://api.twitter.com/2/users/me"\n'
        f'status = 200\nschema = "any.json"\nheaders = {headers}\n'
    )
    contract_map, registry = contracts(toml, {"any.json": ANY})
    interaction = load_cassette(GET_ME).interactions[0]
    return [
        (v.json_path, v.part, v.message)
        for v in validate_interaction(interaction, contract_map, registry)
    ]


@pytest.mark.parametrize(
    "headers",
    [
        '{ "x-rate-limit-reset" = "integer" }',
        '{ "X-Rate-Limit-Reset" = "number" }',  # names ignore case
        '{ "date" = "http-date", "content-type" = "string" }',
        '{ "x-rate-limit-remaining" = ["http-date", "integer"] }',  # any of a list
    ],
)
def test_pinned_headers_hold(contracts: Contracts, headers: str) -> None:
    """Headers sent with values of the pinned type hold the contract."""
    assert _violations(contracts, headers) == []


def test_missing_pinned_header_is_named(contracts: Contracts) -> None:
    """A pinned header the response does not send is a violation naming it."""
    assert _violations(contracts, '{ "Retry-After" = "integer" }') == [
        (
            "Retry-After",
            "response headers",
            "the response has no Retry-After header (pinned: integer)",
        )
    ]


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (
            '{ "x-rate-limit-reset" = "http-date" }',
            'response header x-rate-limit-reset is "1641543656", not http-date',
        ),
        (
            '{ "date" = "integer" }',
            'response header date is "Fri, 07 Jan 2022 08:05:56 UTC", not integer',
        ),
        (
            '{ "api-version" = ["integer", "boolean"] }',
            'response header api-version is "2.32", not integer or boolean',
        ),
    ],
)
def test_ill_typed_pinned_header_is_named(contracts: Contracts, headers: str, message: str) -> None:
    """A pinned header of another type is a violation naming the header and its value."""
    [(name, part, found)] = _violations(contracts, headers)
    assert (part, found) == ("response headers", message)
    assert name.lower() in headers.lower()
