"""What a secret looks like: by name and by value. The one rule shared by the scrubber and scan.

The scrubber (``_scrub.Scrubber``, before anything is written) and ``scan`` (committed files)
ask the same questions here, so what ``scan`` would report the scrubber has already removed:

* **By value** (:func:`find_secrets`): the pattern plugins of Yelp's detect-secrets (AWS access
  keys, Slack tokens and webhooks, JWTs, PEM / OpenSSH private keys, GitHub, GitLab, Stripe,
  OpenAI, npm, PyPI, Twilio, SendGrid, ... tokens), ``Bearer`` credentials, literal secrets
  (values of secret environment variables), and inside every URL found in the text: the
  password of ``user:pass@``, credential query parameters and a random segment after a
  ``/token/``-like path segment; in free text also ``name=value`` / ``name: value`` pairs whose
  name is a credential name. The plugins are called through ``analyze_string`` (pure regex
  matching): their ``analyze_line`` may *verify* a key over the network, which a recording
  harness must never do. detect-secrets' high-entropy and keyword plugins are not used: on real
  payloads they flag hashes, node ids, ETags and SHAs; entropy is only asked of values stored
  under a credential-like name (:func:`looks_random`).
* **By name** (:func:`named_secret`): a header, query / form parameter, JSON member or text
  ``name=value`` whose name says credential. Strong names (``token``, ``*_secret``,
  ``password``, ``Authorization``, ``X-Partner-Auth``, ...) hold a secret whatever the value
  looks like; weak names (``key``, ``session``, ``*-Key`` headers, ``sig``) only when the value
  looks random.

:class:`Allowlist` lets a project mark values that look random but are not secrets (paging
cursors) by JSON path or by a regular expression on the value: ``[tool.cassette_contracts.
secrets_allow]`` in pyproject.toml.

Length: one job, deciding what a secret is; the rules (names, values, URLs, cookies, the
detect-secrets plugins) are many and each is commented where it is.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus, urlsplit

from .. import jsonpath
from ..errors import UsageError

__all__ = [
    "MIN_RANDOM_LENGTH",
    "MIN_SECRET_LENGTH",
    "PLACEHOLDER",
    "SENSITIVE_QUERY_PARAMETERS",
    "Allowlist",
    "Hit",
    "cookie_hits",
    "find_secrets",
    "is_placeholder",
    "is_secret_header",
    "is_secret_name",
    "is_secret_variable",
    "looks_random",
    "named_secret",
    "strip_auth_scheme",
]

PLACEHOLDER = "<REDACTED>"
#: Literal secrets (and strong-named values) shorter than this are not credentials: replacing
#: "1" or "dev" everywhere would wreck the recording.
MIN_SECRET_LENGTH = 8
#: Minimum length of a random-looking value under a weak credential-like name.
MIN_RANDOM_LENGTH = 20
_ENTROPY_BITS_PER_CHAR = 3.0

_PLACEHOLDER_VALUES = frozenset(
    {"", "<redacted>", "redacted", "[redacted]", "***", "****", "xxx", "<token>", "<secret>"}
)


def is_placeholder(value: str) -> bool:
    """``<REDACTED>``, ``***``, ``xxxxxxxx``...: a value somebody already blanked."""
    stripped = value.strip()
    if stripped.lower() in _PLACEHOLDER_VALUES or PLACEHOLDER in stripped:
        return True
    if "%3CREDACTED%3E" in stripped.upper():
        return True
    return len(set(stripped)) == 1


def _entropy(value: str) -> float:
    counts = Counter(value)
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def looks_random(value: str) -> bool:
    """Long (>= 20 chars), no spaces, not a URL / email / date, letters and digits mixed,
    and high Shannon entropy: the shape of a token, not of a word or an identifier."""
    if len(value) < MIN_RANDOM_LENGTH or is_placeholder(value):
        return False
    if any(c.isspace() for c in value) or "://" in value or value.startswith("/"):
        return False
    if "@" in value or re.fullmatch(r"[\d:TZ.+-]+", value):
        return False
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    if not (has_digit and has_alpha):
        return False
    return _entropy(value) >= _ENTROPY_BITS_PER_CHAR


# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------


# The four characters a name is normalised without.
_NORM_DROP = str.maketrans("", "", "-_. ")


def _norm(name: str) -> str:
    return name.lower().translate(_NORM_DROP)


# Normalised names (lower case, no "-", "_", ".", " ") that always hold a credential.
_STRONG_NAMES = frozenset(
    {
        "auth",
        "authorization",
        "proxyauthorization",
        "cookie",
        "setcookie",
        "passphrase",
        "passwd",
        "pwd",
        "sessionid",
        "credential",
        "credentials",
        "signature",
        "sig",
        "otp",
        "xhubsignature",
        "xhubsignature256",
        "xamzsignature",
        "xamzcredential",
        "xamzsecuritytoken",
    }
)
_STRONG_SUFFIXES = (
    "token",
    "tokens",
    "secret",
    "secrets",
    "password",
    "passwords",
    "passwd",
    "apikey",
    "apikeys",
    "privatekey",
    "secretkey",
    "accesskey",
    "authkey",
    "credentials",
    "sessionid",
    "sessiontoken",
    "otp",
)
# Names that say credential only together with a random-looking value.
_WEAK_NAMES = frozenset({"key", "keys", "session", "pass", "code", "nonce", "hash"})
_WEAK_SUFFIXES = ("key", "keys", "auth", "session", "signature", "sig")
# Names built on a credential word that name something else.
_NOT_SECRET_SUFFIXES = (
    "url",
    "uri",
    "urls",
    "type",
    "types",
    "endpoint",
    "expiresin",
    "expiresat",
    "expiry",
    "expires",
    "expiration",
    "scope",
    "scopes",
    "date",
    "createdat",
    "updatedat",
    "time",
    "count",
    "length",
    "limit",
    "name",
    "id",
    "ids",
    "status",
    "hint",
    "required",
    "enabled",
)
# Header names that hold a challenge or a description, not a credential.
_NOT_SECRET_HEADERS = frozenset(
    {"wwwauthenticate", "proxyauthenticate", "authenticationinfo", "accesscontrolallowheaders"}
)


@functools.lru_cache(maxsize=4096)  # a pure function of the name; bodies repeat their keys
def _strength(name: str) -> int:
    """2: always a credential, 1: a credential when the value looks random, 0: not one."""
    norm = _norm(name)
    if not norm:
        return 0
    if norm in _STRONG_NAMES:
        return 2
    if "ratelimit" in norm:  # x-ratelimit-remaining-tokens: a count
        return 0
    if norm != "id" and norm.endswith(_NOT_SECRET_SUFFIXES) and not norm.endswith("sessionid"):
        return 0
    if norm.endswith(_STRONG_SUFFIXES):
        return 2
    if norm in _WEAK_NAMES or norm.endswith(_WEAK_SUFFIXES):
        return 1
    return 0


def is_secret_name(name: str) -> bool:
    """Whether a JSON member / parameter / header called ``name`` always holds a credential."""
    return _strength(name) == 2


def _not_secret_header(name: str) -> bool:
    norm = _norm(name)
    return (
        norm in _NOT_SECRET_HEADERS
        or norm.endswith(_NOT_SECRET_SUFFIXES)
        or norm.startswith("accesscontrol")  # CORS: Access-Control-Allow-Credentials: true
    )


def is_secret_header(name: str) -> bool:
    """Whether header ``name`` always holds a credential (``Authorization``, ``X-*-Auth*``,
    ``*-Token``, ``Cookie``, ``X-Api-Key``)."""
    if _not_secret_header(name):
        return False
    parts = set(re.split(r"[-_. ]", name.lower()))
    return _strength(name) == 2 or bool(parts & _SECRET_HEADER_PARTS)


# A header with one of these words in its name holds a credential: X-Partner-Auth, X-Auth-User.
_SECRET_HEADER_PARTS = frozenset(
    {
        "auth",
        "authorization",
        "token",
        "secret",
        "password",
        "passwd",
        "credential",
        "credentials",
        "signature",
        "cookie",
        "apikey",
    }
)

_AUTH_SCHEME_RE = re.compile(
    r"^\s*(Bearer|token|Basic|Digest|Negotiate|Bot|ApiKey|OAuth|AWS4-HMAC-SHA256)\s+(?=\S)", re.I
)


def strip_auth_scheme(value: str) -> tuple[str, str]:
    """(``"Bearer "``, credential) of a header value; ("", value) when it has no scheme."""
    match = _AUTH_SCHEME_RE.match(value)
    if match:
        return value[: match.end()], value[match.end() :]
    return "", value


#: Query (and form) parameter names (lower case) that carry a credential.
SENSITIVE_QUERY_PARAMETERS = frozenset(
    {
        "access_token",
        "refresh_token",
        "id_token",
        "private_token",
        "token",
        "auth",
        "auth_token",
        "api_key",
        "apikey",
        "api-key",
        "key",
        "client_secret",
        "secret",
        "password",
        "passwd",
        "sig",
        "signature",
        "x-amz-signature",
        "x-amz-security-token",
        "x-amz-credential",
    }
)


def named_secret(
    name: str, value: str, *, header: bool = False, query: bool = False, eager: bool = False
) -> str | None:
    """The finding kind when ``value`` stored under ``name`` is a credential, else None.

    ``header`` / ``query``: ``name`` is a header / a query or form parameter. ``eager`` (the
    scrubber) treats any non-blank value under a strong name as a credential; without it
    (``scan``) such a value must be at least :data:`MIN_SECRET_LENGTH` characters.
    """
    if header and _not_secret_header(name):
        strength = 0
    elif (header and is_secret_header(name)) or (
        query and name.lower() in SENSITIVE_QUERY_PARAMETERS
    ):
        strength = 2
    else:
        strength = _strength(name)
    if strength == 0:
        return None
    _, credential = strip_auth_scheme(value)
    credential = credential.strip()
    if is_placeholder(credential):
        return None
    if not eager and re.fullmatch(r"[\d.,:+-]*", credential):
        return None  # a count, a date or a time
    if strength == 2:
        if looks_random(credential):
            return "high-entropy-secret"
        if eager or len(credential) >= MIN_SECRET_LENGTH:
            return "named-secret"
        return None
    return "high-entropy-secret" if looks_random(credential) else None


_SECRET_VARIABLE_RE = re.compile(
    r"(?:^|_)(?:TOKEN|TOKENS|SECRET|SECRETS|KEY|APIKEY|PASSWORD|PASSWD|PASS|PWD|PASSPHRASE"
    r"|CREDENTIAL|CREDENTIALS|COOKIE|SESSION)$|(?:^|_)AUTH(?!OR)",
    re.I,
)


_COOKIE_SECRET_WORDS = re.compile(r"sess|sid|auth|token|csrf|xsrf|secret|key|jwt", re.I)


def cookie_hits(name: str, value: str) -> list[Hit]:
    """Credential cookies in a ``Cookie`` / ``Set-Cookie`` value (for ``scan``): a cookie
    whose name says session, auth, token, CSRF or key and whose value is not blank, or a
    cookie stored under a credential name. ``Set-Cookie`` attributes (Path, Expires) are not
    cookies."""
    hits = []
    offset = 0
    pieces = value.split(";")
    for number, piece in enumerate(pieces):
        if name.lower() == "set-cookie" and number > 0:
            break
        cookie, sep, cookie_value = piece.partition("=")
        start = offset + len(cookie) + len(sep)
        stripped = cookie_value.strip().strip('"')
        if sep and stripped and not is_placeholder(stripped):
            kind = named_secret(cookie.strip(), stripped)
            if kind is None and _COOKIE_SECRET_WORDS.search(cookie):
                kind = named_secret("token", stripped)
            if kind is not None:
                hits.append(Hit(start, start + len(cookie_value), kind, f"cookie {cookie.strip()}"))
        offset += len(piece) + 1
    return _disjoint(hits + find_secrets(value, pairs=False))


def is_secret_variable(name: str) -> bool:
    """Whether environment variable ``name`` holds a secret: ``*_TOKEN``, ``*_KEY``,
    ``*_SECRET``, ``*_PASSWORD``, ``*_PASS``, ``*_AUTH*``, ``*_CREDENTIALS``, ...

    The one rule for the scrubber's literal secrets and ``rerecord``'s environment check.
    """
    return bool(_SECRET_VARIABLE_RE.search(name))


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """A secret inside a text: ``text[start:end]``, its kind, and where in the text
    (``"query parameter token"``, ``"field api_key"``; "" when the text is the place)."""

    start: int
    end: int
    kind: str
    place: str = ""


def _detectors() -> tuple[object, ...]:
    from detect_secrets.plugins.aws import AWSKeyDetector
    from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
    from detect_secrets.plugins.basic_auth import BasicAuthDetector
    from detect_secrets.plugins.cloudant import CloudantDetector
    from detect_secrets.plugins.discord import DiscordBotTokenDetector
    from detect_secrets.plugins.github_token import GitHubTokenDetector
    from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
    from detect_secrets.plugins.jwt import JwtTokenDetector
    from detect_secrets.plugins.mailchimp import MailchimpDetector
    from detect_secrets.plugins.npm import NpmDetector
    from detect_secrets.plugins.openai import OpenAIDetector
    from detect_secrets.plugins.private_key import PrivateKeyDetector
    from detect_secrets.plugins.pypi_token import PypiTokenDetector
    from detect_secrets.plugins.sendgrid import SendGridDetector
    from detect_secrets.plugins.slack import SlackDetector
    from detect_secrets.plugins.square_oauth import SquareOAuthDetector
    from detect_secrets.plugins.stripe import StripeDetector
    from detect_secrets.plugins.telegram_token import TelegramBotTokenDetector
    from detect_secrets.plugins.twilio import TwilioKeyDetector

    return tuple(
        plugin()
        for plugin in (
            AWSKeyDetector,
            AzureStorageKeyDetector,
            BasicAuthDetector,
            CloudantDetector,
            DiscordBotTokenDetector,
            GitHubTokenDetector,
            GitLabTokenDetector,
            JwtTokenDetector,
            MailchimpDetector,
            NpmDetector,
            OpenAIDetector,
            PrivateKeyDetector,
            PypiTokenDetector,
            SendGridDetector,
            SlackDetector,
            SquareOAuthDetector,
            StripeDetector,
            TelegramBotTokenDetector,
            TwilioKeyDetector,
        )
    )


_DETECTORS: list[tuple[str, Callable[[str], Iterable[str]]]] | None = None


def _kind(secret_type: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", secret_type.lower()).strip("-")


# A token continues over these characters (a JWT's signature after the part a plugin matched).
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_\-.]")
_TOKEN = re.compile(r"[A-Za-z0-9_\-.]+")
_PEM_BLOCK = re.compile(
    r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----.*?(?:-----END[A-Z0-9 ]*-----|\Z)", re.S
)
# Shapes detect-secrets 1.5 has no plugin for (it knows only classic 36-character GitHub
# tokens and legacy OpenAI keys): fine-grained GitHub PATs, any-length GitHub tokens, the
# project / service-account OpenAI keys, Anthropic keys, npm tokens outside an .npmrc, and
# Google API keys.
_EXTRA_PATTERNS = (
    (
        "github-token",
        re.compile(r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_\w{22,255})"),
    ),
    ("api-key", re.compile(r"(?<![A-Za-z0-9_])sk-(?:proj|ant|svcacct|admin)-[A-Za-z0-9_-]{20,}")),
    ("npm-token", re.compile(r"(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])")),
    ("google-api-key", re.compile(r"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])")),
)
_BEARER_RE = re.compile(r"\bBearer\s+([A-Za-z0-9._~+/=-]{16,})")
_URL_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s<>\"'`]+")
# name=value / name: value in free text (form bodies, plain text, cookies, env dumps).
_PAIR_RE = re.compile(
    r"(?<![A-Za-z0-9_.-])([A-Za-z][A-Za-z0-9_.-]{1,63})[\"']?\s{0,3}[=:]\s{0,3}[\"']?"
    r"([^\s\"'&;,<>]+)"
)
# Path segments after which a random-looking segment is a credential (/tokens/<t>, /hooks/<t>).
_SECRET_SEGMENTS = frozenset(
    {
        "token",
        "tokens",
        "key",
        "keys",
        "apikey",
        "apikeys",
        "secret",
        "secrets",
        "auth",
        "session",
        "sessions",
        "hooks",
        "webhook",
        "webhooks",
        "password",
        "credentials",
        "invite",
        "reset",
    }
)


def _expand(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and _TOKEN_CHARS.match(text, start - 1):
        start -= 1
    while end < len(text) and _TOKEN_CHARS.match(text, end):
        end += 1
    while end < len(text) and text[end] == "=":
        end += 1
    return start, end


# Every shape the plugins know has a long token-like run, a private-key header or a URL.
_WORTH_A_LOOK = re.compile(r"[A-Za-z0-9_\-/+=.:]{16,}|PRIVATE KEY|://")


def _analyzer(plugin: Any) -> Callable[[str], Iterable[str]]:
    """The plugin's ``analyze_string``, except that a regex whose groups caught only part of
    a token (GitLab's ``(glpat|gldt|...)-...`` yields "glpat") gives the whole token instead."""
    from detect_secrets.plugins.base import RegexBasedDetector

    if type(plugin).analyze_string is not RegexBasedDetector.analyze_string:
        return plugin.analyze_string  # type: ignore[no-any-return]  # its own checks (JWT)

    def analyze(text: str) -> Iterator[str]:
        for regex in plugin.denylist:
            for found in regex.finditer(text):
                if not regex.groups:
                    yield found.group(0)
                    continue
                groups = [g for g in found.groups() if g]
                if any(len(g) >= MIN_SECRET_LENGTH for g in groups):
                    yield from groups
                elif _TOKEN.fullmatch(found.group(0)):
                    yield found.group(0)

    return analyze


def _plugin_hits(text: str) -> Iterator[Hit]:
    if not _WORTH_A_LOOK.search(text):
        return
    global _DETECTORS
    if _DETECTORS is None:
        _DETECTORS = [
            (_kind(str(getattr(plugin, "secret_type", "secret"))), _analyzer(plugin))
            for plugin in _detectors()
        ]
    for kind, analyze in _DETECTORS:
        for match in set(analyze(text)):
            if (
                not isinstance(match, str)
                or len(match) < MIN_SECRET_LENGTH
                or is_placeholder(match)
            ):
                continue  # a short match is a regex group ("ghp"), not the secret
            position = text.find(match)
            while position >= 0:
                if kind == "private-key":
                    block = _PEM_BLOCK.search(text, max(0, text.rfind("-----", 0, position) - 5))
                    if block and block.start() <= position:
                        yield Hit(block.start(), block.end(), kind)
                    else:
                        yield Hit(position, len(text), kind)
                elif kind == "basic-auth-credentials":
                    yield Hit(position, position + len(match), kind)
                else:
                    start, end = _expand(text, position, position + len(match))
                    yield Hit(start, end, kind)
                position = text.find(match, position + len(match))


def _url_hits(text: str, base: int, prefix: str, eager: bool) -> Iterator[Hit]:
    """Credentials inside one URL ``text`` found at offset ``base``."""
    try:
        parts = urlsplit(text)
    except ValueError:
        return
    netloc_at = text.find("//") + 2 if "//" in text else 0
    if "@" in parts.netloc and parts.password:
        userinfo = parts.netloc.rpartition("@")[0]
        user, _, password = userinfo.partition(":")
        if not is_placeholder(unquote_plus(password)) and password:
            start = base + netloc_at + len(user) + 1
            yield Hit(start, start + len(password), "url-password", f"{prefix}userinfo")
    path_at = text.find(parts.path, netloc_at + len(parts.netloc)) if parts.path else -1
    if path_at >= 0:
        offset = path_at
        previous = ""
        for segment in parts.path.split("/"):
            raw = unquote_plus(segment)
            if _norm(previous) in _SECRET_SEGMENTS and looks_random(raw):
                yield Hit(base + offset, base + offset + len(segment), "url-path-secret", "path")
            previous = raw
            offset += len(segment) + 1
    if parts.query:
        query_at = text.find("?") + 1
        yield from _pairs(parts.query, base + query_at, f"{prefix}query parameter ", eager)
    if "=" in parts.fragment:  # OAuth's implicit flow: #access_token=...
        fragment_at = text.find("#") + 1
        yield from _pairs(parts.fragment, base + fragment_at, f"{prefix}fragment parameter ", eager)


def _pairs(text: str, base: int, prefix: str, eager: bool) -> Iterator[Hit]:
    """Named credentials in ``a=1&token=x``."""
    offset = 0
    for piece in text.split("&"):
        name, sep, value = piece.partition("=")
        if sep and value:
            kind = named_secret(unquote_plus(name), unquote_plus(value), query=True, eager=eager)
            if kind is not None:
                start = base + offset + len(name) + 1
                yield Hit(start, start + len(value), kind, prefix + unquote_plus(name))
        offset += len(piece) + 1


def find_secrets(
    text: str,
    *,
    known: Iterable[str] = (),
    pairs: bool = True,
    urlencoded: bool = False,
    eager: bool = False,
    any_case: bool = False,
) -> list[Hit]:
    """Every secret found by value in ``text``, in text order; findings that overlap are
    merged into one (see :func:`_disjoint`).

    ``known`` are literal secrets (matched in any letter case with ``any_case``: in a header
    name); ``pairs`` looks at ``name=value`` / ``name: value`` in free text; ``urlencoded``
    reads the whole text as ``a=1&b=2`` (a form body or a query);
    ``eager`` as for :func:`named_secret`.
    """
    hits: list[Hit] = list(_plugin_hits(text))
    for extra_kind, pattern in _EXTRA_PATTERNS:
        hits.extend(Hit(m.start(), m.end(), extra_kind) for m in pattern.finditer(text))
    for secret in known:
        if any_case:
            found = _any_case(secret).finditer(text)
            hits.extend(Hit(m.start(), m.end(), "known-secret") for m in found)
            continue
        position = text.find(secret)
        while position >= 0:
            hits.append(Hit(position, position + len(secret), "known-secret"))
            position = text.find(secret, position + len(secret))
    for match in _BEARER_RE.finditer(text):
        if not is_placeholder(match.group(1)):
            hits.append(Hit(match.start(1), match.end(1), "bearer-credential"))
    for match in _URL_RE.finditer(text):
        hits.extend(_url_hits(match.group(0), match.start(), "", eager))
    if urlencoded:
        hits.extend(_pairs(text, 0, "field ", eager))
    elif pairs:
        for match in _PAIR_RE.finditer(text):
            name, value = match.group(1), match.group(2)
            if "://" in text[match.start(2) - 3 : match.end(2)]:
                continue  # "https://..." is not https=...
            kind = named_secret(name, value, eager=eager)
            if kind is not None:
                hits.append(Hit(match.start(2), match.end(2), kind, f"field {name}"))
    return _disjoint(hits) if hits else hits


@functools.cache  # one per known secret: a bounded cache missed in turn past its size
def _any_case(secret: str) -> re.Pattern[str]:
    return re.compile(re.escape(secret), re.IGNORECASE)


def _disjoint(hits: list[Hit]) -> list[Hit]:
    """The hits in text order, overlapping ones merged into their union, named as the longest
    of them: two findings that share a stretch of text leave no part of either."""
    merged: list[tuple[int, int, Hit]] = []  # (start, end, the longest hit inside)
    for hit in sorted(hits, key=lambda h: (h.start, -(h.end - h.start))):
        if hit.end <= hit.start:
            continue
        if merged and hit.start < merged[-1][1]:
            start, end, longest = merged[-1]
            if hit.end - hit.start > longest.end - longest.start:
                longest = hit
            merged[-1] = (start, max(end, hit.end), longest)
        else:
            merged.append((hit.start, hit.end, hit))
    return [
        longest
        if (start, end) == (longest.start, longest.end)
        else Hit(start, end, longest.kind, longest.place)
        for start, end, longest in merged
    ]


# --------------------------------------------------------------------------------------------
# Allowlist
# --------------------------------------------------------------------------------------------


class Allowlist:
    """Values that look like secrets but are not, from ``secrets_allow`` (entry -> reason).

    An entry starting with ``$`` is a JSON path in ``_jsonpath`` notation, matched against the
    body path of the value (``[*]`` matches any index; indices are generalised):
    ``"$.links[*].body.token"``. Any other entry is a regular expression searched in the value:
    ``"^next:"``. The reason is documentation only.
    """

    def __init__(self, entries: Mapping[str, str] | Iterable[str] = ()) -> None:
        self.paths: set[str] = set()
        self.patterns: list[re.Pattern[str]] = []
        for entry in entries:
            if entry.startswith(jsonpath.ROOT):
                try:
                    self.paths.add(jsonpath.generalize(entry))
                except ValueError as exc:
                    raise UsageError(f"secrets_allow: {exc}") from None
            else:
                try:
                    self.patterns.append(re.compile(entry))
                except re.error as exc:
                    raise UsageError(
                        f"secrets_allow: {entry!r} is neither a JSON path ($...) nor a valid "
                        f"regular expression: {exc}"
                    ) from None

    def __bool__(self) -> bool:
        return bool(self.paths or self.patterns)

    def allows(self, value: str, json_path: str | None = None) -> bool:
        """Whether ``value`` (found at body path ``json_path``, if any) is allowlisted."""
        if json_path is not None and self.paths:
            try:
                if jsonpath.generalize(json_path) in self.paths:
                    return True
            except ValueError:
                pass
        return any(pattern.search(value) for pattern in self.patterns)
