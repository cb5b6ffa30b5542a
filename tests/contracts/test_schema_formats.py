"""Format checkers: only the formats the schemas use, every one of them really checked, and
the slower checker packages (``iri``, ``duration``, ``uri``, ``date-time``) imported only when
such a value is checked."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cassette_contracts import SchemaRegistry


def _registry(root: Path, formats: dict[str, str]) -> SchemaRegistry:
    for name, fmt in formats.items():
        (root / name).write_text(json.dumps({"type": "string", "format": fmt}))
    return SchemaRegistry.load(root)


@pytest.mark.parametrize(
    ("fmt", "wrong", "right"),
    [
        ("date-time", "2011-01-25 18:44", "2011-01-25T18:44:36Z"),
        ("email", "octocat.github.com", "octocat@github.com"),
        ("time", "18:44", "18:44:36Z"),
        ("uri", "not a uri", "https://api.github.com/users/octocat"),
        ("uri-reference", "http://ex ample.com/", "../users/octocat"),
        ("iri", "not an iri", "https://例え.jp/パス"),
        ("iri-reference", "http://ex ample.com/", "//例え.jp/パス"),
        ("duration", "three days", "P3D"),
    ],
)
def test_a_used_format_is_checked(tmp_path: Path, fmt: str, wrong: str, right: str) -> None:
    """A value breaking a format the schema uses fails, by the validator and the quick check."""
    registry = _registry(tmp_path, {"s.json": fmt})
    validator = registry.validator("s.json")
    check = registry.quick_check("s.json")
    assert check is not None
    assert (validator.is_valid(wrong), validator.is_valid(right)) == (False, True)
    assert (check(wrong), check(right)) == (False, True)


def test_the_format_checker_holds_only_the_formats_the_schemas_use(tmp_path: Path) -> None:
    """Formats no schema names (iri, ipv4, ...) are not in the checker."""
    registry = _registry(tmp_path, {"a.json": "email", "b.json": "date-time", "c.json": "nope"})
    checker = registry.validator("a.json").format_checker
    assert sorted(checker.checkers) == ["date-time", "email"]
    assert registry.validator("b.json").format_checker is checker


_LAZY = """
import json, sys
from pathlib import Path

from cassette_contracts.contracts.registry import SchemaRegistry

root, package, fmt, wrong, right = sys.argv[1:]
root = Path(root)
(root / "u.json").write_text(json.dumps({"format": "email"}))
(root / "i.json").write_text(json.dumps({"format": fmt}))
registry = SchemaRegistry.load(root)
assert not registry.validator("u.json").is_valid("no-at-sign")
steps = [package in sys.modules]
assert not registry.validator("i.json").is_valid(wrong)
steps.append(package in sys.modules)

import jsonschema

steps.append(jsonschema.FormatChecker().conforms(wrong, fmt))
steps.append(jsonschema.Draft202012Validator.FORMAT_CHECKER.conforms(right, fmt))
print(json.dumps(steps))
"""


@pytest.mark.parametrize(
    ("package", "fmt", "wrong", "right"),
    [
        ("rfc3987_syntax", "iri", "not an iri", "https://例え.jp/パス"),
        ("rfc3987_syntax", "iri-reference", "http://ex ample.com/", "//x"),
        ("isoduration", "duration", "three days", "P3D"),
        ("rfc3986_validator", "uri", "not a uri", "https://api.github.com/users/octocat"),
        ("rfc3986_validator", "uri-reference", "http://ex ample.com/", "../users/octocat"),
        ("rfc3339_validator", "date-time", "2011-01-25 18:44", "2011-01-25T18:44:36Z"),
        ("rfc3339_validator", "time", "18:44", "18:44:36Z"),
    ],
)
def test_a_slow_checker_package_is_imported_only_when_its_format_is_checked(
    tmp_path: Path, package: str, fmt: str, wrong: str, right: str
) -> None:
    """The package loads at the first check of its format; jsonschema's own checkers keep it."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_LAZY), str(tmp_path), package, fmt, wrong, right],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [False, True, False, True]


# -- the meta-schema check's plain URIs -----------------------------------------------------

_URI_PIECES = ["a", "Z", "0", ".", "-", "_", "~", "$", "/", "#", ":", "?", "%", "%2F", "@", " "]
_URI_EDGES = [
    "",
    "#",
    "/",
    "//",
    "///",
    "//host",
    "a:b",
    "#/$defs/count",
    "common.schema.json#/$defs/nullable-string",
    "../users/octocat",
    "https://json-schema.org/draft/2020-12/schema",
    "https://json-schema.org/draft/2020-12/schema#",
    "http:///x",
    "http://[::1",
    "http://ex ample.com/",
    "file:///etc",
    "1http://x",
    "https://a$b/c#d/e",
    "#a#b",
    "x#/a?b",
]


def _uri_corpus() -> list[str]:
    """Edge cases, then 4,000 strings of 0-6 URI pieces (seeded: the same every run)."""
    import random

    rng = random.Random(13)
    corpus = list(_URI_EDGES)
    for _ in range(4000):
        corpus.append("".join(rng.choice(_URI_PIECES) for _ in range(rng.randint(0, 6))))
        corpus.append("https://" + corpus[-1])
    return corpus


def test_the_meta_schema_check_gives_rfc3986_validators_verdict_on_every_uri() -> None:
    """The meta-schema check answers plain URIs itself: for every string, its verdict on
    ``uri`` and ``uri-reference`` is jsonschema's own, and what it answers alone is a string
    rfc3986-validator accepts too."""
    from rfc3986_validator import validate_rfc3986

    from cassette_contracts.contracts.formats import (
        _PLAIN_URI,
        _PLAIN_URI_REFERENCE,
        Draft202012Validator,
        meta_format_checker,
    )

    meta, jsonschemas = meta_format_checker(), Draft202012Validator.FORMAT_CHECKER
    plain_answers = 0
    for text in _uri_corpus():
        for fmt, plain, rule in (
            ("uri", _PLAIN_URI, "URI"),
            ("uri-reference", _PLAIN_URI_REFERENCE, "URI_reference"),
        ):
            assert meta.conforms(text, fmt) == jsonschemas.conforms(text, fmt), (fmt, text)
            if plain.fullmatch(text):
                plain_answers += 1
                assert validate_rfc3986(text, rule=rule), (fmt, text)
    assert plain_answers > 1000  # the corpus reaches the plain patterns, not only the rest
    assert meta.checkers.keys() == jsonschemas.checkers.keys()


_META_CHECK = """
import sys
from cassette_contracts.contracts.registry import SchemaRegistry

registry = SchemaRegistry.load(sys.argv[1])
assert registry.names and not registry.errors, registry.errors
print("rfc3986_validator" in sys.modules)
"""


def test_checking_the_committed_schemas_imports_no_uri_validator() -> None:
    """Every "$schema" and "$ref" of the committed schemas is a plain URI: the meta-schema
    check of a fresh process (``check --no-cache``) never compiles rfc3986-validator."""
    schemas = Path(__file__).resolve().parents[2] / "schemas"
    done = subprocess.run(
        [sys.executable, "-c", _META_CHECK, str(schemas)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
