# The two commands a newcomer needs: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: demo test install lint bench

# pip shows what it installs as it goes: a fresh clone takes about a minute here.
$(VENV)/.installed: pyproject.toml
	@echo "==> Installing Bencher and its dependencies into $(VENV)"
	python3 -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e ".[server,dev]"
	touch $@
	@echo "==> Installed: 'source $(VENV)/bin/activate' puts bencher on your PATH"

install: $(VENV)/.installed

demo: install
	scripts/setup-machine
	$(PY) scripts/demo.py

test: install
	scripts/setup-machine
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

bench: install
	$(PY) benchmarks/run_all.py
