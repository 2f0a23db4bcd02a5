# The verbs a newcomer types. Every target sets up what it needs from nothing.
SHELL      := /bin/bash
PYTHON     ?= python3
VENV       := .venv
PY         := $(VENV)/bin/python
JARS_DIR   := jars
ENV        ?= local
AIRFLOW_VENV := .venv-airflow
AIRFLOW_PORT ?= 8080
SUBMIT      = $(VENV)/bin/spark-submit --master local[2] --driver-memory 6g \
              --jars $$(ls $(CURDIR)/$(JARS_DIR)/*.jar | paste -sd, -) --py-files dist/jobs.zip

export SEG_JARS_DIR   := $(CURDIR)/$(JARS_DIR)
export PYSPARK_PYTHON := $(CURDIR)/$(PY)
export SPARK_LOCAL_IP ?= 127.0.0.1
# Spark's logging (conf/spark/log4j2.properties: WARN and above) for every spark-submit.
export SPARK_CONF_DIR ?= $(CURDIR)/conf/spark

.PHONY: cluster-test test-airflow setup browser demo demo-retail test test-fast lint bench package clean help airflow airflow-setup

help:
	@echo "make demo         set up, generate the synthetic data set, run the pipeline"
	@echo "make demo-retail  the same on the real Online Retail orders (bring your own data)"
	@echo "make test         set up and run the whole test suite (unit, stage, e2e tiers)"
	@echo "make test-fast    the unit and stage tiers only"
	@echo "make bench        run the benchmark harness"
	@echo "make cluster-test the daily pipeline on a Spark standalone cluster (master + 2 workers)"
	@echo "make airflow      start a local Airflow on dags/ and print its URL and login"
	@echo "make clean        remove the lakehouse, build outputs and caches (keeps .venv, jars)"

setup: $(VENV)/.installed $(JARS_DIR)/.fetched

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# The Delta jars, pinned in infra/jars/pom.xml, copied once into ./jars.
$(JARS_DIR)/.fetched: infra/jars/pom.xml
	mkdir -p $(JARS_DIR)
	mvn --quiet --batch-mode -f infra/jars/pom.xml dependency:copy-dependencies \
	    -DincludeGroupIds=io.delta -DincludeScope=runtime \
	    -DoutputDirectory=$(CURDIR)/$(JARS_DIR)
	touch $@

# The package spark-submit ships with --py-files.
package: dist/jobs.zip
dist/jobs.zip: $(shell find jobs -name '*.py')
	mkdir -p dist
	$(PY) -c "import shutil; shutil.make_archive('dist/jobs', 'zip', '.', 'jobs')"

# Both demos are one spark-submit application of the shipped package, exactly as a
# data engineer would run it by hand.
demo: setup package
	$(SUBMIT) jobs/demo/main.py --env $(ENV)

demo-retail: setup package
	$(SUBMIT) jobs/demo/main.py --env $(ENV) --conf-overlay conf/datasets/online_retail.yaml

# The suite in three tiers (tests/conftest.py), fast ones first, so a broken unit fails in
# minutes: unit (no Delta writes), stage (a stage's run on a copy of a shared world or on
# hand-built tables), e2e (whole pipeline runs, spark-submit, Airflow, the standalone
# cluster, Chromium). The tiers share the lakehouse worlds built once per run
# (tests/worlds.py) in TEST_WORLDS. Two pytest workers, a whole file each, taken in the
# order tests/conftest.py sets (xdist would reorder files by their number of tests): much
# of a test's time is JVM start-up, Delta commits and Python-side Great Expectations work,
# which leave a core idle in a serial run. Each tier ends with its 25 slowest tests and
# its wall time.
PYTEST_WORKERS ?= -n 2 --dist loadfile --no-loadscope-reorder
TEST_WORLDS    ?= $(CURDIR)/.test-worlds
define tier
	@echo "== tier $(1) =="; started=$$(date +%s); \
	SEG_TEST_WORLDS=$(TEST_WORLDS) $(PY) -m pytest -m $(1) $(PYTEST_WORKERS) --durations=25 \
	  $(PYTEST_ARGS); status=$$?; \
	echo "== tier $(1): $$(( $$(date +%s) - started )) s, exit $$status =="; exit $$status
endef

# Airflow's virtualenv and Chromium are downloads, not computation: they install in the
# background while the unit tier runs (under the lock the Airflow fixtures take as well),
# and the e2e tier starts once they are there.
test: setup package
	rm -rf $(TEST_WORLDS) .e2e-prepared
	@(flock .venv-airflow.lock $(MAKE) -s --no-print-directory airflow-setup; \
	  $(MAKE) -s --no-print-directory browser; touch .e2e-prepared) > .e2e-prepare.log 2>&1 &
	$(call tier,unit)
	$(call tier,stage)
	@while [ ! -f .e2e-prepared ]; do sleep 5; done; cat .e2e-prepare.log
	$(call tier,e2e)

# unit and stage only: the tiers that need neither Airflow, the cluster nor Chromium.
test-fast: setup package
	rm -rf $(TEST_WORLDS)
	$(call tier,unit)
	$(call tier,stage)

# Airflow itself runs segmentation_daily end to end (a REST-triggered run).
test-airflow: setup package
	SEG_TEST_WORLDS=$(TEST_WORLDS) $(PY) -m pytest tests/dags/test_daily_dag_runs.py $(PYTEST_ARGS)

# A Spark standalone master and two workers on 127.0.0.1 (infra/spark/standalone), a
# backfill of D-1..D spark-submitted to it on a copy of the history world of
# tests/worlds.py (built first if TEST_WORLDS has none): its gold must equal the local
# daily runs' (the published world). Part of `make test`.
cluster-test: setup package
	SEG_TEST_WORLDS=$(TEST_WORLDS) $(PY) -m pytest tests/cluster $(PYTEST_ARGS)

# Headless Chromium renders the Data Docs in a test. Debian's package, installed when
# missing and this user may (root, as on CI); otherwise that one test is skipped.
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      --no-install-recommends chromium >/dev/null) \
	  || echo "chromium not installed: the Data Docs browser test will be skipped"; }

lint: setup
	$(VENV)/bin/ruff check jobs tests bench dags

# The benchmark harness (bench/harness.py): two scales 10x apart and a power-law skew
# case, Spark's own metrics, DuckDB as the reference. BENCH_ARGS, e.g.
# --scales 20000,200000 --demo --lock /tmp/spark.lock; results in bench/results/.
bench: setup package $(VENV)/.bench-installed
	$(PY) -m bench.harness $(BENCH_ARGS)

# Only the extra's packages (the project itself is installed by setup).
$(VENV)/.bench-installed: pyproject.toml
	$(PY) -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))\
	  ['project']['optional-dependencies']['bench']))" > $(VENV)/bench-requirements.txt
	$(PY) -m pip install --quiet -r $(VENV)/bench-requirements.txt
	touch $@

# Airflow lives in its own virtualenv: the apache-spark provider pulls pyspark-client,
# which installs a `pyspark` package of its own. The pins are pyproject's `airflow` extra.
airflow-setup: $(AIRFLOW_VENV)/.installed

$(AIRFLOW_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(AIRFLOW_VENV)
	$(AIRFLOW_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PYTHON) -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))\
	  ['project']['optional-dependencies']['airflow']))" > $(AIRFLOW_VENV)/requirements.txt
	$(AIRFLOW_VENV)/bin/python -m pip install --quiet -r $(AIRFLOW_VENV)/requirements.txt
	touch $@

# A local Airflow (API server + UI, scheduler, DAG processor; SQLite and logs in .airflow/)
# on dags/, bound to 127.0.0.1; infra/airflow/local-env holds its settings.
airflow: setup package airflow-setup
	AIRFLOW_PORT=$(AIRFLOW_PORT) infra/airflow/run-local

clean:
	rm -rf lakehouse dist spark-warehouse metastore_db derby.log .pytest_cache bench/results \
	  .test-worlds .e2e-prepared .e2e-prepare.log
