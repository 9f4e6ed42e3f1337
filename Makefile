# `make` builds data/blog.db from raw/; `make test` runs the tests.
# Everything is installed into .venv from pyproject.toml: nothing by hand.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB := data/blog.db
RAW := raw
RAW_FILES := $(shell find $(RAW) -type f ! -name '.*' 2>/dev/null)

.PHONY: all test check clean
all: $(DB)

# A failed or interrupted load leaves the database as it was, file by file: never
# let make delete it.
.PRECIOUS: $(DB)

$(BIN)/pipeline: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

$(DB): $(BIN)/pipeline schema.sql $(wildcard pipeline/*.py) $(RAW_FILES)
	$(BIN)/pipeline load $(RAW) --db $@
	touch $@

test: $(BIN)/pipeline
	$(BIN)/python -m pytest

check: $(DB)
	$(BIN)/pipeline check --db $(DB)

clean:
	rm -rf $(VENV) data .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
