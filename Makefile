# Sportello — the two commands are `make dev` and `make test`; everything else is a step of those.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP_PY := $(VENV)/.installed
STAMP_WEB := web/node_modules/.installed
STAMP_CDK := node_modules/.installed
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help dev test lint format unit integration infra-tests artefacts web-tests e2e web synth deploy destroy layer chromium install clean openapi

help:
	@echo "make dev     run the whole help desk locally (http://127.0.0.1:8000, SMTP on 2525)"
	@echo "make test    lint and run every test, browser tests included"
	@echo "make deploy  deploy to the AWS account in your environment (cdk deploy)"
	@echo "make mutate  mutation testing of the rule-bearing modules (slow; not part of make test)"
	@echo "make destroy delete the stack, keeping its data (PURGE=1: the data too, after a confirmation)"
	@echo "steps: install lint unit integration infra-tests artefacts web-tests e2e web synth layer"

# --- installation (quick when already done) ---------------------------------------------------------
$(STAMP_PY): pyproject.toml
	@echo "==> Python environment ($(VENV))"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -qq --upgrade pip
	@echo "    installing the project and its development tools (pip, a minute or two the first time)"
	@$(PY) -m pip install -qq --progress-bar off -e '.[dev]'
	@touch $@
	@echo "    Python dependencies installed"

$(STAMP_WEB): web/package.json web/package-lock.json
	@echo "==> agent app dependencies (npm ci in web/)"
	@cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(STAMP_CDK): package.json package-lock.json
	@echo "==> CDK CLI (npm ci)"
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(STAMP_PY) $(STAMP_WEB)

chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  echo "==> installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; \
	fi

web: $(STAMP_WEB)
	@echo "==> building the agent app (web/dist)"
	@cd web && npm run --silent build

# --- the two commands ---------------------------------------------------------------------------------
dev: install web
	@$(PY) -m infra.local

test: install chromium
	@$(MAKE) --no-print-directory lint web-tests web unit integration infra-tests artefacts e2e
	@echo "==> all checks and tests passed"

# --- steps --------------------------------------------------------------------------------------------
lint: $(STAMP_PY)
	@echo "==> ruff, mypy and the import layering (import-linter)"
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy layers/core/sportello functions infra
	@set -o pipefail; $(VENV)/bin/lint-imports --no-cache | tail -n 8

format: $(STAMP_PY)
	@$(VENV)/bin/ruff format .
	@$(VENV)/bin/ruff check --fix .

unit: $(STAMP_PY)
	@echo "==> unit tests"
	@$(VENV)/bin/pytest -q tests/unit

integration: $(STAMP_PY)
	@echo "==> integration tests (handlers under moto)"
	@$(VENV)/bin/pytest -q -n 2 tests/integration

infra-tests: $(STAMP_PY)
	@echo "==> infrastructure tests (CDK template)"
	@$(VENV)/bin/pytest -q tests/infra

artefacts: $(STAMP_PY)
	@echo "==> shipped artefacts (the stack's function assets and layers in a clean Lambda-runtime Python)"
	@$(VENV)/bin/pytest -q tests/artefacts

web-tests: $(STAMP_WEB)
	@echo "==> agent app type check and unit tests"
	@cd web && npm run --silent typecheck && npm test --silent

e2e: $(STAMP_PY) chromium
	@echo "==> browser tests (Playwright on Debian's chromium, against the local cloud)"
	@$(VENV)/bin/pytest -q tests/e2e

openapi: $(STAMP_PY)
	@REPLY_TOKEN_SECRET=unused PYTHONPATH=functions $(PY) functions/agent_api/handler.py > docs/openapi.json
	@echo "    docs/openapi.json written"

layer: $(STAMP_PY)
	@$(PY) -m infra.constructs.bundling

synth: $(STAMP_PY) $(STAMP_CDK)
	@echo "==> cdk synth"
	@npx cdk synth --quiet
	@echo "    template written to cdk.out/"

deploy: install web $(STAMP_CDK)
	@echo "==> cdk deploy (account and region from your AWS environment)"
	@npx cdk deploy --require-approval broadening --outputs-file cdk.out/outputs.json
	@$(PY) -m infra.next_steps cdk.out/outputs.json

destroy: $(STAMP_PY) $(STAMP_CDK)
	@echo "==> cdk destroy: the table, data bucket, user pool and secrets are kept unless PURGE=1 (infra/destroy.py)"
	@$(PY) -m infra.destroy $(if $(PURGE),--purge)

clean:
	rm -rf cdk.out build web/dist .pytest_cache .mypy_cache .ruff_cache

# --- operations ---------------------------------------------------------------------------------------
.PHONY: replay
replay: $(STAMP_PY)
	@echo "==> replaying dead-lettered messages (QUEUE=inbound|outbound|ticket-events; AWS from your environment, see infra/replay.py)"
	@$(PY) -m infra.replay $(or $(QUEUE),inbound)

# --- benchmarks (run by hand; never part of `make test`) -----------------------------------------------
.PHONY: mutate
mutate: $(STAMP_PY)
	@echo "==> mutation testing of the rule-bearing modules (mutmut over tests/unit; see bench/mutation.md)"
	@$(PY) -m bench.mutate

.PHONY: bench
bench: $(STAMP_PY)
	@echo "==> cold start of the shipped functions (ratio to import boto3, goal <= 1.5x)"
	@$(PY) -m bench.coldstart
	@echo "==> AWS calls per operation (through the handlers, under moto)"
	@$(PY) -m bench.calls
	@echo "==> routing: transitions, invocations and calls per routed ticket; time to assignment (make web first)"
	@$(PY) -m bench.routing
	@echo "==> automations: items a sweep reads as the desk grows (fixed 50 due)"
	@$(PY) -m bench.automations
	@echo "==> SLA sweep: items a sweep reads with 1k, 10k and 100k tickets (fixed 50 due), alerts per breach"
	@$(PY) -m bench.sla
	@echo "==> the monthly AWS bill from the measured calls (default and idle workloads)"
	@$(PY) -m bench.cost
	@echo "==> email ingestion benchmark, N=200 then N=1000 (in-process moto: see bench/README.md)"
	@$(PY) -m bench.ingest --n 200
	@$(PY) -m bench.ingest --n 1000
	@$(PY) -m bench.summary bench/results/ingest-200.json bench/results/ingest-1000.json
