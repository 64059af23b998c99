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

# The browser tests drive Debian's Chromium (Playwright cannot download browsers here); WeasyPrint wants
# HarfBuzz's subsetter for the PDF's fonts (without it, it warns, and the tests count a warning as an error).
SYSTEM_PACKAGES := chromium libharfbuzz-subset0
APT_GET := $(if $(filter 0,$(shell id -u)),,sudo) apt-get

.PHONY: system-packages
system-packages:
	@missing="$$(for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done)"; \
	if [ -n "$$missing" ]; then \
	  echo "installing $$missing"; \
	  DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq $$missing || \
	  { $(APT_GET) update -qq && DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq $$missing; }; \
	fi

test: lint system-packages
	$(BIN)/pytest -v --durations=5

# Every benchmark, then the one report of them all: bench/results/REPORT.md.
bench: $(INSTALLED)
	$(BIN)/python bench/mail_delivery.py
	$(BIN)/python bench/email_rendering.py
	$(BIN)/python bench/decision_latency.py
	$(BIN)/python bench/approval_latency.py
	$(BIN)/python bench/stalled_page.py
	$(BIN)/python bench/sweep.py
	$(BIN)/python bench/report.py

format: $(INSTALLED)
	$(BIN)/ruff format src flows tests migrations bench
	$(BIN)/ruff check --fix src flows tests migrations bench

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
