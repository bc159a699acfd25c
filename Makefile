# Two entry points for a fresh machine: `make demo` and `make test`.
# Each creates .venv on first use and reinstalls only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR := var/demo

.PHONY: demo test quick lint typecheck pytest docs bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip "setuptools>=70.1"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p $(DEMO_DIR)
	cp examples/ugyfelek.xlsx $(DEMO_DIR)/ugyfelek.xlsx
	rm -f $(DEMO_DIR)/state.sqlite $(DEMO_DIR)/state.sqlite.*
	$(BIN)/sheetsync sync --config config/sheetsync.toml
	@echo
	@echo "Updated workbook: $(DEMO_DIR)/ugyfelek.xlsx (a copy; examples/ is never modified)."
	@echo "Run '$(BIN)/sheetsync sync' again: an unchanged sheet writes 0 cells."

lint: $(STAMP)
	$(BIN)/ruff check sheetsync tests examples benchmarks
	$(BIN)/ruff format --check sheetsync tests examples benchmarks
	$(BIN)/hadolint Dockerfile
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

test: lint typecheck pytest

# The fast loop while editing: no linters, no property or fault suites.
quick: $(STAMP)
	HYPOTHESIS_PROFILE=quick $(BIN)/pytest -m 'not slow'

# Regenerate the configuration reference from the settings model (a test checks it).
docs: $(STAMP)
	$(BIN)/python -m sheetsync.cli.docs > docs/configuration.md

# Side-by-side benchmarks on loopback servers (minutes; not part of `make test`).
# BENCH_ARGS="--quick" for a smoke run, "--latency 50" to change the injected latency.
bench: $(STAMP)
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
