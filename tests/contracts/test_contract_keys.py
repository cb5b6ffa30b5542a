"""The contracts.toml keys for bodies and headers, and the one-line errors when misused."""

from __future__ import annotations

from pathlib import Path

import pytest

from cassette_contracts import ContractMap, ContractMapError
from cassette_contracts.contracts.mapping import HeaderPin

from .conftest import SCHEMAS, Contracts

HEAD = '[[contract]]\nname = "c"\nrequest = "GET https://x.test/a"\nstatus = 200\n'


def test_defaults_are_a_json_body_without_pins(contracts: Contracts) -> None:
    """Without the new keys a contract is a JSON body with a schema, as before."""
    contract_map, _ = contracts(HEAD + 'schema = "s.json"\n')
    [contract] = contract_map.contracts
    assert (contract.body, contract.media_types, contract.headers) == ("json", (), ())
    assert contract.json_body_schema == "s.json"


def test_keys_are_read(contracts: Contracts) -> None:
    """body, media_type (lowercased, a string or a list) and headers are parsed."""
    contract_map, _ = contracts(
        HEAD + 'body = "binary"\nmedia_type = ["Image/*", "application/pdf"]\n'
        'headers = { "Retry-After" = ["integer", "http-date"], "Link" = "string" }\n'
    )
    [contract] = contract_map.contracts
    assert (contract.body, contract.schema, contract.json_body_schema) == ("binary", None, None)
    assert contract.media_types == ("image/*", "application/pdf")
    assert contract.headers == (
        HeaderPin("Retry-After", ("integer", "http-date")),
        HeaderPin("Link", ("string",)),
    )
    assert contract.schemas() == ()


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (
            'body = "html"\n',
            "'body' must be one of 'json', 'empty', 'text', 'binary', 'event-stream', 'ndjson', "
            "got 'html'",
        ),
        ('body = "event-stream"\n', "missing key(s) schema"),
        ("", "missing key(s) schema"),
        (
            'body = "empty"\nschema = "s.json"\n',
            "'schema' is for bodies that carry JSON (json, event-stream, ndjson), not for "
            "body = 'empty'; leave it out or change 'body'",
        ),
        (
            'body = "empty"\nmedia_type = "text/html"\n',
            "'media_type' does not apply to an 'empty' body: it has no content",
        ),
        (
            'body = "text"\nmedia_type = "plain"\n',
            "'media_type' 'plain' is not a media type such as 'text/plain' or 'image/*'",
        ),
        ('body = "text"\nmedia_type = []\n', "'media_type' must be a media type or a list"),
        (
            'body = "text"\nheaders = "Link"\n',
            '\'headers\' must be a table of header name = type, e.g. { "Retry-After" = "integer" }',
        ),
        (
            'body = "text"\nheaders = { "Link" = "url" }\n',
            "'headers': 'Link' must be one of 'string', 'integer', 'number', 'boolean', "
            "'http-date' or a list of them, got 'url'",
        ),
        (
            'body = "text"\nheaders = { "Bad Name" = "string" }\n',
            "'headers': 'Bad Name' is not a header name",
        ),
        (
            'body = "text"\nheaders = { "Link" = "string", "link" = "string" }\n',
            "'headers': link pinned twice (header names ignore case)",
        ),
    ],
)
def test_misused_key_is_one_line(contracts: Contracts, keys: str, message: str) -> None:
    """A misused body, media_type or headers key names the entry and what is allowed."""
    with pytest.raises(ContractMapError) as raised:
        contracts(HEAD + keys)
    assert f"contracts.toml: [[contract]] #1 (c): {message}" in str(raised.value)


def test_the_real_cassettes_contracts_load() -> None:
    """The contracts written for the real cassettes use every new key and load."""
    contract_map = ContractMap.load(SCHEMAS / "contracts.toml")
    assert {c.body for c in contract_map.contracts} == {"json", "empty", "event-stream"}


def test_readme_example_loads(tmp_path: Path) -> None:
    """The README's example of body kinds and header pins is a valid contracts.toml."""
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    [example] = [
        block.split("```")[0]
        for block in readme.split("```toml\n")[1:]
        if 'name = "openai.chat.stream"' in block.split("```")[0]
    ]
    (tmp_path / "contracts.toml").write_text(example)
    contract_map = ContractMap.load(tmp_path / "contracts.toml")
    assert [c.body for c in contract_map.contracts] == ["event-stream", "binary", "json"]
