# The two commands a newcomer needs: `make demo` and `make test` (run as root).
# Both install what they need through scripts/setup.sh and reuse what is already there.
SHELL := /bin/bash
CACHE := $(or $(CENTRALINO_CACHE),/var/cache/centralino)
export CENTRALINO_CACHE := $(CACHE)
BIN = $(CACHE)/venv/bin
CONFIG ?= examples/modena.yaml

.PHONY: setup demo test lint unit stack bench clean

setup:
	@bash scripts/setup.sh >/dev/null

demo: setup
	$(BIN)/centralino demo $(CONFIG)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: setup
	$(BIN)/pytest -q tests/unit

test: lint
	bash scripts/test.sh $(BIN)

bench: setup
	$(BIN)/python bench/routing.py --agents 1000 --waiting 10000 --skills 50 && $(BIN)/python bench/day.py --agents 1000 --calls 500000

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
