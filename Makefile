# CineAesthete: `make run` to try it, `make test` to check it. See README.md.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
WEB_WORKERS ?= 3
# Development defaults for `make run`; production sets its own environment (README, "Configuration").
export DEBUG ?= 1
export SECURE_SSL_REDIRECT ?= 0

.PHONY: run test lint format bench venv migrate demo worker scheduler web stop clean help

help:
	@echo "make run    install, start the embedded database, migrate, load the demo catalogue, start a worker and the site"
	@echo "make test   install and run the test suite (ruff + pytest)"
	@echo "make bench  print the speed and quality numbers (see bench/README.md)"
	@echo "make stop   stop the embedded PostgreSQL server"

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

migrate: venv
	$(MANAGE) migrate --noinput

demo: migrate
	$(MANAGE) load_demo

run: demo
	$(MANAGE) collectstatic --noinput --verbosity 0
	@echo "Starting Dramatiq workers (logs: var/worker.log, var/imports.log), the scheduler (var/scheduler.log) and the site at http://$(HOST):$(PORT)/"
	@$(MANAGE) rundramatiq --processes 1 --threads 2 --queues default ml > var/worker.log 2>&1 & \
	  worker=$$!; $(MANAGE) rundramatiq --processes 1 --threads 1 --queues imports > var/imports.log 2>&1 & \
	  importer=$$!; $(MANAGE) crontab --no-heartbeat > var/scheduler.log 2>&1 & \
	  scheduler=$$!; trap 'kill $$worker $$importer $$scheduler 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/gunicorn cineaesthete.wsgi --config cineaesthete/gunicorn.conf.py --bind $(HOST):$(PORT) --workers $(WEB_WORKERS)

worker: migrate
	$(MANAGE) rundramatiq --processes 1 --threads 2 --queues default ml & \
	  worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(MANAGE) rundramatiq --processes 1 --threads 1 --queues imports

scheduler: migrate
	$(MANAGE) crontab --no-heartbeat

test: venv
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: venv
	$(PY) bench/run_all.py

stop: venv
	$(MANAGE) embedded_db stop

clean: stop
	rm -rf var/staticfiles var/test-media
