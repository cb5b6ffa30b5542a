"""vcrpy skips the patchers of HTTP libraries that are not installed, and only those: a library
that becomes importable during the run is patched from the next cassette on."""

from __future__ import annotations

import http.client
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import vcr
from vcr.patch import PATCHER_NAMES

from cassette_contracts.cassettes import patchers

ABSENT = "cassette_contracts_test_absent_library"

# A stand-in for httplib2 with what vcrpy's httplib2 patcher replaces.
FAKE_HTTPLIB2 = """\
import http.client


class HTTPConnectionWithTimeout(http.client.HTTPConnection):
    pass


class HTTPSConnectionWithTimeout(http.client.HTTPSConnection):
    pass


SCHEME_TO_CONNECTION = {"http": HTTPConnectionWithTimeout, "https": HTTPSConnectionWithTimeout}
"""


@pytest.fixture(autouse=True)
def _fresh_lookup() -> Iterator[None]:
    patchers._last = None
    yield
    patchers._last = None


@pytest.fixture
def _forget_new_modules() -> Iterator[None]:
    """Modules imported by the test leave sys.modules after it (a stand-in httplib2 left
    there would be patched by every later cassette of the session, and vcrpy, which saved
    httplib2's originals only if it was importable when ``vcr.patch`` was imported, fails)."""
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        del sys.modules[name]


@pytest.fixture
def library_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder on sys.path, where a test can 'install' a package."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    return folder


def _groups(monkeypatch: pytest.MonkeyPatch, **packages: str) -> None:
    monkeypatch.setattr(patchers, "GROUP_PACKAGES", packages)


def test_group_of_a_library_that_is_not_installed_is_skipped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A group whose top-level package cannot be found is skipped; one that is installed not."""
    _groups(monkeypatch, tornado=ABSENT, aiohttp="json")
    assert patchers.missing_patcher_groups(PATCHER_NAMES) == ("tornado",)


def test_imported_module_counts_as_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A module a test put into sys.modules itself is left to vcrpy's import."""
    _groups(monkeypatch, tornado=ABSENT)
    monkeypatch.setitem(sys.modules, ABSENT, importlib.import_module("json"))
    assert patchers.missing_patcher_groups(PATCHER_NAMES) == ()


def test_groups_unknown_to_this_vcrpy_are_never_added(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only names vcrpy accepts in skip_patchers are returned."""
    _groups(monkeypatch, tornado=ABSENT)
    assert patchers.missing_patcher_groups(("httplib", "requests")) == ()


def test_library_installed_during_the_run_is_found(
    monkeypatch: pytest.MonkeyPatch, library_folder: Path
) -> None:
    """A package created in a sys.path folder after a lookup is found by the next one."""
    _groups(monkeypatch, tornado=ABSENT)
    assert patchers.missing_patcher_groups(PATCHER_NAMES) == ("tornado",)
    (library_folder / f"{ABSENT}.py").write_text("")
    assert patchers.missing_patcher_groups(PATCHER_NAMES) == ()


def test_sys_path_change_looks_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder added to sys.path that holds the library makes it found."""
    _groups(monkeypatch, tornado=ABSENT)
    (tmp_path / f"{ABSENT}.py").write_text("")
    assert patchers.missing_patcher_groups(PATCHER_NAMES) == ("tornado",)
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    assert patchers.missing_patcher_groups(PATCHER_NAMES) == ()


def test_project_skip_patchers_are_kept() -> None:
    """The groups are added to the VCR's own skip_patchers, which stay."""
    recorder = vcr.VCR(skip_patchers=("httpx",))
    patchers.skip_missing_patchers(recorder)
    assert recorder.skip_patchers[0] == "httpx"
    assert set(recorder.skip_patchers) >= set(patchers.missing_patcher_groups(PATCHER_NAMES))


def _a_cassette_that_skipped_httplib2(tmp_path: Path) -> str:
    """A cassette entered and left by a VCR that skipped httplib2's patchers (not installed)."""
    if importlib.util.find_spec("httplib2") is not None:
        pytest.skip("httplib2 is installed: it cannot appear during the run")
    cassette = str(tmp_path / "none.yaml")
    recorder = vcr.VCR(record_mode="none")
    patchers.skip_missing_patchers(recorder)
    assert "httplib2" in recorder.skip_patchers
    with recorder.use_cassette(cassette):
        pass
    return cassette


@pytest.mark.usefixtures("_forget_new_modules")
def test_library_installed_during_the_run_is_patched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, library_folder: Path
) -> None:
    """vcrpy patches httplib2 once it is importable, though an earlier cassette skipped it."""
    cassette = _a_cassette_that_skipped_httplib2(tmp_path)

    (library_folder / "httplib2.py").write_text(FAKE_HTTPLIB2)
    recorder = vcr.VCR(record_mode="none")
    patchers.skip_missing_patchers(recorder)
    assert "httplib2" not in recorder.skip_patchers
    httplib2 = importlib.import_module("httplib2")
    original = httplib2.HTTPConnectionWithTimeout
    with recorder.use_cassette(cassette):
        patched = httplib2.HTTPConnectionWithTimeout
    assert patched is not original
    assert issubclass(patched, original)
    assert issubclass(patched, http.client.HTTPConnection)
    assert httplib2.HTTPConnectionWithTimeout is original  # and unpatched after


@pytest.mark.usefixtures("_forget_new_modules")
def test_library_loaded_by_file_location_after_a_lookup_is_patched(tmp_path: Path) -> None:
    """httplib2 loaded from a vendored file under its own name (sys.modules, no sys.path
    change) after an earlier cassette skipped it is patched: no request escapes."""
    cassette = _a_cassette_that_skipped_httplib2(tmp_path)

    vendored = tmp_path / "vendor" / "httplib2.py"
    vendored.parent.mkdir()
    vendored.write_text(FAKE_HTTPLIB2)
    spec = importlib.util.spec_from_file_location("httplib2", vendored)
    assert spec is not None
    assert spec.loader is not None
    httplib2 = importlib.util.module_from_spec(spec)
    sys.modules["httplib2"] = httplib2
    spec.loader.exec_module(httplib2)

    recorder = vcr.VCR(record_mode="none")
    patchers.skip_missing_patchers(recorder)
    original = httplib2.HTTPConnectionWithTimeout
    with recorder.use_cassette(cassette):
        assert httplib2.HTTPConnectionWithTimeout is not original
