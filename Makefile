# The verbs of the Thi đua platform. Run `make help` for the list.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SERVICES := identity criteria scoring awards notify
export PYTHONPATH := $(CURDIR)

.DEFAULT_GOAL := help
.PHONY: help install web-assets migrate bus-setup demo-data up prune test screenshots lint format bench chaos manifests lock clean

help: ## List the verbs
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

install: $(VENV)/.installed web-assets ## Create the virtualenv and install the pinned dependencies

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $@

# The web application's front-end assets (web/package.json pins them; npm ci installs exactly
# package-lock.json) copied to web/static/vendor, and its compiled translations (docs/web.md).
WEB_VENDOR := web/static/vendor/htmx.min.js
WEB_CATALOGUES := $(patsubst %.po,%.mo,$(wildcard web/translations/*/LC_MESSAGES/messages.po))

web-assets: $(WEB_VENDOR) $(WEB_CATALOGUES)

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

$(WEB_VENDOR): web/node_modules/.package-lock.json | $(VENV)/.installed
	$(BIN)/python -m web vendor

web/translations/%/LC_MESSAGES/messages.mo: web/translations/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/python -m web compile-translations

migrate: install ## Apply every service's database migrations
	@for s in $(SERVICES); do $(BIN)/python -m services.$$s db upgrade || exit 1; done

bus-setup: install ## Declare the event bus exchanges and queues
	@for s in $(SERVICES); do $(BIN)/python -m services.$$s bus setup || exit 1; done

demo-data: migrate ## Load the reference data (provinces, mergers, regions, the sample award rules, holidays) and the demo accounts and registry
	$(BIN)/python -m services.identity reference load
	$(BIN)/python -m services.identity demo seed
	$(BIN)/python -m services.criteria demo load
	$(BIN)/python -m services.awards rules load services/awards/data/sample-award-rules.json --publish
	$(BIN)/python -m services.awards holidays load
	$(BIN)/python -m services.awards registry load services/awards/data/demo-registry.json

up: migrate bus-setup demo-data ## Run the whole platform on this machine (embedded mode), Ctrl-C stops it
	@rm -rf var/metrics && mkdir -p $(addprefix var/metrics/,$(SERVICES) gateway web)
	@echo "Thi đua platform: open http://127.0.0.1:8080  (API docs: http://127.0.0.1:8080/api/docs)"
	@$(BIN)/honcho --no-prefix start --procfile Procfile 2>&1

prune: install ## Archive old published events and expire Idempotency-Keys in every service, once (make up does it hourly)
	@for s in $(SERVICES); do $(BIN)/python -m services.$$s prune || exit 1; done

# Two pytest processes side by side on a 2-core machine: the second takes what waits mostly on
# other processes (the browser journeys, the fault campaign, the whole platform under gunicorn,
# the heartbeat and the killed POSTs) and the fuzzer, then identity's tests (which even the two out: 27 and 20 minutes without
# them); the first takes the rest (mostly one core and the databases). The second's output
# follows the first's. Both must pass. SIDE lists the second's tests.
SIDE := tests/web tests/campaign tests/test_fuzz.py tests/test_platform.py tests/test_heartbeat.py tests/test_idempotency_crash.py services/identity/tests services/awards/tests/test_decisions.py
test: install ## Run every test (PostgreSQL/RabbitMQ ones skip without them, unless CI=true)
	@mkdir -p var
	@$(BIN)/pytest -p no:cacheprovider --durations=15 $(SIDE) > var/test-side.log 2>&1 & side=$$!; \
	$(BIN)/pytest --durations=25 $(addprefix --ignore=,$(SIDE)); rest=$$?; \
	wait $$side; side_rc=$$?; \
	echo "=== run alongside: $(SIDE) ==="; cat var/test-side.log; \
	test $$rest -eq 0 && test $$side_rc -eq 0

screenshots: install ## Run the browser tests and write their screenshots into docs/screenshots/
	THIDUA_SCREENSHOTS=1 $(BIN)/pytest tests/web

# checkov, the manifests' scanner, pins packages that conflict with ours: it has a virtualenv
# of its own, from requirements-tools.txt (complete and exact, so pip resolves nothing).
TOOLS := .venv-tools

$(TOOLS)/.installed: requirements-tools.txt
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --upgrade pip
	$(TOOLS)/bin/pip install --quiet --no-deps -r requirements-tools.txt
	touch $@

lint: install $(TOOLS)/.installed ## ruff (lint and format), the import-linter contracts and checkov on deploy/k8s
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(TOOLS)/bin/checkov --config-file .checkov.yaml

format: install ## Rewrite the code in the project's style
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install ## Measure the platform and write docs/benchmarks.md
	$(BIN)/python -m bench

chaos: install ## The long fault campaign (SIGKILLs and connection cuts during a year-end), into docs/benchmarks.md
	$(BIN)/python -m bench --only chaos

manifests: install ## Check the deployment files in deploy/ (and render deploy/k8s when kubectl is here)
	$(BIN)/pytest -q tests/test_manifests.py
	@if command -v kubectl >/dev/null 2>&1; then \
		mkdir -p var && kubectl kustomize deploy/k8s > var/k8s.yaml && echo "rendered: var/k8s.yaml"; \
	fi

lock: ## Re-pin requirements*.txt from requirements*.in (needs the registry)
	rm -rf /tmp/thidua-lock && $(PYTHON) -m venv /tmp/thidua-lock
	/tmp/thidua-lock/bin/pip install --quiet -r requirements.in
	/tmp/thidua-lock/bin/pip freeze --exclude pip > requirements.txt
	/tmp/thidua-lock/bin/pip install --quiet -r requirements-dev.in
	/tmp/thidua-lock/bin/pip freeze --exclude pip | grep -vxFf requirements.txt > requirements-dev.txt

clean: ## Remove embedded-mode state (databases, the local bus, metrics) and the tools' virtualenv
	rm -rf var $(TOOLS)
