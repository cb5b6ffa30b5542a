"""The pytest plugin (entry point ``pytest11``): thin glue between pytest-recording and the
contract checker. Heavy imports happen inside hooks, so installing it costs tests nothing.

What it does, per test that replays a cassette (``@pytest.mark.vcr``, record mode ``none``):

- every response the test played back is validated against its contract; a violation fails
  the test with the cassette file (an extra cassette's own file), line, interaction, request,
  JSON path, what the schema wanted, what the payload had, and the schema file; a test that
  fails by itself shows them below its own failure; contracts that cannot be loaded fail
  every replaying test with the one-line error the CLI prints;
- payloads returned by ``json()`` of ``requests``, ``httpx`` (sync and async) and ``aiohttp``
  responses are tracked, so the run can report which fields the code read against the fields
  the schemas pin (contract coverage); a contract whose responses the code parsed itself
  (``json.loads(r.text)``) is reported as "not tracked", never as a candidate to unpin;
- an interaction that matches no contract fails its test, or with ``strict = false`` is a
  warning in the summary;
- a request missing from the cassette fails with vcrpy's explanation plus how to record it.
- which recorded interactions each test played is saved per process (xdist worker), for
  ``cassette-contracts audit`` (unused interactions, orphan cassettes); the
  ``cassette_payload`` fixture hands a test the recorded payload of the request it replays.

While recording (any other record mode) it scrubs secrets before vcrpy writes anything and,
when an upstream's base URL is overridden (``GITHUB_API_URL=http://127.0.0.1:...``), stores the
real host in the cassette so replays match.

It also keeps vcrpy 9.4 cassette ``metadata`` (provenance) when pytest-recording loads a
cassette: pytest-recording 0.14's ``CombinedPersister`` fails on such cassettes with "too many
values to unpack".

Zero configuration: cassettes are checked wherever pytest-recording keeps them (by default
``cassettes/<test module>/`` beside the tests); without ``schemas/contracts.toml`` the plugin is
inert and says so in one summary line, importing nothing heavy. A run that replays nothing
loads nothing at its end, and the xdist controller validates nothing itself.

Settings, in one order: command line > ``[tool.cassette_contracts]`` in pyproject.toml >
built-in defaults; the plugin and the CLI read the same settings.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .cassettes.payloads import RecordedPayloads
    from .plugin_state import PluginState

_STATE = pytest.StashKey["PluginState"]()
_PROBLEMS = pytest.StashKey[str]()  # contract problems of a test that failed by itself


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cassette-contracts", "contract checks on replayed cassettes")
    group.addoption(
        "--contract-cassettes",
        metavar="DIR",
        default=None,
        help="cassette folder (default: [tool.cassette_contracts] cassettes, else 'cassettes')",
    )
    group.addoption(
        "--contract-schemas",
        metavar="DIR",
        default=None,
        help="schema folder with contracts.toml (default: [tool.cassette_contracts] schemas)",
    )
    group.addoption(
        "--no-contracts",
        action="store_true",
        default=False,
        help="do not validate replayed responses against their contracts",
    )
    group.addoption(
        "--no-contract-coverage",
        action="store_true",
        default=False,
        help="do not track which payload fields the code reads",
    )
    group.addoption(
        "--no-play-counts",
        action="store_true",
        default=False,
        help="do not record which cassette interactions the tests play "
        "(for `cassette-contracts audit`)",
    )


def pytest_configure(config: pytest.Config) -> None:
    from .plugin_state import PluginState

    config.addinivalue_line(
        "markers",
        "frozen_cassette: the cassette captures an event that cannot be re-recorded on demand "
        "(a rate limit, derived paging, a real notification); `cassette-contracts rerecord` "
        "and `drift` deselect the test and leave its cassette as committed.",
    )
    config.stash[_STATE] = PluginState.from_pytest(config)
    from .recording.promote import recover_interrupted  # a killed rerecord's promotion, first

    recover_interrupted(config.stash[_STATE].settings)


def _state(config: pytest.Config) -> PluginState:
    return config.stash[_STATE]


@pytest.fixture(scope="session")
def contract_cassettes_dir(pytestconfig: pytest.Config) -> Path:
    """The cassette folder, as configured (``--contract-cassettes`` > pyproject > default)."""
    return _state(pytestconfig).settings.cassettes


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    """Keep cassette metadata; follow ``--contract-cassettes``; while recording, scrub secrets
    and store real hosts. vcrpy skips its patchers of HTTP libraries that are not installed
    (``cassettes.patchers``)."""
    from .cassettes.patchers import skip_missing_patchers
    from .cassettes.persister import MetadataAwarePersister

    skip_missing_patchers(vcr)

    extra_paths = list(getattr(vcr.persister, "extra_paths", []))
    vcr.register_persister(MetadataAwarePersister(extra_paths))
    _state(config).redirect_cassettes(vcr)
    _state(config).configure_recording(vcr)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    """Run the test with payload tracking; then hold its replayed responses to their contracts.

    When the test fails by itself, the contract problems of what it replayed (often the
    reason) are kept for its report; when it passes, they fail it.
    """
    state = _state(item.config)
    cassette = getattr(item, "funcargs", {}).get("vcr")
    if cassette is None or not state.replaying(cassette):
        return (yield)
    with state.tracking(cassette):
        try:
            result = yield
        except (Exception, pytest.fail.Exception) as exc:
            state.explain_missing_request(exc)
            problems = state.check_played(cassette)
            if problems:
                item.stash[_PROBLEMS] = problems
            raise
    problems = state.check_played(cassette)
    if problems:
        pytest.fail(problems, pytrace=False)
    return result


@pytest.fixture
def cassette_payload(request: pytest.FixtureRequest) -> RecordedPayloads:
    """The recorded JSON payloads of the cassette this test replays.

    ``cassette_payload("GET", url)`` is the body of the response recorded for that request,
    ``cassette_payload(index=0)`` the first interaction's, ``cassette_payload()`` the only one's.
    Assert what the client returns against it (``stars == recorded["stargazers_count"]``) and
    the test keeps passing when a re-record brings new numbers. Ask after the code made its
    request: while recording, the interaction exists only from then on.
    """
    from .cassettes.payloads import RecordedPayloads

    return RecordedPayloads(request.getfixturevalue("vcr"))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Note which interactions of the test's cassette were played (`cassette-contracts audit`)."""
    cassette = getattr(item, "funcargs", {}).get("vcr")
    if cassette is not None:
        frozen = item.get_closest_marker("frozen_cassette") is not None
        _state(item.config).record_plays(cassette, frozen=frozen)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Show the contract problems of a test that failed by itself below its own failure."""
    report = yield
    from .errors import InputError

    if call.when == "setup" and call.excinfo and isinstance(call.excinfo.value, InputError):
        report.longrepr = str(call.excinfo.value)  # a refused cassette: the line `check` prints
    problems = item.stash.get(_PROBLEMS, None)
    if problems and call.when == "call" and report.failed:
        title = "cassette-contracts: contract problems of the replayed responses"
        if hasattr(report.longrepr, "addsection"):
            report.longrepr.addsection(title, problems)
        else:
            report.longrepr = f"{report.longrepr}\n\n{title}\n{problems}"
    return report


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Save this process's reads; the controller (or a serial run) judges the coverage."""
    state = _state(session.config)
    state.save_plays()
    if state.finish(session.config) and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: its counts go to the controller's summary
        workeroutput["cassette_contracts"] = state.worker_output()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist controller: add a finished worker's counts to the summary."""
    output = getattr(node, "workeroutput", {}).get("cassette_contracts")
    if output:
        _state(node.config).merge_worker(output)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    for line in _state(config).summary_lines():
        terminalreporter.write_line(line)
