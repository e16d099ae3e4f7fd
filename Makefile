# Two commands set everything up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The CPU build of torch lies in a local wheel folder on these machines; uv ignores pip's config.
FIND_LINKS := $(shell test -d /opt/wheels && echo --find-links /opt/wheels)
STAMP := $(VENV)/.synced

.PHONY: run test test-fast sweep ui ui-stop lock gpu-lock gpu-config-check venv clean-venv system-deps serve

# OS packages the tests and servers need (PostgreSQL for the ledger and MLflow, bubblewrap for the grading
# sandbox and util-linux for its setpriv, Chromium for the UI tests). Installs only what is missing; needs root or sudo.
SYSTEM_PKGS := postgresql bubblewrap util-linux chromium
system-deps:
	@missing=$$(for p in $(SYSTEM_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing OS packages: $$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/pip install --quiet "uv==0.13.9"
	$(BIN)/uv pip sync requirements.lock --python $(BIN)/python $(FIND_LINKS)
	$(BIN)/uv pip install --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" dvc repro

test: $(STAMP) system-deps
	PATH="$(CURDIR)/$(BIN):$$PATH" python -m pytest

test-fast: $(STAMP) system-deps
	PATH="$(CURDIR)/$(BIN):$$PATH" python -m pytest -m "not slow"

# The packaged service (DVC stage `package`, built after a passing gate) on 127.0.0.1:8800: OpenAI-compatible
# /v1/chat/completions (docs/serving.md). The ledger stays in the project (.xrouter/ledger.db), not in the bento.
SERVE_HOST ?= 127.0.0.1
SERVE_PORT ?= 8800
serve: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" dvc repro package
	PATH="$(CURDIR)/$(BIN):$$PATH" BENTOML_DO_NOT_TRACK=true XROUTER_LEDGER_URL="sqlite:///$(CURDIR)/.xrouter/ledger.db" \
		bentoml serve "$$(PATH="$(CURDIR)/$(BIN):$$PATH" python -m xrouter.serve.bento tag models/bento)" \
		--host $(SERVE_HOST) --port $(SERVE_PORT)

# One router per λ of params.yaml `sweep`, in parallel on Ray, logged to MLflow; needs `make run` first (data).
sweep: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" python -m flows.sweep

# The operations stack on 127.0.0.1 (xrouter/ops/stack.py): PostgreSQL :$(PG_PORT), the MLflow tracking server
# :$(MLFLOW_PORT) on it, the Prefect server :$(PREFECT_PORT) with a worker, the flows deployed (prefect.yaml).
# State and logs in .xrouter/. `make run` does not need it (embedded defaults: SQLite MLflow, ephemeral Prefect).
PREFECT_PORT ?= 4200
MLFLOW_PORT ?= 5000
PG_PORT ?= 5433
ui: $(STAMP) system-deps
	PATH="$(CURDIR)/$(BIN):$$PATH" python -m xrouter.ops.stack up --prefect-port $(PREFECT_PORT) \
		--mlflow-port $(MLFLOW_PORT) --pg-port $(PG_PORT)

ui-stop:
	PATH="$(CURDIR)/$(BIN):$$PATH" python -m xrouter.ops.stack down

# Re-resolve the lock after changing pyproject.toml (needs uv; never run by `make run`/`make test`).
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 $(FIND_LINKS) \
		--excludes lock-excludes.txt -o requirements.lock

clean-venv:
	rm -rf $(VENV)

# The GPU environment's own lock (vLLM + verl): resolution only, never installed on CPU machines.
gpu-lock: $(STAMP)
	$(BIN)/uv pip compile infra/gpu/requirements.in --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 --prerelease disallow -o infra/gpu/requirements.lock

# Compose infra/verl/config/dapo_xrouter.yaml with the GPU lock's verl + Hydra (no torch/vLLM) in a throwaway
# venv, and count the router prompt's tokens against data.max_prompt_length (infra/gpu/config_check.py).
gpu-config-check: $(STAMP)
	PATH=$(abspath $(BIN)):$$PATH $(BIN)/python infra/gpu/config_check.py --json reports/gpu_config_check.json
