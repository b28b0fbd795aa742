# make run: install, migrate, load the demo once, serve on http://127.0.0.1:5000 with a job worker.
# make test: the whole suite (browser tests run when Debian's chromium is installed).
# make serve-prod: migrate, then gunicorn (gunicorn.conf.py) beside one job worker, as in production.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
WORKER_THREADS ?= 4
# gunicorn's workers and the job worker write their metrics here; emptied at each serve-prod start.
METRICS_DIR ?= $(if $(PROMETHEUS_MULTIPROC_DIR),$(PROMETHEUS_MULTIPROC_DIR),$(CURDIR)/instance/metrics)

.PHONY: run test test-pg serve serve-prod worker install translations messages bench clean lint lighthouse bench-phone

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

# Compiled only when a catalogue changed, so two suites started side by side never rewrite a file the other reads.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard shop/translations/*/LC_MESSAGES/messages.po))

translations: install $(MO_FILES)

shop/translations/%/LC_MESSAGES/messages.mo: shop/translations/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	@$(BIN)/pybabel compile -d shop/translations -l $* 2>&1 | grep -v "^compiling" || true

messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -w 100 -o shop/translations/messages.pot .
	$(BIN)/pybabel update -i shop/translations/messages.pot -d shop/translations --no-fuzzy-matching -w 100

run: translations
	$(FLASK) db upgrade
	$(FLASK) demo load
	@echo "Starting the job worker and the web server on http://127.0.0.1:5000 (Ctrl-C stops both)"
	@trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	$(BIN)/huey_consumer shop.worker.huey -w 2 -k thread -q & \
	$(FLASK) run --host 127.0.0.1 --port 5000

serve: run

# huey_consumer's own plain log handler writes to /dev/null: its lines still reach the app's (JSON) handler.
serve-prod: translations
	$(FLASK) db upgrade
	@mkdir -p $(METRICS_DIR) && find $(METRICS_DIR) -name '*.db' -delete
	@echo "gunicorn on $${BIND:-0.0.0.0:$${PORT:-8000}} and one job worker (Ctrl-C stops both)"
	@trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	export PROMETHEUS_MULTIPROC_DIR=$(METRICS_DIR) LOG_FORMAT=$${LOG_FORMAT:-json}; \
	$(BIN)/huey_consumer shop.worker.huey -w $(WORKER_THREADS) -k thread -l /dev/null & \
	$(BIN)/gunicorn -c gunicorn.conf.py app:app

worker: install
	$(BIN)/huey_consumer shop.worker.huey -w $(WORKER_THREADS) -k thread

test: translations
	$(BIN)/python -m pytest -q

test-pg: translations
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .

# make security: bandit (no medium or high finding in shop/), ruff, and pip-audit when its database answers
# (.ci/audit says "NOT checked" when it does not; AUDIT_REQUIRED=1 turns that into a failure).
.PHONY: security
security: install
	$(BIN)/bandit -q -r shop -ll
	$(BIN)/ruff check .
	BIN=$(BIN) .ci/audit

# make bench: the shop under load (wrk) on SQLite and PostgreSQL with the large data set; see bench/README.md.
.PHONY: bench-import
bench: translations
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	@pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null || pg_ctlcluster --skip-systemctl-redirect "$$(ls /etc/postgresql)" main start || true
	$(BIN)/python bench/run.py $(BENCH_ARGS)

bench-import: translations
	$(BIN)/python bench/import_bench.py

# make fuzz: atheris on the catalog importer and the image pipeline, FUZZ_SECONDS each (crashes land in instance/fuzz).
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz: install
	@mkdir -p instance/fuzz
	$(BIN)/python bench/fuzz_importer.py -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=instance/fuzz/importer-
	$(BIN)/python bench/fuzz_images.py -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=instance/fuzz/images-

# The store page on an emulated slow network and CPU, with the issue's time budgets asserted (see README).
bench-phone: translations
	PHONE_BUDGETS=1 $(BIN)/python -m pytest -q -s -p no:cacheprovider tests/browser/test_slow_network.py

lighthouse: translations
	bench/lighthouse.sh

# make screenshots: every key page at 360x740 and 390x844, English and Chinese, and one contact sheet of them all.
.PHONY: screenshots
screenshots: translations
	$(BIN)/python -m pytest -q -s tests/browser/test_screenshots.py
	@echo "Screenshots in test-artifacts/screenshots/phones/, contact sheet test-artifacts/screenshots/contact-sheet.png"

clean:
	rm -rf $(VENV) instance .pytest_cache test-artifacts
