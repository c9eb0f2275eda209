# The two commands of the README: `make run` and `make test`. Nothing else needs installing by hand.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: run test bench load check lock messages clean

$(STAMP): requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $(STAMP)

## make run: install, migrate the embedded SQLite database, load the demo data, start the web server and the worker.
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py serve

## make test: install and run the whole test suite (on PostgreSQL when DATABASE_URL points there).
test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

## make bench: the benchmark scenarios under benchmarks/ (never part of make test).
bench: $(STAMP)
	$(PY) -m benchmarks $(BENCH_ARGS)

## make load: the HTTP load test: gunicorn on 127.0.0.1 driven by locust from a second process (LOAD_ARGS="--duration 1800" for the soak).
load: $(STAMP)
	$(PY) -m benchmarks.load $(LOAD_ARGS)

## make check: lint and Django's checks.
check: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

## make lock: re-pin requirements.lock from pyproject.toml in a throw-away environment.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --disable-pip-version-check ".[test,bench]"
	echo '# Every package, pinned: `make test` and `make run` install exactly this. Regenerate with `make lock` after editing pyproject.toml.' > requirements.lock
	.lock-venv/bin/pip freeze --exclude lesotho-labour-migration >> requirements.lock
	rm -rf .lock-venv

## make messages: extract translatable strings (needs GNU gettext) and compile the catalogues (pure Python).
messages: $(STAMP)
	$(PY) manage.py makemessages --locale st --locale en --no-obsolete --ignore '.venv/*' --ignore 'tests/*' --ignore 'benchmarks/*'
	$(PY) manage.py compile_catalogues

clean:
	rm -rf $(VENV) var staticfiles
