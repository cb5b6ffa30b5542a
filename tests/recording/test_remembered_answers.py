"""Within one body, the scrubber and ``scan`` remember what ``find_secrets`` answered for a
string seen before (a page of repositories repeats its owner's URLs in every item); the
answer depends on the text alone, so nothing found changes, and whatever depends on the place
(the member name, the allowlist) is still asked at every place."""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from cassette_contracts.recording import secrets
from cassette_contracts.recording.scrub import Scrubber, iter_json_strings, json_string_hits
from cassette_contracts.recording.secrets import Allowlist, Hit

from ..conftest import ROOT, read_yaml
from .corpus import CORPUS, fill

#: Literal secrets handed to the finders (``known``): two corpus values and a made-up one.
KNOWN = (CORPUS[0].value, CORPUS[-1].value, "s3cr3t-literal-value")
#: A made-up token shaped like a GitHub one (split: no whole token in one source token).
TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"


@functools.cache
def _bodies() -> tuple[Any, ...]:
    """The JSON response bodies of the committed cassettes, and the corpus's JSON templates
    filled with their planted values."""
    found = []
    for path in sorted((ROOT / "cassettes").rglob("*.yaml")):
        for interaction in read_yaml(path.read_bytes())["interactions"]:
            text = interaction["response"]["body"]["string"]
            if text.lstrip()[:1] in ("{", "["):
                found.append(json.loads(text))
    found += [fill(case.template, case.value) for case in CORPUS if case.place.endswith("json")]
    return tuple(found)


def test_remembered_answers_change_no_json_string_hits() -> None:
    """Every string of every body: the answer with remembering is the answer without it."""
    allow = Allowlist({"$[*].owner.node_id": "", "$.node_id": "", "^https://api": ""})
    options: dict[str, Any] = {"known": KNOWN, "allow": allow, "eager": True}
    compared = repeated = 0
    for body in _bodies():
        seen: dict[str, list[Hit]] = {}
        for path, name, value in iter_json_strings(body):
            repeated += value in seen
            remembered = json_string_hits(value, path, name, seen=seen, **options)
            assert remembered == json_string_hits(value, path, name, **options), (path, value)
            compared += 1
    assert (compared, repeated) > (3_000, 1_000)


def test_scrubbed_bodies_are_what_asking_every_time_gives(monkeypatch: Any) -> None:
    """The scrubber's output, remembering, is byte for byte its output asking every time."""
    bodies = [json.dumps(body).encode() for body in _bodies()]
    scrubber = Scrubber(secrets=KNOWN)
    remembering = [scrubber.scrub_body(body, "application/json") for body in bodies]
    monkeypatch.setattr(
        "cassette_contracts.recording.scrub._found",
        lambda text, seen, **options: secrets.find_secrets(text, **options),
    )
    assert remembering == [scrubber.scrub_body(body, "application/json") for body in bodies]
    assert remembering != bodies  # the planted values were found and replaced


def test_a_remembered_answer_honours_the_allowlist_per_path() -> None:
    """The same token at an allowlisted path and elsewhere: only the other place is a hit."""
    allow = Allowlist({"$.a": "a paging cursor"})
    seen: dict[str, list[Hit]] = {}
    at_a = json_string_hits(TOKEN, "$.a", "a", allow=allow, seen=seen)
    at_b = json_string_hits(TOKEN, "$.b", "b", allow=allow, seen=seen)
    assert (at_a, [h.kind for h in at_b]) == ([], ["github-token"])


def test_a_remembered_answer_honours_the_name_per_place() -> None:
    """A plain value first seen under a neutral name is still a secret under ``password``."""
    seen: dict[str, list[Hit]] = {}
    neutral = json_string_hits("hunter2hunter2", "$.a", "note", eager=True, seen=seen)
    named = json_string_hits("hunter2hunter2", "$.b", "password", eager=True, seen=seen)
    assert (neutral, [h.kind for h in named]) == ([], ["named-secret"])


def test_a_remembered_answer_is_a_copy() -> None:
    """Changing a returned list does not change what the next identical string gets."""
    seen: dict[str, list[Hit]] = {}
    json_string_hits(TOKEN, "$.a", "a", seen=seen).clear()
    assert [h.kind for h in json_string_hits(TOKEN, "$.b", "b", seen=seen)] == ["github-token"]


def test_names_are_normalised_as_the_regex_did() -> None:
    """``_norm`` drops what ``re.sub(r"[-_. ]", "", name.lower())`` dropped, for every key
    and value of the bodies (and the characters that lower-casing treats specially)."""
    texts = {t for body in _bodies() for path, _, t in iter_json_strings(body)}
    texts |= {
        path.rsplit(".", 1)[-1] for body in _bodies() for path, _, _ in iter_json_strings(body)
    }
    texts |= {"İ-ß_Σ. K", "X-Api_Key.v 2", "ﬀ-ﬁ"}
    differ = [t for t in texts if secrets._norm(t) != re.sub(r"[-_. ]", "", t.lower())]
    assert (differ, len(texts) > 1_000) == ([], True)
