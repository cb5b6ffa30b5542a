"""jsonschema, imported with its ``iri`` format checkers made lazy, and the format checker
of a schema set.

Every module of the package takes jsonschema's names from here, so that importing it never
pays for rfc3987-syntax's grammars (see the comment below).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterable
from typing import Any

from .schemawalk import walk

__all__ = [
    "Draft202012Validator",
    "FormatChecker",
    "ValidationError",
    "best_match",
    "format_checker",
]

# -- format checkers ---------------------------------------------------------------------------
# jsonschema's `_format` module, run by `import jsonschema`, imports every format-checker
# package it can find. One of them, rfc3987-syntax (the `iri` and `iri-reference` formats of
# the format-nongpl extra), compiles its Lark grammars on import: about a second in every
# process that validates, for formats few schemas use. So jsonschema is imported here without
# it, and those two checkers are put back where jsonschema keeps them (the draft 7, 2019-09 and
# 2020-12 checkers and FormatChecker's defaults) as jsonschema registers them, importing
# rfc3987-syntax on their first call. Every format stays checked, for this package and for
# any other code in the process; only the price moves to the first `iri` value checked.
_LAZY_IRI_PACKAGE = "rfc3987_syntax"
_LAZY_IRI_RULES = {"iri": "iri", "iri-reference": "iri_reference"}


def _lazy_iri_check(rule: str) -> Callable[[object], bool]:
    """jsonschema's check for an ``iri`` format, importing rfc3987-syntax on first use."""

    def check(instance: object) -> bool:
        if not isinstance(instance, str):
            return True
        from rfc3987_syntax import is_valid_syntax  # type: ignore[import-untyped]

        return bool(is_valid_syntax(rule, instance))

    return check


def _import_jsonschema_with_lazy_iri() -> None:
    """``import jsonschema`` without importing rfc3987-syntax; its checkers made lazy."""
    if "jsonschema" in sys.modules or _LAZY_IRI_PACKAGE in sys.modules:
        return  # imported already: the price is paid, jsonschema is left as it is
    if importlib.util.find_spec(_LAZY_IRI_PACKAGE) is None:
        return
    sys.modules[_LAZY_IRI_PACKAGE] = None  # type: ignore[assignment]  # import -> ImportError
    try:
        import jsonschema  # type: ignore[import-untyped]
    finally:
        del sys.modules[_LAZY_IRI_PACKAGE]
    drafts = (
        jsonschema.Draft7Validator,
        jsonschema.Draft201909Validator,
        jsonschema.Draft202012Validator,
    )
    if "iri" in jsonschema.Draft202012Validator.FORMAT_CHECKER.checkers:
        return  # provided by another package (rfc3987): nothing was skipped
    for name, rule in _LAZY_IRI_RULES.items():
        check = _lazy_iri_check(rule)
        for validator in drafts:
            validator.FORMAT_CHECKER.checks(name, raises=ValueError)(check)
        jsonschema.FormatChecker.checkers[name] = (check, ValueError)


_import_jsonschema_with_lazy_iri()

from jsonschema import Draft202012Validator, FormatChecker  # noqa: E402
from jsonschema.exceptions import ValidationError, best_match  # type: ignore[import-untyped]  # noqa: E402


def format_checker(schemas: Iterable[Any]) -> FormatChecker:
    """Draft 2020-12's format checker, holding only the formats ``schemas`` use."""
    used = {
        node["format"]
        for schema in schemas
        for node, _ in walk(schema, [])
        if isinstance(node.get("format"), str)
    }
    known = Draft202012Validator.FORMAT_CHECKER.checkers
    checker = FormatChecker(formats=())
    for name in sorted(used & set(known)):
        check, raises = known[name]
        checker.checks(name, raises)(check)
    return checker
