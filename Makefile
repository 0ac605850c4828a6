# The two commands of the README: `make demo` and `make test`. Both create .venv and install
# the pinned dependencies on a fresh Debian/Ubuntu machine with Python 3.11+.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint bench clean dist dist-smoke

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/activo demo

test: install
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .

# Every benchmark in bench/, one after the other; figures go to docs/benchmarks.md.
bench: install
	@status=0; for script in bench/bench_*.py; do \
	  echo "== $$script"; $(BIN)/python $$script || status=1; \
	done; exit $$status

clean:
	rm -rf $(VENV) .demo build dist .pytest_cache .ruff_cache

# The frozen agent (issue 7): built from .venv-dist, which holds only requirements-agent.lock (the
# agent's base dependencies + PyInstaller), so nothing of the server or the tests is dragged in.
DIST_VENV  := .venv-dist
DIST_STAMP := $(DIST_VENV)/.installed

$(DIST_STAMP): requirements-agent.lock
	test -x $(DIST_VENV)/bin/python || $(PYTHON) -m venv $(DIST_VENV)
	$(DIST_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-agent.lock
	$(DIST_VENV)/bin/python -m pip check
	touch $(DIST_STAMP)

dist: $(DIST_STAMP)
	rm -rf dist/activo
	$(DIST_VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN \
		--distpath dist --workpath build/pyinstaller installer/activo.spec

dist-smoke: dist install
	$(BIN)/python installer/smoke_bundle.py --bundle dist/activo --server-python $(BIN)/python
