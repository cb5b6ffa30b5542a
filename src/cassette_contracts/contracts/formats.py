"""jsonschema, imported with its slower format checkers made lazy, and the format checker
of a schema set.

Every module of the package takes jsonschema's names from here, so that importing it never
pays for rfc3987-syntax's grammars (see the comment below).
"""

from __future__ import annotations

import importlib.util
import re
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
    "meta_format_checker",
]

# -- format checkers ---------------------------------------------------------------------------
# jsonschema's `_format` module, run by `import jsonschema`, imports every format-checker
# package it can find. Some cost far more than the rest for formats few schemas use:
# rfc3987-syntax (the `iri` and `iri-reference` formats of the format-nongpl extra) compiles
# its Lark grammars on import, about a second; isoduration (`duration`) imports arrow and
# dateutil, tens of milliseconds in every process that validates; rfc3986-validator (`uri`,
# `uri-reference`) compiles its large regexes on import, and rfc3339-validator (`date-time`,
# `time`) imports six, a few milliseconds each. So jsonschema is imported
# here without them, and their checkers are put back where jsonschema keeps them (the checkers
# of the drafts that define the format, and FormatChecker's defaults) as jsonschema registers
# them, importing the package on their first call. Every format stays checked, for this package
# and for any other code in the process; only the price moves to the first value checked.


def _lazy_iri_check(rule: str) -> Callable[[object], bool]:
    """jsonschema's check for an ``iri`` format, importing rfc3987-syntax on first use."""

    def check(instance: object) -> bool:
        if not isinstance(instance, str):
            return True
        from rfc3987_syntax import is_valid_syntax  # type: ignore[import-untyped]

        return bool(is_valid_syntax(rule, instance))

    return check


def _lazy_duration_check(instance: object) -> bool:
    """jsonschema's check for the ``duration`` format, importing isoduration on first use."""
    if not isinstance(instance, str):
        return True
    import isoduration  # type: ignore[import-untyped]

    isoduration.parse_duration(instance)  # DurationParsingException, a ValueError
    return instance.endswith(tuple("DMYWHMS"))  # as jsonschema does (bolsote/isoduration#25)


def _lazy_uri_check(rule: str) -> Callable[[object], bool]:
    """jsonschema's check for a ``uri`` format, importing rfc3986-validator on first use."""

    def check(instance: object) -> bool:
        if not isinstance(instance, str):
            return True
        from rfc3986_validator import validate_rfc3986  # type: ignore[import-untyped]

        return bool(validate_rfc3986(instance, rule=rule))

    return check


def _lazy_datetime_check(instance: object) -> bool:
    """jsonschema's check for the ``date-time`` format, importing rfc3339-validator on first
    use."""
    if not isinstance(instance, str):
        return True
    from rfc3339_validator import validate_rfc3339  # type: ignore[import-untyped]

    return bool(validate_rfc3339(instance.upper()))


def _lazy_time_check(instance: object) -> bool:
    """jsonschema's check for the ``time`` format: a ``date-time`` on 1970-01-01."""
    if not isinstance(instance, str):
        return True
    return _lazy_datetime_check("1970-01-01T" + instance)


_ALL_DRAFTS = ("draft3", "draft4", "draft6", "draft7", "draft201909", "draft202012")
_LATER_DRAFTS = _ALL_DRAFTS[3:]
#: package -> {format: (check, what it raises, the drafts that define the format)}
_Raises = type[Exception] | tuple[type[Exception], ...]
_LAZY_FORMATS: dict[str, dict[str, tuple[Callable[[object], bool], _Raises, tuple[str, ...]]]] = {
    "rfc3987_syntax": {
        "iri": (_lazy_iri_check("iri"), ValueError, _LATER_DRAFTS),
        "iri-reference": (_lazy_iri_check("iri_reference"), ValueError, _LATER_DRAFTS),
    },
    "isoduration": {"duration": (_lazy_duration_check, ValueError, _LATER_DRAFTS[1:])},
    # the drafts and raises exactly as jsonschema's `_format` registers these formats
    "rfc3986_validator": {
        "uri": (_lazy_uri_check("URI"), (), _ALL_DRAFTS),
        "uri-reference": (_lazy_uri_check("URI_reference"), ValueError, _ALL_DRAFTS[2:]),
    },
    "rfc3339_validator": {
        "date-time": (_lazy_datetime_check, (), _ALL_DRAFTS),
        "time": (_lazy_time_check, (), _LATER_DRAFTS),
    },
}


def _import_jsonschema_lazily() -> None:
    """``import jsonschema`` without importing the packages of ``_LAZY_FORMATS``; their
    checkers made lazy. A package imported already is left as it is (its price is paid)."""
    if "jsonschema" in sys.modules:
        return  # imported already: the price is paid, jsonschema is left as it is
    skipped = [
        package
        for package in _LAZY_FORMATS
        if package not in sys.modules and importlib.util.find_spec(package) is not None
    ]
    if not skipped:
        return
    for package in skipped:
        sys.modules[package] = None  # type: ignore[assignment]  # import -> ImportError
    try:
        import jsonschema  # type: ignore[import-untyped]
    finally:
        for package in skipped:
            del sys.modules[package]
    validators = {
        "draft3": jsonschema.Draft3Validator,
        "draft4": jsonschema.Draft4Validator,
        "draft6": jsonschema.Draft6Validator,
        "draft7": jsonschema.Draft7Validator,
        "draft201909": jsonschema.Draft201909Validator,
        "draft202012": jsonschema.Draft202012Validator,
    }
    for package in skipped:
        for name, (check, raises, drafts) in _LAZY_FORMATS[package].items():
            # a format some draft has already is provided by another package (rfc3987) or, for
            # draft 3's `time`, by jsonschema itself: that draft keeps it, as without the block
            for draft in drafts:
                if name not in validators[draft].FORMAT_CHECKER.checkers:
                    validators[draft].FORMAT_CHECKER.checks(name, raises=raises)(check)
            jsonschema.FormatChecker.checkers.setdefault(name, (check, raises))


_import_jsonschema_lazily()

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


# -- the meta-schema check's URIs -------------------------------------------------------------
# Checking a schema file against the 2020-12 meta-schema checks its "$schema" as a `uri` and
# every "$ref" / "$id" as a `uri-reference`: rfc3986-validator's first call compiles two large
# regexes, about half the meta-schema check of a small schema set (a `check --no-cache` pays it
# at every start). The values schemas hold ("https://json-schema.org/draft/2020-12/schema",
# "common.schema.json#/$defs/count") are accepted by the small patterns below without it. They
# accept only strings RFC 3986 accepts (unreserved characters, "$", "/" and one "#"; no ":" in
# a relative reference, so its first segment is never taken for a scheme): anything else goes to
# rfc3986-validator, so the verdict is always its own (tests/contracts/test_schema_formats.py
# compares the two). Used for the meta-schema check only, never for payloads.
_SEGMENT = r"[A-Za-z0-9._~$-]"
_FRAGMENT = rf"(?:#(?:{_SEGMENT}|/)*)?"
_PLAIN_URI_REFERENCE = re.compile(rf"(?:{_SEGMENT}|/)*{_FRAGMENT}")
_PLAIN_URI = re.compile(rf"[A-Za-z][A-Za-z0-9+.-]*://{_SEGMENT}+(?:/{_SEGMENT}*)*{_FRAGMENT}")


def _plain_first(
    plain: re.Pattern[str], check: Callable[[object], bool]
) -> Callable[[object], bool]:
    """``check``, answered without it for a string ``plain`` matches whole."""

    def first(instance: object) -> bool:
        return (isinstance(instance, str) and plain.fullmatch(instance) is not None) or check(
            instance
        )

    return first


def meta_format_checker() -> FormatChecker:
    """Draft 2020-12's format checker for checking schemas against the meta-schema: the same
    verdicts, with plain URIs answered without rfc3986-validator (see above)."""
    known = Draft202012Validator.FORMAT_CHECKER.checkers
    checker = FormatChecker(formats=())
    for name, (check, raises) in known.items():
        plain = {"uri": _PLAIN_URI, "uri-reference": _PLAIN_URI_REFERENCE}.get(name)
        checker.checks(name, raises)(check if plain is None else _plain_first(plain, check))
    return checker
