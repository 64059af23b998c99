# The two commands: `make demo` and `make test`. Both create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test lint check-format format clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(INSTALLED)

demo: $(INSTALLED)
	$(BIN)/signoff demo

lint: $(INSTALLED)
	$(BIN)/ruff check src tests migrations
	$(BIN)/ruff format --check src tests migrations
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -v --durations=5

format: $(INSTALLED)
	$(BIN)/ruff format src tests migrations
	$(BIN)/ruff check --fix src tests migrations

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
