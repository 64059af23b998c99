# The two commands: `make demo` and `make test`. Both create .venv and install what they need, at the
# versions requirements.lock names (`make lock` refreshes it).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test check bench lint format clean lock

LOCK := requirements.lock

# signoff's own modules are installed editable, so nothing compiles them at install: with the environment's
# PYTHONDONTWRITEBYTECODE=1 every process (each flow run, each command, each served process in the tests)
# compiled them again, about 1.5 s of CPU each on a two-core machine. Python writes their bytecode once.
unexport PYTHONDONTWRITEBYTECODE

# The lock is a constraints file: pip installs what pyproject.toml asks for, each package (pip too) at the
# version the lock names, so a fresh machine gets what CI tested. A package the lock does not name (another
# Python's backport, say) would come unpinned: the check after the install names it.
$(INSTALLED): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c $(LOCK) --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e ".[test]"
	@grep -v '^#' $(LOCK) > $(VENV)/lock.txt; \
	drift="$$($(BIN)/python -m pip freeze --all --exclude-editable --exclude setuptools | grep -vxF -f $(VENV)/lock.txt)"; \
	if [ -n "$$drift" ]; then echo "warning: installed, but not as $(LOCK) names them (run make lock?):"; echo "$$drift"; fi
	touch $(INSTALLED)

# Refresh the lock: the newest versions pyproject.toml allows, resolved in a scratch venv (nothing installed
# by hand in .venv creeps in); `make test` then installs and tests exactly those. Commit the lock with them.
lock:
	@scratch="$$(mktemp -d)"; trap 'rm -rf "$$scratch"' EXIT; set -e; \
	$(PYTHON) -m venv "$$scratch/venv"; \
	"$$scratch/venv/bin/python" -m pip install --quiet --upgrade pip; \
	"$$scratch/venv/bin/python" -m pip install --quiet -e ".[test]"; \
	{ echo "# The exact versions tested: made by \`make lock\` with $$("$$scratch/venv/bin/python" -V)"; \
	  echo "# on $$(uname -sm); \`make demo\` and \`make test\` install them. Do not edit: run \`make lock\`."; \
	  "$$scratch/venv/bin/python" -m pip freeze --all --exclude-editable --exclude setuptools; } > "$$scratch/lock"; \
	mv "$$scratch/lock" $(LOCK); \
	echo "$(LOCK) refreshed: review its diff, then run make test"

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

# The fast loop, under a minute: lint, types (the in-memory fakes against the ports in service/ports.py too),
# the domain's unit tests and every handler in memory (tests/handlers). No database, no browser, no Prefect.
check: $(INSTALLED)
	$(BIN)/ruff check src flows tests migrations bench
	$(BIN)/ruff format --check src flows tests migrations bench
	$(BIN)/mypy
	$(BIN)/pytest -q tests/unit tests/handlers

# Everything, both databases, on three workers on the two-core machine (most tests wait on processes and
# servers more than they compute; each worker has its own PostgreSQL database, and the fault test that
# stops PostgreSQL a cluster of its own; a file's tests stay on one worker; four workers measured slower).
# Ruff first (a second); mypy, a quarter of a minute of one core, type-checks everything while the suite
# runs: its verdict comes after the suite's, and either failing fails `make test`.
TEST_WORKERS ?= 3
test: $(INSTALLED) system-packages
	$(BIN)/ruff check src flows tests migrations bench
	$(BIN)/ruff format --check src flows tests migrations bench
	@$(BIN)/mypy > $(VENV)/mypy.log 2>&1 & types=$$!; \
	echo "$(BIN)/pytest -v --durations=30 -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder"; \
	$(BIN)/pytest -v --durations=30 -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder; tests=$$?; \
	wait $$types; typed=$$?; echo "$(BIN)/mypy (while the tests ran)"; cat $(VENV)/mypy.log; \
	[ $$tests -eq 0 ] && [ $$typed -eq 0 ]

# Every benchmark, then the one report of them all: bench/results/REPORT.md.
bench: $(INSTALLED)
	$(BIN)/python bench/mail_delivery.py
	$(BIN)/python bench/email_rendering.py
	$(BIN)/python bench/decision_latency.py
	$(BIN)/python bench/approval_latency.py
	$(BIN)/python bench/stalled_page.py
	$(BIN)/python bench/sweep.py
	$(BIN)/python bench/certificate_check.py
	$(BIN)/python bench/report.py

format: $(INSTALLED)
	$(BIN)/ruff format src flows tests migrations bench
	$(BIN)/ruff check --fix src flows tests migrations bench

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
