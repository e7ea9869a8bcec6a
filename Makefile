# Two entry points for a fresh machine (see README): `make run` and `make test`.
# Both install everything first: Debian's Chromium (for kaleido and browser tests) and the Python venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CORPUS ?= ../shared/corpus/s400 ../shared/corpus/turkey-nato.jsonl
PORT ?= 8050

.PHONY: setup run test bench chromium venv-support

setup: chromium $(STAMP)

# apt-get waits up to 5 minutes for another apt process (an unattended upgrade) to free its lock.
APT := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300

chromium:
	@if ! command -v chromium >/dev/null; then \
		echo "installing Debian's chromium"; \
		$(APT) update -qq && $(APT) install -y -qq chromium >/dev/null; \
	fi

venv-support:
	@if ! $(PYTHON) -c "import ensurepip, venv" 2>/dev/null; then \
		echo "installing python3-venv"; \
		$(APT) update -qq && $(APT) install -y -qq python3-venv >/dev/null; \
	fi

$(STAMP): requirements.txt constraints.txt | venv-support
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
