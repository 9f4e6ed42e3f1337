# `make` builds data/blog.db from raw/; `make test` runs the tests.
# Everything is installed into .venv from pyproject.toml: nothing by hand.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# ConvoKit, for the test that loads an exported corpus with ConvoKit's own loader: in
# a venv of its own, from pinned requirements without their dependencies (ConvoKit
# declares torch, spaCy and transformers, which loading a corpus never imports).
CONVOKIT_VENV := .venv-convokit
CONVOKIT_REQUIREMENTS := tests/convokit-requirements.txt
DB := data/blog.db
RAW := raw
RAW_FILES := $(shell find $(RAW) -type f ! -name '.*' 2>/dev/null)
# A folder's modification time moves when a file in it is deleted: so does make.
RAW_DIRS := $(shell find $(RAW) -type d 2>/dev/null)
PIPELINE_FILES := $(shell find pipeline -name "*.py" -o -name "*.html")

PORT ?= 8001
# axe-core, which the browser test injects to check accessibility: installed from npm, never committed.
AXE_DIR := build/axe
AXE := $(AXE_DIR)/node_modules/axe-core/axe.min.js

.PHONY: all test check serve bench browser axe screenshots clean
all: $(DB)

# A failed or interrupted load leaves the database as it was, file by file: never
# let make delete it.
.PRECIOUS: $(DB)

$(BIN)/pipeline: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,export,dask]'
	touch $@

$(DB): $(BIN)/pipeline schema.sql $(PIPELINE_FILES) $(RAW_FILES) $(RAW_DIRS)
	$(BIN)/pipeline load $(RAW) --db $@
	touch $@

$(CONVOKIT_VENV)/bin/python: $(CONVOKIT_REQUIREMENTS)
	$(PYTHON) -m venv $(CONVOKIT_VENV)
	$(CONVOKIT_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps \
		-r $(CONVOKIT_REQUIREMENTS)
	touch $@

test: $(BIN)/pipeline $(CONVOKIT_VENV)/bin/python $(AXE)
	CONVOKIT_PYTHON=$(CONVOKIT_VENV)/bin/python $(BIN)/python -m pytest

# Without npm, or offline, the browser test checks accessibility by hand only.
axe: $(AXE)
$(AXE):
	if command -v npm >/dev/null; then \
		npm install --silent --no-audit --no-fund --prefix $(AXE_DIR) axe-core@4 \
		|| echo "could not install axe-core from npm: the browser test checks accessibility by hand only"; \
	else echo "npm not found: the browser test checks accessibility by hand only"; fi

# Read-only, on this machine only, with a time limit on every query and no CORS.
serve: $(DB)
	$(BIN)/datasette serve $(DB) --metadata metadata.yml --host 127.0.0.1 --port $(PORT) \
		--setting sql_time_limit_ms 3000 --setting truncate_cells_html 400

# Speed and memory of loading, measured on a synthetic archive (20,000 files at 1x), then
# the reading pages' speed on 20,000 posts (see README).
bench: $(BIN)/pipeline
	$(BIN)/pipeline bench

# The headless browser the end-to-end test drives (Debian's packages; needs root).
browser:
	apt-get update -qq
	apt-get install -y -qq chromium chromium-driver

# Retake the README's screenshots with the end-to-end browser test.
screenshots: $(BIN)/pipeline $(AXE)
	REQUIRE_BROWSER=1 SCREENSHOTS_DIR=docs/screenshots $(BIN)/python -m pytest -q tests/test_browser.py

check: $(DB)
	$(BIN)/pipeline check --db $(DB)

clean:
	rm -rf $(VENV) $(CONVOKIT_VENV) data .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
