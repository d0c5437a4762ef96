# Two commands: `make run` (synthetic data -> marts -> docs) and `make test` (every check).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export IMAGING_RAW_DIR ?= data/raw
export IMAGING_DB_PATH ?= data/imaging_atlas.duckdb
export DBT_PROFILES_DIR ?= .
export DBT_SEND_ANONYMOUS_USAGE_STATS ?= false

# Synthetic data written when IMAGING_RAW_DIR holds no Parquet file.
SCALE ?= 0.01
YEARS ?= 2006-2024
SEED ?= 42

.PHONY: run test setup generate build docs explore lint lock clean bench calibration chromium publish test-spark java from-spark known-target

run: setup generate build docs explore
	@echo
	@echo "Marts (one table per indicator): $(IMAGING_DB_PATH), schema main"
	@echo "Rejected input rows: tables rejects_population and rejects_claims"
	@echo "Docs: target/static_index.html (one file, open it in a browser) or: $(BIN)/dbt docs serve"
	@echo "Atlas explorer (maps, offline): target/atlas/index.html"

test: setup lint chromium
	$(BIN)/pytest

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

generate: setup
	@if [ -n "$$(find '$(IMAGING_RAW_DIR)' -name '*.parquet' -print -quit 2>/dev/null)" ]; then \
		echo "Using the extract in $(IMAGING_RAW_DIR)"; \
	else \
		$(BIN)/imaging-atlas generate --out '$(IMAGING_RAW_DIR)' --scale $(SCALE) --years $(YEARS) --seed $(SEED); \
	fi

# The extract is checked against the raw contract first: a bad file stops the run before any model.
# Every model and data test; not the unit tests, which check the SQL on fixed rows and whatever the
# extract, so `make test` runs them (dbt's advice: unit tests in development and CI, not in production).
# The yearly models are built for the years of the extract (event-times), one batch per year.
build: setup
	$(BIN)/imaging-atlas validate --raw-dir '$(IMAGING_RAW_DIR)'
	mkdir -p "$$(dirname '$(IMAGING_DB_PATH)')" data/duckdb_tmp
	$(BIN)/dbt build --exclude-resource-type unit_test \
		$$($(BIN)/imaging-atlas event-times --raw-dir '$(IMAGING_RAW_DIR)')

# After `dbt build --target spark`, TARGET=spark: publish and explore first build the DuckDB-only layer
# (models/python) from the Spark warehouse's files into IMAGING_SPARK_DB_PATH (from-spark, docs/spark.md),
# then read that file; `make publish explore TARGET=spark` builds the layer once for both.
TARGET ?= duckdb
IMAGING_SPARK_DIR ?= data/spark
IMAGING_SPARK_DB_PATH ?= $(IMAGING_SPARK_DIR)/imaging_atlas.duckdb
ATLAS_DB = $(if $(filter spark,$(TARGET)),$(IMAGING_SPARK_DB_PATH),$(IMAGING_DB_PATH))
LAYER_FROM_SPARK = $(if $(filter spark,$(TARGET)),from-spark)
PUBLISH_DIR ?= publish
ATLAS_PAGE ?= target/atlas/index.html

known-target:
	@case '$(TARGET)' in duckdb|spark) ;; *) echo "TARGET=$(TARGET): publish and explore read a duckdb or a spark build" >&2; exit 1;; esac

from-spark: setup
	mkdir -p data/duckdb_tmp
	$(BIN)/imaging-atlas from-spark --spark-dir '$(IMAGING_SPARK_DIR)' --db '$(IMAGING_SPARK_DB_PATH)'

# One CSV, Parquet and JSON metadata file per indicator, from the publication layer only (after make run).
publish: setup known-target $(LAYER_FROM_SPARK)
	$(BIN)/imaging-atlas publish --db '$(ATLAS_DB)' --out '$(PUBLISH_DIR)'

# The docs site: regenerate the code and metadata pages of each indicator, then one static HTML file.
docs: setup
	$(BIN)/imaging-atlas docs
	mkdir -p "$$(dirname '$(IMAGING_DB_PATH)')" data/duckdb_tmp
	$(BIN)/dbt docs generate --static
	@echo "Docs site: $${DBT_TARGET_PATH:-target}/static_index.html"

# The offline Atlas explorer: one HTML file of maps and charts of the published figures (after a build).
explore: setup known-target $(LAYER_FROM_SPARK)
	$(BIN)/imaging-atlas explore --db '$(ATLAS_DB)' --out '$(ATLAS_PAGE)'

# The docs-site test renders pages in Debian's chromium (no browser download); installed once, as root.
chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Spark parity (issue 5): a hand-made and a small synthetic extract built on DuckDB and on a local Spark
# session (dbt-spark, Java 17), every SQL table compared row for row; then publish and explore from each
# Spark build against those of DuckDB. Separate from `make test` (minutes).
test-spark: setup java
	IMAGING_SPARK_PARITY=1 $(BIN)/pytest -s tests/python/test_spark_parity.py tests/python/test_spark_publication.py \
		tests/python/test_string_literal.py

# Spark runs on a Java 17 runtime; installed once from Debian's packages, as root, when none is there.
java:
	@command -v java >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; }

# Lint: Python (ruff); SQL (sqlfluff, dbt templater: .sqlfluff, over every model, rule test and analysis;
# a file it skips or cannot parse fails the lint; it compiles the project against a scratch database,
# never the built one, holding the registry seed the exams' group columns are generated from); dbt
# metadata: dbt parse fails when a macro's documented arguments differ from its signature, then dbt-score
# on the parsed manifest (every model, seed, macro and exposure described, every model's columns listed
# and described, every model's grain tested; rules in pyproject.toml and imaging_atlas/metadata_rules.py).
LINT_DIR := target/lint
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	mkdir -p $(LINT_DIR)
	IMAGING_DB_PATH=$(LINT_DIR)/sqlfluff.duckdb $(BIN)/dbt seed --quiet --select indicator_registry \
		--target-path $(LINT_DIR)/seed
	IMAGING_DB_PATH=$(LINT_DIR)/sqlfluff.duckdb $(BIN)/imaging-atlas lint-sql
	IMAGING_DB_PATH=$(LINT_DIR)/parse.duckdb $(BIN)/dbt parse --quiet --target-path $(LINT_DIR) \
		--warn-error-options '{"error": ["InvalidMacroAnnotation"]}'
	$(BIN)/dbt-score lint --manifest $(LINT_DIR)/manifest.json

# The built marts next to the published figures the synthetic data are calibrated against.
calibration: setup
	$(BIN)/dbt show --select calibration_vs_published --limit 50

# Benchmark (not a test): the dbt builds of national extracts against the floor of the whole family, per
# case (docs/benchmark.md). National extracts are generated into BENCH_DATA when missing (the 19-year one
# needs about 12 GB of disk).
BENCH_DATA ?= data/bench-data
BENCH_CASES ?= one-year-0.1 one-year-0.3 one-year-1.0 five-years nineteen-years whole-project-one-year \
	whole-project-nineteen-years yearly-update yearly-update-plain-files secrecy-one-year
# Builds per case, the median one recorded: one build moves by a few per cent from one run to the next.
BENCH_REPEAT ?= 1
bench: setup
	$(BIN)/imaging-atlas benchmark --data-dir '$(BENCH_DATA)' --cases $(BENCH_CASES) --generate \
		--repeat $(BENCH_REPEAT) --doc docs/benchmark.md

lock: setup
	$(BIN)/python -m pip freeze --exclude-editable > requirements.txt

clean:
	rm -rf target logs data/duckdb_tmp
