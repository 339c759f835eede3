# The two commands: `make run` (the demo) and `make test` (the whole suite).
# `make run PORT=8080 HOST=0.0.0.0` serves elsewhere; `make demo-reset` seeds the demo afresh.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
# Rules with no Django import: typed strictly.
PURE := accounts/auth/phones.py core/cache.py core/limits.py core/uploads.py core/images.py core/text.py core/jsondepth.py config/clientip.py realtime/origins.py voting/secrecy.py realtime/frames.py realtime/backlog.py realtime/ratelimit.py accounts/idcard.py forum/text.py accounts/permissions.py accounts/ledger/filters.py accounts/verification/codes.py accounts/verification/limits.py accounts/ledger/rules.py accounts/outreach/events.py accounts/notifications/events.py accounts/ledger/sheets.py voting/tally.py moderation/procedure/*.py core/markup.py

.PHONY: run demo-reset test install lint bench bench-ledger bench-voting bench-rooms chaos a11y-crawl clean

# The Python is checked first, in one line (scripts/python_check.py reads requires-python), so
# an unsupported one never gets as far as a pip error. pip then shows each package as it comes:
# a first install is a few minutes, and silence that long reads as a hang.
$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3 (see pyproject.toml for the versions) or run make with PYTHON=/path/to/python3"; exit 1; }
	@$(PYTHON) scripts/python_check.py
	@test -x $(PY) || { echo "[1/3] Creating $(VENV) with $$($(PYTHON) -V)"; $(PYTHON) -m venv $(VENV) || { echo "Could not create $(VENV): on Debian or Ubuntu, apt-get install python3-venv"; exit 1; }; }
	@$(PY) scripts/python_check.py
	@echo "[2/3] Updating pip in $(VENV)"
	@$(VENV)/bin/pip install --quiet --disable-pip-version-check --upgrade pip
	@echo "[3/3] Installing Linli's dependencies into $(VENV) (first run only; a few minutes):"
	@PYTHONWARNINGS=ignore $(VENV)/bin/pip install --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $(STAMP)
	@echo "Dependencies installed."

install: $(STAMP)

# Drop every row and seed the demo again, keeping .venv (no reinstall): for a demo gone messy.
demo-reset: $(STAMP)
	@$(PY) manage.py migrate --noinput -v0
	@echo "Emptying the database and seeding the demo again..."
	@$(PY) manage.py seed_demo --reset

run: $(STAMP)
	@$(PY) manage.py migrate --noinput -v0
	@$(PY) manage.py seed_demo --if-empty
	@echo ""
	@echo "Linli (邻里) is running at http://$(HOST):$(PORT)/  (Ctrl+C stops it)"
	@echo ""
	@$(PY) -m realtime.serve -b $(HOST) -p $(PORT) config.asgi:application

test: $(STAMP)
	@$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy --strict $(PURE)
	@$(VENV)/bin/mypy accounts forum realtime frontend config voting moderation core chaos demo

bench: $(STAMP)
	@$(PY) -m bench

# Issue 4's figures: ledger counts and pages, outreach to 5,000 households (PostgreSQL).
bench-ledger: $(STAMP)
	@$(PY) -m bench.ledger

# Issue 5's figures: 2,000 households voting within 2 s, 1,000 watchers (PostgreSQL, Redis).
bench-voting: $(STAMP)
	@$(PY) -m bench.voting

# Issue 6's figures: a room with 1,000 live participants, floor events against baselines.
bench-rooms: $(STAMP)
	@$(PY) -m bench.rooms

# Issue 15's fault scenarios against private PostgreSQL and Redis (docs/reliability.md).
chaos: $(STAMP)
	@$(PY) -m chaos

# Issue 17's axe crawl alone (it is part of `make test` too): every page of every demo role
# at two sizes, 0 violations, no sideways scroll at 320 px or 200% zoom. About 3 minutes.
a11y-crawl: $(STAMP)
	@$(PY) -m pytest -p no:cacheprovider tests/a11y/test_axe_crawl.py

clean:
	rm -rf $(VENV) db.sqlite3 test-db*.sqlite3 .pytest_cache .mypy_cache .ruff_cache
