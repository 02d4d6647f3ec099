# newsflow: the commands a new user needs. `make demo` and `make test` install what they need first.
# Bytecode is compiled at install: machines that set PYTHONDONTWRITEBYTECODE (this one does) would
# otherwise compile every import in every crawl and Airflow process (1.6 s a crawl start, measured).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint ui lock install clean-data

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
	VIRTUAL_ENV=$(VENV) $(BIN)/uv pip install --quiet --compile-bytecode -r requirements.lock
	VIRTUAL_ENV=$(VENV) $(BIN)/uv pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

## Replay the bundled site, run the demo DAG with Airflow, load into PostgreSQL, print what landed.
demo: $(STAMP)
	$(BIN)/newsflow demo

## The whole test suite (starts an embedded PostgreSQL when none answers on 127.0.0.1:5432).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

## Airflow's UI with the project's DAGs (airflow standalone).
ui: $(STAMP)
	$(BIN)/newsflow ui

## Re-pin every dependency after editing pyproject.toml.
lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --quiet -o requirements.lock

clean-data:
	rm -rf .data
