# The two commands of the README: `make demo` and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DATA_DIR ?= .deployq-demo
DEMO_PORT ?= 8080

.PHONY: demo test lint typecheck check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[embedded,test]'
	touch $(STAMP)

demo: $(STAMP)
	DEMO_DATA_DIR=$(DEMO_DATA_DIR) DEMO_PORT=$(DEMO_PORT) $(BIN)/python examples/demo.py

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench examples

typecheck: $(STAMP)
	$(BIN)/mypy --strict src

check: lint typecheck test

clean:
	rm -rf $(VENV) .deployq .pytest_cache .mypy_cache .ruff_cache
