# make run: install, migrate, load the demo once, serve on http://127.0.0.1:5000 with a job worker.
# make test: the whole suite (browser tests run when Debian's chromium is installed).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test test-pg serve worker install translations messages bench clean lint

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

translations: install
	@$(BIN)/pybabel compile -d shop/translations 2>&1 | grep -v "^compiling" || true

messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o shop/translations/messages.pot .
	$(BIN)/pybabel update -i shop/translations/messages.pot -d shop/translations --no-fuzzy-matching

run: translations
	$(FLASK) db upgrade
	$(FLASK) demo load
	@echo "Starting the job worker and the web server on http://127.0.0.1:5000 (Ctrl-C stops both)"
	@trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	$(BIN)/huey_consumer shop.worker.huey -w 2 -k thread -q & \
	$(FLASK) run --host 127.0.0.1 --port 5000

serve: run

worker: install
	$(BIN)/huey_consumer shop.worker.huey -w 2 -k thread

test: translations
	$(BIN)/python -m pytest -q

test-pg: translations
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .

bench: translations
	$(BIN)/python bench/import_bench.py

clean:
	rm -rf $(VENV) instance .pytest_cache test-artifacts
