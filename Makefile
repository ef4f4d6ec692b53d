# The two commands: `make run` (embedded demo) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Test services: real PostgreSQL and Redis on this machine unless told otherwise.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/helpdesk
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15
# Test processes working at once (pytest-xdist, whole files each); 0 runs the suite in one.
TEST_WORKERS ?= 2

# make run: where the web app listens, and the base of the links in mail and SMS, which
# follows unless HELPDESK_BASE_URL says otherwise (e.g. a name others reach it by).
HELPDESK_HOST ?= 127.0.0.1
HELPDESK_PORT ?= 8000
HELPDESK_BASE_URL ?= http://$(HELPDESK_HOST):$(HELPDESK_PORT)

.PHONY: run test install oidc-provider lint migrations-check build-system system messages bench vendor clean

# Production's dependencies (requirements.txt) and the test and development tooling.
$(STAMP): requirements.txt requirements-dev.txt | build-system
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# The OpenID Connect provider the sign-in tests start (tests/oidc_provider, Node.js), exactly
# as its lock file says; npm's cache serves it again without the registry.
OIDC_PROVIDER := tests/oidc_provider
$(OIDC_PROVIDER)/node_modules/.installed: $(OIDC_PROVIDER)/package.json $(OIDC_PROVIDER)/package-lock.json
	npm ci --prefix $(OIDC_PROVIDER) --prefer-offline --no-audit --no-fund --loglevel=error
	touch $@

oidc-provider: $(OIDC_PROVIDER)/node_modules/.installed

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  Helpdesk:  http://$(HELPDESK_HOST):$(HELPDESK_PORT)/"
	@echo "  Mail and SMS the worker sends are written to var/mail/ and var/sms/; their links start $(HELPDESK_BASE_URL)/."
	@echo "  Stop with Ctrl-C."
	@echo ""
	HELPDESK_HOST="$(HELPDESK_HOST)" HELPDESK_PORT="$(HELPDESK_PORT)" HELPDESK_BASE_URL="$(HELPDESK_BASE_URL)" \
	  PATH="$(abspath $(BIN)):$$PATH" $(BIN)/honcho start

# Typed rooms: writes, reads and tasks.
TYPED := $(wildcard */services.py */services/*.py */selectors.py */selectors/*.py */tasks.py)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy $(TYPED)

migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

# Debian packages: what building python-ldap (sign-in with the directory) needs, for
# `make run` and `make test` alike; and what the suite needs besides: Chromium and its
# driver for the browser tests, GNU gettext for the catalogue checks, wrk for bench/api.py,
# Caddy to validate the proxy's deploy/Caddyfile (and to stand in front of two web processes
# in bench/scale_out.py), OpenLDAP's slapd, the directory the sign-in tests run against, and
# Dovecot's IMAP server, the mailbox the email intake tests read.
# Run as root, make installs the missing ones with apt-get; anyone else is told which and
# how, and stopped.
LDAP_HEADER ?= /usr/include/ldap.h
SASL_HEADER ?= /usr/include/sasl/sasl.h
SLAPD ?= /usr/sbin/slapd
DOVECOT ?= /usr/sbin/dovecot
BUILD_PACKAGES := $(if $(wildcard $(LDAP_HEADER)),,libldap-dev) $(if $(wildcard $(SASL_HEADER)),,libsasl2-dev)
SYSTEM_PACKAGES := $(if $(shell command -v chromium),,chromium) $(if $(shell command -v chromedriver),,chromium-driver) $(if $(shell command -v msgfmt),,gettext) $(if $(shell command -v wrk),,wrk) $(if $(shell command -v caddy),,caddy) $(if $(wildcard $(SLAPD)),,slapd) $(if $(wildcard $(DOVECOT)),,dovecot-imapd)

define install_debian_packages
	@missing="$(strip $(1))"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "Installing $$missing (apt-get)..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
	  echo "Missing Debian packages: $$missing. Install them as root, then run make again:" >&2; \
	  echo "  apt-get update && apt-get install -y $$missing" >&2; \
	  exit 1; \
	fi
endef

build-system:
	$(call install_debian_packages,$(BUILD_PACKAGES))

system:
	$(call install_debian_packages,$(BUILD_PACKAGES) $(SYSTEM_PACKAGES))

# Refresh the Bahasa Indonesia catalogue from the marked strings, and compile it.
messages: install system
	$(BIN)/python manage.py makemessages -l id --no-obsolete --ignore=tests --ignore=bench --ignore=var
	$(BIN)/python manage.py compilemessages -l id --ignore=.venv --ignore=var

test: install system oidc-provider lint migrations-check
	@services="$$(TEST_DATABASE_URL='$(TEST_DATABASE_URL)' TEST_BROKER_URL='$(TEST_BROKER_URL)' $(BIN)/python -m tests.services_probe)" \
	  && eval "$$services" && HELPDESK_VAR_DIR="$$(mktemp -d)" $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS); \
	  status=$$?; echo "Browser screenshots: $(CURDIR)/test-artefacts/"; exit $$status

bench: install
	BENCH_DATABASE_URL="$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/helpdesk_bench}" $(BIN)/python bench/queue_pages.py
	BENCH_SLA_DATABASE_URL="$${BENCH_SLA_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/helpdesk_bench_sla}" $(BIN)/python bench/sla_sweep.py
	$(BIN)/python bench/due_times.py
	BENCH_REPORTS_DATABASE_URL="$${BENCH_REPORTS_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/helpdesk_bench_reports}" $(BIN)/python bench/reports.py
	BENCH_NOTIFY_DATABASE_URL="$${BENCH_NOTIFY_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/helpdesk_bench_notify}" BENCH_NOTIFY_BROKER_URL="$${BENCH_NOTIFY_BROKER_URL:-redis://127.0.0.1:6379/12}" $(BIN)/python bench/notification_delivery.py
	BENCH_MAIL_DATABASE_URL="$${BENCH_MAIL_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/helpdesk_bench_mail}" $(BIN)/python bench/mail_intake.py
	BENCH_ALERTS_DATABASE_URL="$${BENCH_ALERTS_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/helpdesk_bench_alerts}" BENCH_ALERTS_BROKER_URL="$${BENCH_ALERTS_BROKER_URL:-redis://127.0.0.1:6379/5}" $(BIN)/python bench/alert_intake.py
	BENCH_SEARCH_DATABASE_URL="$${BENCH_SEARCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/helpdesk_bench_search}" $(BIN)/python bench/search.py
	BENCH_MAINTENANCE_DATABASE_URL="$${BENCH_MAINTENANCE_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/helpdesk_bench_maintenance}" $(BIN)/python bench/maintenance_generation.py
	BENCH_REPORTS_DATABASE_URL="$${BENCH_REPORTS_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/helpdesk_bench_reports}" BENCH_API_BROKER_URL="$${BENCH_API_BROKER_URL:-redis://127.0.0.1:6379/10}" BENCH_API_CACHE_URL="$${BENCH_API_CACHE_URL:-redis://127.0.0.1:6379/11}" $(BIN)/python bench/api.py
	BENCH_SCALE_DATABASE_URL="$${BENCH_SCALE_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/helpdesk_bench_scale}" BENCH_SCALE_BROKER_URL="$${BENCH_SCALE_BROKER_URL:-redis://127.0.0.1:6379/8}" BENCH_SCALE_CACHE_URL="$${BENCH_SCALE_CACHE_URL:-redis://127.0.0.1:6379/9}" $(BIN)/python bench/scale_out.py
	BENCH_ASSETS_DATABASE_URL="$${BENCH_ASSETS_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/helpdesk_bench_assets}" $(BIN)/python bench/asset_import.py

# Refresh the vendored front-end assets from the npm registry: each file whole, with the
# source map it names (collectstatic's manifest storage refuses a reference to a missing file).
vendor:
	rm -rf /tmp/helpdesk-vendor && mkdir -p /tmp/helpdesk-vendor
	cd /tmp/helpdesk-vendor && npm pack --silent bootstrap@5.3.9 htmx.org@2.0.11 chart.js@4.6.1 >/dev/null
	cd /tmp/helpdesk-vendor && tar xzf bootstrap-5.3.9.tgz && cp package/dist/css/bootstrap.min.css* package/dist/js/bootstrap.bundle.min.js* package/LICENSE $(CURDIR)/static/vendor/bootstrap/ && rm -rf package
	cd /tmp/helpdesk-vendor && tar xzf htmx.org-2.0.11.tgz && cp package/dist/htmx.min.js package/LICENSE $(CURDIR)/static/vendor/htmx/ && rm -rf package
	cd /tmp/helpdesk-vendor && tar xzf chart.js-4.6.1.tgz && cp package/dist/chart.umd.min.js package/dist/chart.umd.min.js.map package/LICENSE.md $(CURDIR)/static/vendor/chartjs/

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache $(OIDC_PROVIDER)/node_modules
