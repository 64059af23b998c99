# The two commands: `make demo` and `make test`. Both create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test bench lint format clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(INSTALLED)

demo: $(INSTALLED)
	$(BIN)/signoff demo

lint: $(INSTALLED)
	$(BIN)/ruff check src flows tests migrations bench
	$(BIN)/ruff format --check src flows tests migrations bench
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -v --durations=5

bench: $(INSTALLED)
	$(BIN)/python bench/mail_delivery.py
	$(BIN)/python bench/decision_latency.py

format: $(INSTALLED)
	$(BIN)/ruff format src flows tests migrations bench
	$(BIN)/ruff check --fix src flows tests migrations bench

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
