# Every target builds or refreshes .venv from pyproject.toml by itself.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
ARGS   ?=
# The package and what its tests need (extra `test`) for every target; `make lint` adds ruff,
# mypy and the type stubs (extra `dev`). `make test` installs no linter.
STAMP     := $(VENV)/.installed-test
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: venv test lint contracts scan bench rerecord drift cassettes clean

# Compiled modules are kept in the venv, for every target, rather than in __pycache__ folders
# of the source tree. The suite starts hundreds of Python processes (CLI calls, pytester runs,
# the recording runs of rerecord); where PYTHONDONTWRITEBYTECODE is set (CI images often set
# it) and the package is installed editable, each one would compile cassette_contracts from
# source and pytest would rewrite the plugin's asserts again: about a quarter of the suite's
# CPU time. Python then reads compiled modules only from there, so pip compiles nothing at
# install (--no-compile): its copies in site-packages would never be read.
PYCACHE := $(abspath $(VENV))/pycache
export PYTHONPYCACHEPREFIX := $(PYCACHE)
export PYTHONDONTWRITEBYTECODE :=

venv: $(STAMP)

# The installer: uv resolves and installs the ~57 packages of `.[test]`, and pip for you, in
# about 2 s where pip takes 13-19 s on a 2-core machine (it fetches the index pages one after
# another); the venv is made without pip (ensurepip alone takes 2-4 s). uv comes from PyPI like
# every other dependency: the one on PATH if there is one, else this Python's pip installs it
# into the venv. pip stays the installer wherever uv cannot do the job (no uv wheel for the
# platform, no pip >= 22.3 to fetch it, no way to the index: uv reads no pip.conf, its setting
# is UV_DEFAULT_INDEX), and `make INSTALLER=pip ...` skips uv altogether. Nothing is compiled
# at install either way (see above).
INSTALLER ?= uv
UV_SPEC   := uv>=0.9,<1
# An index that takes the connection but never answers: uv gives up after 15 s without data
# (its default, 30 s and three retries, held the fallback back two minutes).
export UV_HTTP_TIMEOUT ?= 15
UV        ?= $(shell command -v uv 2>/dev/null)
PIP       := $(BIN)/python -m pip install --quiet --disable-pip-version-check
PIP_HERE  := { $(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip --default-pip >/dev/null; }
ifeq ($(INSTALLER),pip)
new_venv = $(PYTHON) -m venv $(VENV)
install  = $(PIP_HERE) && $(PIP) --no-compile -e '.[$(1)]'
else
new_venv = $(PYTHON) -m venv --without-pip $(VENV)
get_uv   = $(if $(UV),true,$(PYTHON) -m pip --python $(BIN)/python install --quiet \
	     --disable-pip-version-check '$(UV_SPEC)')
# $(call install,EXTRA): the package, editable, with the extra's dependencies.
install  = { $(get_uv) && $(or $(UV),$(BIN)/uv) pip install --quiet --python $(BIN)/python \
	       pip -e '.[$(1)]'; } \
	   || { echo "uv could not install; pip installs instead" >&2; \
	        $(PIP_HERE) && $(PIP) --no-compile -e '.[$(1)]'; }
endif

# Reinstall only when pyproject.toml changed since the last install.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(new_venv)
	$(call install,test)
	touch $(STAMP)

$(DEV_STAMP): pyproject.toml
	test -x $(BIN)/python || $(new_venv)
	$(call install,dev)
	touch $(STAMP) $(DEV_STAMP)

# The whole suite offline (record mode none, network blocked), on every core (pytest-xdist;
# worksteal: a core that runs out of tests takes queued ones from the other instead of idling
# while it works through a row of slow recording tests), then the secret scan. The compiled
# copies of the test projects pytester writes under the temp folder are dropped first (each is
# used once; kept, they would pile up run after run).
test: $(STAMP)
	rm -rf "$(PYCACHE)$$($(BIN)/python -c 'import tempfile; print(tempfile.gettempdir())')"/pytest-of-*
	$(BIN)/pytest -n auto --dist worksteal $(ARGS)
	$(BIN)/cassette-contracts scan

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests tools
	$(BIN)/ruff format --check src tests tools
	$(BIN)/mypy

# The main job: every committed interaction against its contract.
contracts: $(STAMP)
	$(BIN)/cassette-contracts check $(ARGS)

scan: $(STAMP)
	$(BIN)/cassette-contracts scan $(ARGS)

# Issue 13's figures in one run (replay-suite ratios, first test, CLI start, check throughput
# and peak memory; ARGS=--quick for fewer rounds, ARGS='--against REV' for a before/after),
# then the cost of contract-coverage tracking, init over 2,000 cassettes, and check on each
# malformed input (targets: 5 s, 200 MB). tools/bench.py: in-process check throughput.
bench: $(STAMP)
	$(BIN)/python tools/bench_suite.py $(ARGS)
	$(BIN)/python tools/bench_coverage.py
	$(BIN)/python tools/bench_init.py
	$(BIN)/python tools/bench_hostile.py

# Re-record from the live APIs into .staging/, check, then promote (see README).
rerecord: $(STAMP)
	$(BIN)/cassette-contracts rerecord $(ARGS)

# Record fresh into .staging/ (never promoted) and report what changed upstream.
drift: $(STAMP)
	$(BIN)/cassette-contracts drift $(ARGS)

# Maintainers: rebuild the committed cassettes from tests/data/realdata (needs json-server).
cassettes: $(STAMP)
	$(BIN)/python tools/build_cassettes.py $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .cassette-contracts .staging
