# CineAesthete: `make run` to try it, `make test` to check it. See README.md.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# Development defaults for `make run`; production sets its own environment (README, "Configuration").
# `DEBUG=0 make run` serves this tree in production mode (hashed static files collected below).
export DEBUG ?= 1
export SECURE_SSL_REDIRECT ?= 0
export ALLOWED_HOSTS ?= 127.0.0.1,localhost

.PHONY: run test test-browser chromium screenshots lint format bench venv migrate demo worker scheduler web stop clean help

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

# FINETUNE=0 skips fine-tuning the sentiment encoder in the background (about an hour on 2 CPUs, at low priority;
# NB-SVM alone serves until it is done).
FINETUNE ?= 1

run: demo
	@# Always: production mode (DEBUG=0) serves hashed files from the manifest this writes.
	$(MANAGE) collectstatic --noinput --verbosity 0
	@if [ "$(FINETUNE)" = 1 ]; then $(MANAGE) train_sentiment --finetune --queue; fi
	@echo "Starting Dramatiq workers (logs: var/worker.log, var/imports.log, var/training.log), the scheduler (var/scheduler.log) and the site at http://$(HOST):$(PORT)/"
	@# bin/supervise starts a worker (or the scheduler) again if it dies, e.g. a worker child killed by the OS.
	@bin/supervise worker $(MANAGE) rundramatiq --processes 1 --threads 2 --queues default ml > var/worker.log 2>&1 & \
	  worker=$$!; bin/supervise imports $(MANAGE) rundramatiq --processes 1 --threads 1 --queues imports > var/imports.log 2>&1 & \
	  importer=$$!; nice -n 19 bin/supervise training $(MANAGE) rundramatiq --processes 1 --threads 1 --queues training > var/training.log 2>&1 & \
	  trainer=$$!; bin/supervise scheduler $(MANAGE) crontab --no-heartbeat > var/scheduler.log 2>&1 & \
	  scheduler=$$!; trap 'kill $$worker $$importer $$trainer $$scheduler 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/gunicorn cineaesthete.wsgi --config cineaesthete/gunicorn.conf.py --bind $(HOST):$(PORT)

worker: migrate
	bin/supervise worker $(MANAGE) rundramatiq --processes 1 --threads 2 --queues default ml & \
	  worker=$$!; nice -n 19 bin/supervise training $(MANAGE) rundramatiq --processes 1 --threads 1 --queues training & \
	  trainer=$$!; trap 'kill $$worker $$trainer 2>/dev/null' EXIT INT TERM; \
	  bin/supervise imports $(MANAGE) rundramatiq --processes 1 --threads 1 --queues imports

scheduler: migrate
	bin/supervise scheduler $(MANAGE) crontab --no-heartbeat

test: venv chromium
	$(BIN)/ruff check .
	$(BIN)/pytest

# The browser journeys alone (Playwright + Debian's Chromium): a few minutes at most.
test-browser: venv chromium
	$(BIN)/pytest -m browser

# Debian's Chromium for the browser suite; Playwright's own browser download is not reachable here.
CHROMIUM ?= /usr/bin/chromium
chromium:
	@test -x $(CHROMIUM) || { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "No Chromium at $(CHROMIUM): install Debian's chromium package; the browser tests are skipped."; fi; }

# Screenshots of the main pages at 1,400 and 390 px, from the demo site, into var/screenshots/.
screenshots: demo chromium
	$(PY) bench/screenshots.py

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
