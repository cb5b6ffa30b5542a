"""A small project for pytester: three real cassettes copied from this repository's
``cassettes/github`` (real recordings, provenance inside each file), and tests replaying them.

``user_repos_kohsuke.yaml`` holds four pages; the tests below play only some of them.
``user_yurinnick.yaml`` is loaded by no test: an orphan.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

# Imported in the outer process so pytester's in-process runs reuse them (see tests/plugin);
# the plugin imports the schema registry (jsonschema with its format checkers: seconds) in
# every run, so importing it once here saves that in each in-process run.
import vcr.serializers.yamlserializer  # noqa: F401
import yaml  # noqa: F401

import cassette_contracts.contracts.registry  # noqa: F401

from ..plugin.conftest import TEST_HEADER, replay_pyproject

ROOT = Path(__file__).resolve().parents[2]
CASSETTES = ("user_repos_kohsuke.yaml", "user_jacquev6.yaml", "user_yurinnick.yaml")

PAGE_1 = "https://api.github.com/users/kohsuke/repos?per_page=20"
PAGE = "https://api.github.com/user/50003/repos?per_page=20&page={}"


#: Four tests: two pages of kohsuke's repos (pages 1 and 3), jacquev6 twice.
TESTS = f"""
@pytest.mark.vcr
@pytest.mark.default_cassette("user_repos_kohsuke")
def test_first_page():
    assert requests.get("{PAGE_1}").status_code == 200


@pytest.mark.vcr
@pytest.mark.default_cassette("user_repos_kohsuke")
def test_third_page():
    assert requests.get("{PAGE.format(3)}").status_code == 200


@pytest.mark.vcr
@pytest.mark.default_cassette("user_jacquev6")
def test_user():
    assert requests.get("https://api.github.com/users/jacquev6").status_code == 200


@pytest.mark.vcr
@pytest.mark.default_cassette("user_jacquev6")
def test_user_again():
    assert requests.get("https://api.github.com/users/jacquev6").json()["login"] == "jacquev6"
"""

MakeProject = Callable[..., Path]


@pytest.fixture
def make_project(pytester: pytest.Pytester) -> MakeProject:
    """Write the project (``tests`` as the test module body, ``extra`` into the settings)."""

    def make(tests: str = TESTS, extra: str = "") -> Path:
        root = pytester.path
        (root / "pyproject.toml").write_text(replay_pyproject(extra))
        (root / "cassettes").mkdir(exist_ok=True)
        for name in CASSETTES:
            shutil.copyfile(ROOT / "cassettes" / "github" / name, root / "cassettes" / name)
        (root / "test_client.py").write_text(TEST_HEADER + textwrap.dedent(tests))
        return root

    return make
