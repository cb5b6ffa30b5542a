"""``init`` on real GitHub recordings: schemas inferred from the three oldest recordings of an
endpoint hold on the newer ones (at most 10% falsely broken), and still check types."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from genson import SchemaBuilder  # type: ignore[import-untyped]
from jsonschema import Draft202012Validator

from cassette_contracts.contracts.mapping import ContractMap
from cassette_contracts.contracts.registry import SchemaRegistry
from cassette_contracts.init.infer import infer_schema

ENDPOINTS = {
    "users_get": "https://api.github.com/users/{user}",
    "repos_get": "https://api.github.com/repos/{repo_1}/{repo_2}",
}
TRAIN = 3
MAX_FALSE_BREAKS = 0.10


def init_from_oldest(
    endpoint: str, samples: list[Any], write_cassette: Callable[..., Path], cli: Callable[..., Any]
) -> tuple[ContractMap, SchemaRegistry]:
    for sample in samples[:TRAIN]:
        write_cassette(
            Path("cassettes") / f"{sample.name}.yaml",
            [("GET", sample.meta["url"], 200, sample.body)],
        )
    run = cli("init")
    assert run.code == 0, run.out + run.err
    return ContractMap.load("schemas/contracts.toml"), SchemaRegistry.load("schemas")


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_init_infers_the_url_template(
    endpoint: str, github_samples: Any, write_cassette: Any, cli: Any, workdir: Path
) -> None:
    """From the three oldest recordings, init finds the endpoint's URL template."""
    contracts, _ = init_from_oldest(endpoint, github_samples(endpoint), write_cassette, cli)
    assert [c.url for c in contracts.contracts] == [ENDPOINTS[endpoint]]


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_newer_recordings_are_not_falsely_broken(
    endpoint: str, github_samples: Any, write_cassette: Any, cli: Any, workdir: Path
) -> None:
    """At most 10% of the newer real payloads break the schema inferred from the 3 oldest."""
    samples = github_samples(endpoint)
    contracts, registry = init_from_oldest(endpoint, samples, write_cassette, cli)
    newer = samples[TRAIN:]
    broken = []
    for sample in newer:
        contract = contracts.find("GET", sample.meta["url"], 200)
        assert contract is not None, f"no contract matches {sample.meta['url']}"
        errors = list(registry.validator(contract.schema).iter_errors(sample.body))
        if errors:
            broken.append(f"{sample.name}: {errors[0].json_path} {errors[0].message}")
    rate = len(broken) / len(newer)
    assert rate <= MAX_FALSE_BREAKS, f"{endpoint}: {len(broken)}/{len(newer)} broken: {broken}"


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_any_three_recordings_hold_on_the_others(endpoint: str, github_samples: Any) -> None:
    """Whichever three recordings the schema comes from, at most 10% of the rest break it."""
    bodies = [s.body for s in github_samples(endpoint)]
    broken = total = 0
    for chosen in itertools.combinations(range(len(bodies)), TRAIN):
        schema = infer_schema([bodies[i] for i in chosen], comment="").schema
        validator = Draft202012Validator(schema)
        rest = [b for i, b in enumerate(bodies) if i not in chosen]
        broken += sum(not validator.is_valid(b) for b in rest)
        total += len(rest)
    assert broken / total <= MAX_FALSE_BREAKS, f"{endpoint}: {broken}/{total} broken"


def test_a_plain_union_of_three_breaks_newer_repositories(github_samples: Any) -> None:
    """Why the refinements exist: genson's plain union from 3 recordings breaks later ones."""
    samples = github_samples("repos_get")
    builder = SchemaBuilder()
    for sample in samples[:TRAIN]:
        builder.add_object(sample.body)
    validator = Draft202012Validator(builder.to_schema())
    assert any(not validator.is_valid(s.body) for s in samples[TRAIN:])


@pytest.mark.parametrize(
    ("endpoint", "field", "value"),
    [
        ("users_get", "id", "12345"),
        ("users_get", "site_admin", "no"),
        ("repos_get", "stargazers_count", "many"),
        ("repos_get", "owner", ["not", "an", "object"]),
    ],
)
def test_a_retyped_field_still_breaks(
    endpoint: str, field: str, value: Any, github_samples: Any
) -> None:
    """The schema from the 3 oldest still catches a newer payload with a field of another type."""
    samples = github_samples(endpoint)
    schema = infer_schema([s.body for s in samples[:TRAIN]], comment="").schema
    payload = copy.deepcopy(samples[-1].body)
    payload[field] = value
    errors = list(Draft202012Validator(schema).iter_errors(payload))
    assert [e.json_path for e in errors] == [f"$.{field}"]
