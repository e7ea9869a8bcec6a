# Two entry points for a fresh machine (see README): `make run` and `make test`.
# Both install everything first: Debian's Chromium (for kaleido and browser tests) and the Python venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CORPUS ?= ../shared/corpus/s400 ../shared/corpus/turkey-nato.jsonl
PORT ?= 8050

.PHONY: setup run test bench chromium

setup: chromium $(STAMP)

chromium:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		echo "installing Debian's chromium and chromium-driver"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

$(STAMP): requirements.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip check
	touch $(STAMP)

run: setup
	$(PY) -m dashboard $(foreach c,$(CORPUS),--corpus $(c)) --port $(PORT)

test: setup
	$(PY) -m pytest -q tests

bench: setup
	$(PY) -m bench
