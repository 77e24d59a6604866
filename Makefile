# exitlens — two commands: `make demo` and `make test` (each installs what it needs first).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install demo test test-fast lint typecheck check bench system-deps lock clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check setuptools==84.2.1 wheel==0.48.0
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: install
	$(VENV)/bin/exitlens demo --out exitlens-demo

system-deps:
	bash scripts/install-system-deps.sh

# Lint, types, then the whole suite, PostgreSQL tests included (a throwaway cluster is
# started and stopped).
test: install system-deps
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(VENV)/bin/mypy
	@set -e; dsn=$$(bash scripts/test-services.sh start); \
	status=0; EXITLENS_TEST_PG="$$dsn" $(PY) -m pytest -q || status=$$?; \
	bash scripts/test-services.sh stop; exit $$status

test-fast: install
	$(PY) -m pytest -q -m "not slow and not postgres"

lint: install
	$(VENV)/bin/ruff check src tests benchmarks scripts

typecheck: install
	$(VENV)/bin/mypy

check: lint typecheck test

bench: install
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b; done

# Regenerate requirements.lock from the pinned top-level set in pyproject (maintainers only).
lock:
	$(PY) -m pip freeze --all --exclude-editable | grep -v -E '^(exitlens|pip)==' | sort -f > requirements.lock

clean:
	rm -rf $(VENV) exitlens-demo .pytest_cache .mypy_cache .ruff_cache
