# Two commands for a newcomer: `make run` and `make test`. Each sets up what it needs first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DAY ?= 2022-01-06
DATA ?= data

# Airflow lives inside the repo (ignored by git), with a SQLite metadata DB and this repo's dags/ folder.
export AIRFLOW_HOME := $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION := True
export NEWS_CORPUS_SOURCES ?= $(CURDIR)/sources.yaml
export NEWS_CORPUS_DATA ?= $(CURDIR)/$(DATA)

.PHONY: setup run test airflow airflow-db airflow-pools sample bench eval train-mt clean cluster cluster-test cluster-stop \
	browser

# The first time, pip shows each package it fetches (about 170; see README for how long that takes).
$(BIN)/.installed: requirements.txt pyproject.toml
	@echo "Installing the pinned requirements into $(VENV)/ (first run only; see README, \"Two commands\")..."
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	set -o pipefail; $(BIN)/pip install --disable-pip-version-check --progress-bar off -r requirements.txt \
		| { grep --line-buffered -E '^(Collecting|Installing|Successfully)' || true; }
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

setup: $(BIN)/.installed

$(AIRFLOW_HOME)/airflow.db: $(BIN)/.installed
	mkdir -p $(AIRFLOW_HOME)
	$(BIN)/airflow db migrate > $(AIRFLOW_HOME)/db-migrate.log 2>&1 || (tail -20 $(AIRFLOW_HOME)/db-migrate.log; exit 1)

airflow-db: $(AIRFLOW_HOME)/airflow.db

# The pools the DAG's crawl tasks run in (one per host family), from the file in the repo.
airflow-pools: airflow-db
	$(BIN)/airflow pools import airflow/pools.json > $(AIRFLOW_HOME)/pools-import.log 2>&1 \
		|| (tail -20 $(AIRFLOW_HOME)/pools-import.log; exit 1)

## run: the real DAG over the embedded sample for DAY (offline), then a summary of what it wrote
run: setup airflow-pools
	@echo "Running the news_corpus DAG for $(DAY) (airflow dags test; a few minutes, see README)..."
	@$(BIN)/airflow dags test news_corpus --conf '{"day": "$(DAY)"}' > $(AIRFLOW_HOME)/dags-test.log 2>&1 \
		|| { echo "news_corpus for $(DAY): the DAG run failed:"; \
		     $(BIN)/python scripts/dag_test_errors.py $(AIRFLOW_HOME)/dags-test.log; \
		     echo "(the whole log: $(AIRFLOW_HOME)/dags-test.log)"; exit 1; }
	@echo "news_corpus for $(DAY): DAG run $$(grep -o 'DagRun Finished.*state=[a-z]*' $(AIRFLOW_HOME)/dags-test.log \
		| tail -1 | sed 's/.*state=//') (log: $(AIRFLOW_HOME)/dags-test.log)"
	@$(BIN)/python -m pipeline show --data $(NEWS_CORPUS_DATA)

## browser: Debian's Chromium, which the report's rendering test uses (it skips without it); needs root
browser:
	@command -v chromium > /dev/null || { echo "installing chromium (apt)..."; apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null; }

## test: the whole test suite, offline
test: setup
	$(BIN)/python -m pytest -q

## airflow: a local Airflow (UI, scheduler, DAG processor) for this repo's dags/
airflow: setup airflow-pools
	@echo "Airflow UI: http://127.0.0.1:8080  (user admin; password in $(AIRFLOW_HOME)/simple_auth_manager_passwords.json.generated)"
	# standalone starts its components as `airflow ...` subprocesses: the venv must come first on PATH. The API
	# server listens on loopback only: the UI is for this machine.
	PATH="$(CURDIR)/$(BIN):$$PATH" AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS=admin:admin AIRFLOW__API__HOST=127.0.0.1 \
		$(BIN)/airflow standalone

## eval: quality on the development sets in ../shared/devdata (skips what is missing)
eval: setup
	$(BIN)/python -m pipeline.eval

## train-mt: re-train the linguistic MT model (pipeline/data/mt_linguistic.json) on ../shared/devdata, with the ablation table
train-mt: setup
	nice $(BIN)/python scripts/train_mt_model.py --ablation

## bench: speed and memory benchmarks (figures go in the issue notes)
bench: setup
	$(BIN)/python -m benchmarks

## sample: rebuild the sample WARC files from data/sample/pages
sample: setup
	$(BIN)/python scripts/build_sample_warc.py

## cluster: a multi-worker Airflow on 127.0.0.1 (Celery workers, Redis, PostgreSQL, an S3 data root on moto); prints its UI
cluster: setup
	@bash cluster/cluster.sh start
	@bash cluster/cluster.sh info

## cluster-stop: stop the cluster `make cluster` started; checks that nothing of it is left running
cluster-stop:
	@bash cluster/cluster.sh stop

## cluster-test: the DAG on a cluster of its own, S3 against a local run, and fault cases (about 7 minutes)
cluster-test: setup
	@bash cluster/test.sh

clean:
	rm -rf $(VENV) $(AIRFLOW_HOME) .cluster $(DATA)/articles $(DATA)/parts $(DATA)/work $(DATA)/raw $(DATA)/runs $(DATA)/state .pytest_cache
