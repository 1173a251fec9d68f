# Operator interface (see README.md): make run, make test, make bench.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
CORPUS ?= corpus/demo
# One index folder per corpus (its name and a hash of its absolute path), so that a second
# `make run CORPUS=...` never rebuilds, and switches, the index another instance serves.
CORPUS_KEY := $(notdir $(patsubst %/,%,$(CORPUS)))-$(shell printf '%s' '$(abspath $(CORPUS))' | cksum | cut -d' ' -f1)
export SEARCH_INDEX_DIR ?= $(CURDIR)/var/index/$(CORPUS_KEY)

.PHONY: install install-dev install-cluster browser axe wrk run cluster index index-dir test bench clean

$(BIN)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(BIN)/.installed-dev: requirements-dev.txt $(BIN)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# Ray Serve for cluster mode (make cluster, the cluster tests); make run never needs it.
$(BIN)/.installed-cluster: requirements-cluster.txt $(BIN)/.installed
	$(BIN)/pip install --quiet -r requirements-cluster.txt
	touch $@

install: $(BIN)/.installed
install-dev: $(BIN)/.installed-dev
install-cluster: $(BIN)/.installed-cluster

# Debian's chromium and chromedriver for the widget tests (tools that fetch their own browser fail here).
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; \
	fi

# axe-core (npm), the accessibility checker the widget's browser tests run inside Chromium.
node_modules/axe-core/axe.min.js: package.json package-lock.json
	@if ! command -v npm >/dev/null; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm; \
	fi
	npm ci --no-audit --no-fund --silent
	touch $@

axe: node_modules/axe-core/axe.min.js

# Build the index from $(CORPUS) if there is none yet, then serve it with gunicorn.
run: install
	$(BIN)/python -m service.bootstrap $(CORPUS)
	SEARCH_CORPUS_PATHS=$${SEARCH_CORPUS_PATHS:-$(abspath $(CORPUS))} \
	  $(BIN)/gunicorn --config service/gunicorn_conf.py --bind 127.0.0.1:$(PORT) wsgi:app

# The demo corpus (or CORPUS) as a 2-shard index, served by a local Ray cluster (2 shards x
# 2 replicas) behind gunicorn on 127.0.0.1:$(PORT). Ctrl-C stops gunicorn and Ray.
cluster: install-cluster
	SEARCH_CORPUS_PATHS=$${SEARCH_CORPUS_PATHS:-$(abspath $(CORPUS))} \
	  $(BIN)/python -m service.cluster --shards 2 --bind 127.0.0.1:$(PORT) $(CORPUS)

index: install
	$(BIN)/flask --app wsgi reindex $(CORPUS)

# Where the index of CORPUS lives.
index-dir:
	@echo $(SEARCH_INDEX_DIR)

test: install-dev install-cluster browser axe
	$(BIN)/python -m pytest

# Debian's wrk, the load generator of the HTTP benchmark (it falls back to a Python client).
wrk:
	@if ! command -v wrk >/dev/null; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk; \
	fi

bench: install-dev wrk
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf var .pytest_cache .hypothesis test-artifacts node_modules
