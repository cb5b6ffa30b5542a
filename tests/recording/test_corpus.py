"""The planted-secret corpus: scan finds every value planted in a cassette, the scrubber
removes every one before it is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from vcr.request import Request

from cassette_contracts.recording.scan import scan
from cassette_contracts.recording.scrub import Scrubber

from .corpus import CORPUS, ENV, Planted, cassette_document, exchange, leaks

BASE = "https://api.example.test"
IDS = [case.id for case in CORPUS]


def test_corpus_holds_at_least_40_values_in_every_kind_of_place() -> None:
    """At least 40 made-up values, in headers, URIs and every kind of body, both sides."""
    assert len(CORPUS) >= 40
    assert len({case.value for case in CORPUS}) == len(CORPUS)
    assert {case.place for case in CORPUS} == {
        "req_header",
        "resp_header",
        "uri",
        "req_json",
        "resp_json",
        "req_form",
        "resp_text",
    }


@pytest.mark.parametrize("case", CORPUS, ids=IDS)
def test_scan_finds_the_planted_value(tmp_path: Path, case: Planted) -> None:
    """A cassette holding one planted value gives a finding for its interaction."""
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cassette_document([exchange(case, BASE)])))
    findings = scan([path], secrets=ENV.values())
    assert findings, case.id
    assert all(f.interaction == 0 for f in findings)


def test_scan_finds_every_planted_value_in_one_cassette(tmp_path: Path) -> None:
    """All values in one cassette: every interaction has a finding, and no other place does."""
    path = tmp_path / "all.yaml"
    path.write_text(yaml.safe_dump(cassette_document([exchange(c, BASE) for c in CORPUS])))
    found = {f.interaction for f in scan([path], secrets=ENV.values())}
    assert found == set(range(len(CORPUS)))


def test_the_exchange_without_a_planted_value_is_clean(tmp_path: Path) -> None:
    """The scaffolding around the planted values (URIs, headers, bodies) gives no finding."""
    neutral = Planted("neutral", "plain-words", "resp_json", {"data": {"ref": "{v}"}})
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cassette_document([exchange(neutral, BASE)])))
    assert scan([path], secrets=ENV.values()) == []


def scrubbed_document(case: Planted) -> dict[str, Any]:
    """The cassette document of ``case`` after the scrubber's request and response hooks."""
    ex = exchange(case, BASE)
    scrubber = Scrubber.from_environ(ENV)
    body = ex["request_body"].encode() if ex["request_body"] is not None else None
    request = scrubber.request(Request(ex["method"], ex["uri"], body, ex["request_headers"]))
    response = scrubber.response(
        {
            "status": {"code": 200, "message": "OK"},
            "headers": {k: [v] for k, v in ex["response_headers"].items()},
            "body": {"string": ex["response_body"].encode()},
        }
    )
    raw = request.body
    return {
        "interactions": [
            {
                "request": {
                    "body": raw.decode() if isinstance(raw, bytes) else raw,
                    "headers": dict(request.headers),
                    "method": request.method,
                    "uri": request.uri,
                },
                "response": {
                    "body": {"string": response["body"]["string"].decode()},
                    "headers": response["headers"],
                    "status": response["status"],
                },
            }
        ],
        "version": 1,
    }


@pytest.mark.parametrize("case", CORPUS, ids=IDS)
def test_scrubber_removes_the_planted_value(case: Planted) -> None:
    """After the vcrpy hooks, the value is nowhere in the cassette text, encoded or not."""
    text = yaml.safe_dump(scrubbed_document(case))
    assert leaks(text) == []


@pytest.mark.parametrize("case", CORPUS, ids=IDS)
def test_scan_finds_nothing_after_the_scrubber(tmp_path: Path, case: Planted) -> None:
    """What the scrubber writes, scan finds clean: the two halves agree."""
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(scrubbed_document(case)))
    assert scan([path], secrets=ENV.values()) == []
