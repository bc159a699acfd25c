# Two entry points for a fresh machine: `make demo` and `make test`.
# Each installs .venv from the lock (uv.lock) on first use, and again only when
# pyproject.toml or the lock changes; `make lock` updates the lock (README: Dependencies).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR := var/demo

# uv installs from the lock. Its version is pinned in one place, pyproject.toml's
# [tool.uv] required-version (uv refuses to run as another version); the Makefile
# installs that uv with the machine's pip into .tools/, outside the venv uv manages.
UV_VERSION := $(shell $(PYTHON) -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["tool"]["uv"]["required-version"].lstrip("="))')
UV_DIR := .tools/uv-$(UV_VERSION)
UV := $(UV_DIR)/bin/uv
# The venv uses $(PYTHON); uv never downloads a Python of its own.
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
# What the image installs: the locked runtime set with hashes (see the Dockerfile).
EXPORT := export --frozen --no-dev --no-emit-project --format requirements-txt

.PHONY: demo demo-report test quick lint typecheck pytest docs bench lock clean

$(UV):
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
	    --no-deps --only-binary=:all: --target $(UV_DIR) "uv==$(UV_VERSION)"

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --extra dev \
	    || { echo "If uv.lock is out of date: 'make lock' rewrites it and requirements.lock." >&2; exit 1; }
	touch $(STAMP)

# After editing pyproject.toml's dependencies; LOCK_ARGS=--upgrade takes the newest
# releases the ranges allow, LOCK_ARGS="--upgrade-package httpx" one package's.
lock: | $(UV)
	$(UV) lock $(LOCK_ARGS)
	$(UV) $(EXPORT) --quiet --output-file requirements.lock

demo: $(STAMP)
	mkdir -p $(DEMO_DIR)
	cp examples/ugyfelek.xlsx $(DEMO_DIR)/ugyfelek.xlsx
	rm -f $(DEMO_DIR)/state.sqlite $(DEMO_DIR)/state.sqlite.*
	$(BIN)/sheetsync sync --config config/sheetsync.toml
	$(BIN)/sheetsync setup --config config/sheetsync.toml
	@echo
	@echo "Updated workbook: $(DEMO_DIR)/ugyfelek.xlsx (a copy; examples/ is never modified),"
	@echo "with dropdowns, colours and guarded status columns (docs/setup.md)."
	@echo "Run '$(BIN)/sheetsync sync' again: an unchanged sheet writes 0 cells."
	@echo "'$(BIN)/sheetsync report --html $(DEMO_DIR)/pipeline.html' draws its pipeline."

# docs/pipeline-report.html: the pipeline report of eight replayed weeks (a test checks it).
demo-report: $(STAMP)
	$(BIN)/python examples/build_demo_report.py docs/pipeline-report.html

lint: $(STAMP)
	$(BIN)/ruff check sheetsync tests examples benchmarks
	$(BIN)/ruff format --check sheetsync tests examples benchmarks
	$(BIN)/hadolint Dockerfile
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

# UV: the lock tests run the pinned uv (tests/test_lock.py).
pytest: $(STAMP)
	UV=$(abspath $(UV)) $(BIN)/pytest

test: lint typecheck pytest

# The fast loop while editing: no linters, no property or fault suites.
quick: $(STAMP)
	HYPOTHESIS_PROFILE=quick UV=$(abspath $(UV)) $(BIN)/pytest -m 'not slow'

# Regenerate the configuration reference from the settings model (a test checks it).
docs: $(STAMP)
	$(BIN)/python -m sheetsync.cli.docs > docs/configuration.md

# Side-by-side benchmarks on loopback servers (minutes; not part of `make test`).
# BENCH_ARGS="--quick" for a smoke run, "--latency 50" to change the injected latency.
bench: $(STAMP)
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .tools var .pytest_cache .mypy_cache .ruff_cache
