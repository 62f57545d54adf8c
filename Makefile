# Two entry points: `make run` and `make test`. Everything else is set up on demand.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
SITE ?= examples/site.toml

.PHONY: run test lint typecheck pytest setup clean

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/system-deps.sh
	PYTHON=$(PYTHON) ./scripts/system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/tracker db upgrade
	$(BIN)/tracker site load $(SITE)
	$(BIN)/tracker serve --simulate --site $(SITE)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy tracker drivers

# One worker per core; a test module stays on one worker (its servers and fixtures).
TEST_WORKERS ?= auto

pytest: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
