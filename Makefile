# Marque: build, run and test.
#
#   make run        set up (venv, bun, database) and serve in production mode on
#                   $MARQUE_PORT (default 3000): page and backend on one port
#   make lint       ruff check, ruff format --check, mypy, import-linter, hadolint (CI runs it first)
#   make test       unit + db + api layers, then the e2e layer (own pytest run)
#   make test-pg    the db layer against PostgreSQL ($MARQUE_TEST_DATABASE_URL)
#   make setup      migrate the database and load the demo catalog
#   make clean      remove the compiled frontends (.web, .tools/e2e-web); .venv and bun stay
#
# Set-up is incremental: the venv is (re)installed only when requirements.txt
# changed since the last install (sha256 stamp in .venv), bun is installed from
# npm into .tools/ only when no bun is found.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.ONESHELL:
.SUFFIXES:
MAKEFLAGS += --no-print-directory

# Interpreter used to create the venv (Python 3.11).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
REQ_STAMP := $(VENV)/.requirements.sha256

# bun comes from the npm registry (Reflex's own bun download is not used).
BUN_VERSION ?= 1.4.5
# Reflex 0.10.1 needs bun >= 1.4.4 (older bun cannot read its v2 bun.lock).
BUN_MIN_VERSION := 1.4.4
TOOLS := .tools
BUN_PREFIX := $(TOOLS)/bun

# Port for `make run`: environment, else .env, else 3000.
ifndef MARQUE_PORT
MARQUE_PORT := $(or $(shell sed -n 's/^[[:space:]]*MARQUE_PORT[[:space:]]*=[[:space:]]*["'\'']\{0,1\}\([0-9][0-9]*\).*/\1/p' .env 2>/dev/null | tail -n 1),3000)
endif

# Test layers. `make test` runs $(TEST_LAYERS) in one pytest run (tests/db on
# SQLite), then tests/db again on PostgreSQL when MARQUE_TEST_DATABASE_URL is
# set, then tests/e2e in its own run (Redis state manager when REFLEX_REDIS_URL
# is set). Extra pytest arguments: make test PYTEST_ARGS="-k cart -x".
TEST_LAYERS ?= tests/unit tests/db tests/api
E2E_LAYER ?= tests/e2e
PYTEST_ARGS ?=
PYTEST_TIMEOUT ?= 300
E2E_TIMEOUT ?= 900
MARQUE_TEST_DATABASE_URL ?=
REFLEX_REDIS_URL ?=

.PHONY: help venv bun check-port setup run lint test test-fast test-pg test-e2e clean

help:
	@sed -n 's/^#   //p' Makefile

# --- set-up -------------------------------------------------------------------

venv:
	@want="$$(sha256sum requirements.txt | cut -d' ' -f1)"
	if [ ! -x "$(PY)" ]; then
		echo "==> creating $(VENV) with $(PYTHON)"
		"$(PYTHON)" -m venv "$(VENV)"
	fi
	if [ "$$(cat "$(REQ_STAMP)" 2>/dev/null)" = "$$want" ]; then
		echo "==> $(VENV) up to date (requirements.txt unchanged)"
	else
		echo "==> installing requirements.txt into $(VENV)"
		rm -f "$(REQ_STAMP)"
		"$(PY)" -m pip install --disable-pip-version-check -q -r requirements.txt 2>&1 \
			| sed "/^WARNING: Location 'file:.* is ignored/d"
		echo "$$want" > "$(REQ_STAMP)"
	fi

# Installs bun only when $(FIND_BUN) finds none; recipes that need it run $(FIND_BUN) again.
bun:
	@$(FIND_BUN)
	if [ -n "$$bun" ]; then
		echo "==> bun $$("$$bun" --version) at $$bun"
	else
		echo "==> installing bun@$(BUN_VERSION) from npm into $(BUN_PREFIX)"
		npm install --prefix "$(BUN_PREFIX)" --no-save --no-audit --no-fund \
			--loglevel=error "bun@$(BUN_VERSION)" >/dev/null
		$(FIND_BUN)
		if [ -z "$$bun" ]; then
			echo "error: bun@$(BUN_VERSION) was installed but no bun binary was found in $(BUN_PREFIX)" >&2
			exit 1
		fi
		echo "==> bun $$("$$bun" --version) at $$bun"
	fi

# Shell snippet: sets $bun to the bun to use and exports REFLEX_BUN_PATH.
# Order: REFLEX_BUN_PATH, the project-local .tools bun, `bun` on PATH; the
# first one that runs and is at least $(BUN_MIN_VERSION) wins.
# (npm's bun package moves the binary to bun/bin/bun.exe in its postinstall
# script; without the script it stays in @oven/bun-linux-x64/bin/bun.)
define FIND_BUN
bun=""
for c in "$${REFLEX_BUN_PATH:-}" \
		"$(CURDIR)/$(BUN_PREFIX)/node_modules/bun/bin/bun.exe" \
		"$(CURDIR)/$(BUN_PREFIX)/node_modules/@oven/bun-linux-x64/bin/bun" \
		"$(CURDIR)/$(BUN_PREFIX)/node_modules/@oven/bun-linux-x64-baseline/bin/bun" \
		"$(CURDIR)/$(BUN_PREFIX)/node_modules/@oven/bun-linux-aarch64/bin/bun" \
		"$(CURDIR)/$(BUN_PREFIX)/node_modules/@oven/bun-darwin-aarch64/bin/bun" \
		"$(CURDIR)/$(BUN_PREFIX)/node_modules/@oven/bun-darwin-x64/bin/bun" \
		"$$(command -v bun || true)"; do
	[ -n "$$c" ] && [ -x "$$c" ] || continue
	v="$$("$$c" --version 2>/dev/null)" || continue
	if [ "$$(printf '%s\n' "$(BUN_MIN_VERSION)" "$$v" | sort -V | head -n 1)" = "$(BUN_MIN_VERSION)" ]; then
		bun="$$c"; break
	fi
done
if [ -n "$$bun" ]; then export REFLEX_BUN_PATH="$$bun"; fi
endef

# Binding 0.0.0.0 (what Reflex binds) fails when anything listens on the port.
check-port:
	@"$(PYTHON)" -c 'import socket, sys
	port = int(sys.argv[1]); s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	try: s.bind(("0.0.0.0", port))
	except OSError: sys.exit(f"error: port {port} is already in use (MARQUE_PORT); stop the other server or set MARQUE_PORT={port + 1}")' "$(MARQUE_PORT)"

# .env (when present) is loaded for setup and run; variables already set win.
WITH_DOTENV = $(if $(wildcard .env),"$(VENV)/bin/dotenv" -f .env run --no-override --)

setup: venv
	@echo "==> $(PY) -m marque_app.cli setup"
	$(WITH_DOTENV) "$(PY)" -m marque_app.cli setup

# --- run ----------------------------------------------------------------------

# `reflex run --env prod` compiles the app, builds the frontend (bun run export)
# and serves the static build and the backend (/ping, /_event, /api) on one
# port. It is exec'ed so Ctrl-C / SIGTERM reach Reflex directly.
run: check-port venv bun setup
	@$(FIND_BUN)
	export MARQUE_PORT="$(MARQUE_PORT)"
	echo "==> serving http://localhost:$(MARQUE_PORT)/ (production build; Ctrl-C stops)"
	exec $(WITH_DOTENV) "$(VENV)/bin/reflex" run --env prod \
		--frontend-port "$(MARQUE_PORT)" --backend-port "$(MARQUE_PORT)"

# --- lint ---------------------------------------------------------------------

# Every check runs even when an earlier one failed; make fails if any found something.
# Settings: pyproject.toml ([tool.ruff], [tool.mypy], [tool.importlinter]); hadolint checks
# deploy/Dockerfile (docker itself does not run here; tests/unit/test_deploy.py checks the rest).
lint: $(if $(NO_SETUP),,venv)
	@failed=""
	echo "==> ruff check"; "$(VENV)/bin/ruff" check . || failed="$$failed ruff-check"
	echo "==> ruff format --check"; "$(VENV)/bin/ruff" format --check . || failed="$$failed ruff-format"
	echo "==> mypy"; "$(VENV)/bin/mypy" || failed="$$failed mypy"
	echo "==> lint-imports"; "$(VENV)/bin/lint-imports" --no-cache || failed="$$failed import-linter"
	echo "==> hadolint deploy/Dockerfile"; "$(VENV)/bin/hadolint" deploy/Dockerfile || failed="$$failed hadolint"
	if [ -n "$$failed" ]; then
		echo "==> make lint FAILED:$$failed" >&2
		exit 1
	fi
	echo "==> make lint passed"

# --- tests --------------------------------------------------------------------

# Shell function: run_pytest <label> <pytest args...>. Exit code 5 (no tests
# collected) fails in CI (CI=true) and only warns locally.
define RUN_PYTEST
run_pytest() {
	local label="$$1"; shift
	local start=$$SECONDS rc=0
	echo "==> [$$label] pytest $$*"
	"$(PY)" -m pytest "$$@" || rc=$$?
	echo "==> [$$label] exit $$rc in $$((SECONDS - start))s"
	if [ "$$rc" -eq 5 ] && [ "$${CI:-}" != "true" ]; then
		echo "warning: [$$label] no tests collected (this fails when CI=true)" >&2
		return 0
	fi
	return "$$rc"
}
endef

# Sub-makes of `make test` skip the set-up already done (NO_SETUP=1).
SETUP = $(if $(NO_SETUP),,venv bun)

# Existing layer directories only (git does not keep empty folders).
layers = $(strip $(foreach d,$(1),$(if $(wildcard $(d)/.),$(d))))

# Every layer runs even when an earlier one failed; make fails if any failed.
test: venv bun
	@start=$$SECONDS failed=""
	$(MAKE) test-fast NO_SETUP=1 || failed="$$failed unit/db/api"
	if [ -n "$(MARQUE_TEST_DATABASE_URL)" ]; then
		$(MAKE) test-pg NO_SETUP=1 || failed="$$failed db/api-postgresql"
	fi
	$(MAKE) test-e2e NO_SETUP=1 || failed="$$failed e2e"
	if [ -n "$$failed" ]; then
		echo "==> make test FAILED in $$((SECONDS - start))s:$$failed" >&2
		exit 1
	fi
	echo "==> make test passed in $$((SECONDS - start))s"

# unit + db + api, db on SQLite: the PostgreSQL URL and Redis are not passed on.
test-fast: $(SETUP)
	@$(RUN_PYTEST)
	layers="$(call layers,$(TEST_LAYERS))"
	if [ -z "$$layers" ]; then
		echo "==> [unit/db/api] no test directories among: $(TEST_LAYERS)"
		[ "$${CI:-}" != "true" ] || { echo "error: no tests to run in CI" >&2; exit 5; }
		exit 0
	fi
	unset MARQUE_TEST_DATABASE_URL REFLEX_REDIS_URL
	run_pytest unit/db/api -o timeout=$(PYTEST_TIMEOUT) $$layers $(PYTEST_ARGS)

# tests/db and tests/api against PostgreSQL, e.g.
#  make test-pg MARQUE_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test
test-pg: $(SETUP)
	@$(RUN_PYTEST)
	if [ -z "$(MARQUE_TEST_DATABASE_URL)" ]; then
		echo "error: set MARQUE_TEST_DATABASE_URL=postgresql+psycopg://user@host:5432/db" >&2
		exit 2
	fi
	export MARQUE_TEST_DATABASE_URL="$(MARQUE_TEST_DATABASE_URL)"
	unset REFLEX_REDIS_URL
	run_pytest db-api-postgresql -o timeout=$(PYTEST_TIMEOUT) tests/db tests/api $(PYTEST_ARGS)

# The compiled app in prod mode driven by Chromium (see tests/e2e/conftest.py).
test-e2e: $(SETUP)
	@$(RUN_PYTEST)
	$(FIND_BUN)
	unset MARQUE_TEST_DATABASE_URL
	if [ -n "$(REFLEX_REDIS_URL)" ]; then
		export REFLEX_REDIS_URL="$(REFLEX_REDIS_URL)"
		label="e2e (redis state manager)"
	else
		unset REFLEX_REDIS_URL
		label="e2e"
	fi
	run_pytest "$$label" -o timeout=$(E2E_TIMEOUT) $(E2E_LAYER) $(PYTEST_ARGS)

clean:
	rm -rf .web $(TOOLS)/e2e-web
