"""The harness knows no tenant: nothing in src/cassette_contracts/ names the example clients.

The rule, per module: every identifier (names, attributes, functions, classes, arguments,
imports) and every string constant that is not a docstring (f-string parts included) is read;
comments and docstrings are documentation and may show examples. In what is read:

- ``jsonplaceholder``, ``typicode``, ``ntfy`` and ``api_clients`` never appear (any case);
- ``github`` (any case) appears only as one of these shapes, which are not tenant knowledge:
  the output format ``"github"`` (GitHub workflow annotations) and its renderers ``_github`` /
  ``_render_github``; secret *value shapes* — the ``github_pat_`` token prefix, the
  ``github-token`` finding kind, detect-secrets' ``GitHubTokenDetector`` and its module
  ``detect_secrets.plugins.github_token``. So ``api.github.com``, ``X-GitHub-*`` headers and
  ``GITHUB_*`` variables are all refused.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "cassette_contracts"

TENANT_WORDS = re.compile(r"jsonplaceholder|typicode|ntfy|api_clients", re.IGNORECASE)
GITHUB = re.compile(r"github", re.IGNORECASE)
#: Whole texts in which "github" is a format name or a secret detector, not the tenant.
GITHUB_SHAPES = {
    "github",
    "_github",
    "_render_github",
    "github-token",
    "GitHubTokenDetector",
    "detect_secrets.plugins.github_token",
}
TOKEN_PREFIX = "github_pat_"


def _docstrings(tree: ast.Module) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                found.add(id(first.value))
    return found


def code_texts(source: str) -> Iterator[tuple[int, str]]:
    """(line, text) of every identifier and non-docstring string constant of ``source``."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            yield line, node.value
        elif isinstance(node, ast.Name):
            yield line, node.id
        elif isinstance(node, ast.Attribute):
            yield line, node.attr
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield line, node.name
        elif isinstance(node, ast.arg) or (isinstance(node, ast.keyword) and node.arg):
            yield line, str(node.arg)
        elif isinstance(node, ast.alias):
            yield line, node.name
            if node.asname:
                yield line, node.asname
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield line, node.module


def tenant_knowledge(source: str) -> list[str]:
    """``line: text`` of each text that names an example tenant, by the rule above."""
    found = []
    for line, text in code_texts(source):
        shaped = text in GITHUB_SHAPES or not GITHUB.search(text.replace(TOKEN_PREFIX, ""))
        if TENANT_WORDS.search(text) or not shaped:
            found.append(f"{line}: {text!r}")
    return found


@pytest.mark.parametrize(
    "module",
    sorted(PACKAGE.rglob("*.py")),
    ids=lambda p: p.relative_to(PACKAGE).as_posix(),
)
def test_harness_module_names_no_example_tenant(module: Path) -> None:
    """No identifier or non-docstring string of the module names GitHub's API, JSONPlaceholder,
    ntfy or api_clients."""
    assert tenant_knowledge(module.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "snippet",
    [
        'BASE = "https://api.github.com"',
        'HEADERS = ("X-GitHub-Api-Version-Selected",)',
        'env = os.environ["GITHUB_TOKEN"]',
        "from api_clients import github",
        'URL = "https://jsonplaceholder.typicode.com"',
        'TOPIC = f"{base}/ntfy"',
        'PATTERN = r"\\b(GitHubProfileError)\\b"',
    ],
)
def test_rule_catches_tenant_knowledge(snippet: str) -> None:
    """Hosts, headers, variables, packages and exception names of the tenants are caught."""
    assert tenant_knowledge(snippet) != []


@pytest.mark.parametrize(
    "snippet",
    [
        'FORMATS = ("text", "json", "github")',
        "def _render_github(report): ...",
        'TOKEN = re.compile(r"gh[pousr]_[A-Za-z0-9]{30}|github_pat_\\w{22}")',
        "from detect_secrets.plugins.github_token import GitHubTokenDetector",
        'def f():\n    """Example: GET https://api.github.com/users/{username}."""',
        "# GITHUB_API_URL=http://127.0.0.1:8000 in a comment",
    ],
)
def test_rule_allows_format_names_token_shapes_and_documentation(snippet: str) -> None:
    """The github output format, secret token shapes, docstrings and comments pass."""
    assert tenant_knowledge(snippet) == []
