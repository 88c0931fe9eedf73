# One task runner for people and CI (.ci/run calls `make lint`). Every target uses the
# project's own venv (.venv, made by `make install` — the README's second command);
# `make lint VENV=/path/to/venv` uses another.
VENV ?= .venv
PY := $(VENV)/bin/python
SRC := ecosec tests scripts benchmarks
STORE ?= /tmp/ecosec-bench-store
ZIP ?= /tmp/ecosec-bench/BACI_HS17_V202601.zip

.PHONY: help install test test-fast lint format docs refdata sample fixtures bench-data bench ci

help:  ## list the targets
	@awk -F ':.*## ' '/^[a-z-]+:.*## /{printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

install:  ## venv with ecosec, the test tools and pyspark
	python3 -m venv $(VENV) && $(VENV)/bin/pip install -q -e '.[test,spark]'

test:  ## the whole suite (Spark and chromium tests included), as CI runs it
	$(VENV)/bin/pytest

test-fast:  ## the suite without the spark, browser and slow markers
	$(VENV)/bin/pytest -m 'not spark and not browser and not slow'

lint:  ## ruff, ruff format --check and mypy --strict, as CI runs them
	$(VENV)/bin/ruff check $(SRC)
	$(VENV)/bin/ruff format --check $(SRC)
	$(VENV)/bin/mypy

format:  ## apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix $(SRC)
	$(VENV)/bin/ruff format $(SRC)

docs:  ## regenerate docs/cli.md from every command's --help
	$(PY) scripts/build_cli_reference.py

refdata:  ## rebuild ecosec/refdata from ../shared/data (maintainers only)
	$(PY) scripts/build_refdata.py

sample:  ## rebuild the embedded sample from ../shared/data (maintainers only)
	$(PY) scripts/build_sample.py

fixtures:  ## rebuild tests/data from ../shared/data (maintainers only)
	$(PY) scripts/build_fixtures.py

bench-data:  ## a full-size synthetic BACI year (11M rows) ingested into STORE=/tmp/ecosec-bench-store
	$(PY) benchmarks/make_synthetic_baci.py --out $(dir $(ZIP))
	$(PY) -m ecosec ingest baci $(ZIP) --store $(STORE)

bench:  ## the dependency benchmark on STORE (after `make bench-data`)
	$(PY) benchmarks/bench_dependency.py --store $(STORE)

ci:  ## what CI runs, on this checkout
	bash .ci/run
