# Two entry points, each building its own environment from a fresh clone:
#   make demo   - run notebooks/quickstart.ipynb end to end, twice, and print the timings
#   make test   - run the whole test suite (Python and the js/ front-end tests)

PYTHON ?= python3
VENV ?= .venv
SHARED ?= $(abspath ../shared)
export PLLM_SHARED_DIR := $(SHARED)
export PLLM_EMBEDDING_MODEL_PATH := $(SHARED)/models/all-MiniLM-L6-v2-onnx
export HF_HUB_OFFLINE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# recallm's sdist, whose own test suite tests/compat/test_recallm_suite.py runs against pllm_notebook
# (downloaded once per environment; the test checks its pinned sha256 before running anything in it)
RECALLM_SDIST := $(VENV)/recallm-0.2.0.tar.gz
export PLLM_RECALLM_SDIST := $(abspath $(RECALLM_SDIST))

# The whole suite runs on PYTEST_WORKERS processes (pytest-xdist), a test file per worker at a time, so a
# module's kernels and servers stay in one process; most tests wait on kernels, browsers and servers, so
# two workers use two cores. PYTEST_ARGS=... runs serially (prints of -s reach the terminal) unless
# PYTEST_WORKERS is given too.
PYTEST_WORKERS ?= $(if $(PYTEST_ARGS),0,2)
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) --dist loadfile
# the whole-suite run also runs the store and the kill -9 test with the portable (Windows) lock
PORTABLE_LOCK_RUN := PLLM_LOCK=portable $(PYTEST) tests/store tests/reliability/test_kill9.py

.PHONY: demo test lint bench env clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

env: $(STAMP)

demo: $(STAMP)
	$(BIN)/python notebooks/run_demo.py notebooks/quickstart.ipynb

$(RECALLM_SDIST): $(STAMP)
	$(BIN)/pip download -q --no-binary :all: --no-deps recallm==0.2.0 -d $(VENV)

test: $(STAMP) $(RECALLM_SDIST)
	$(BIN)/ruff check pllm_notebook tests benchmarks notebooks
	$(BIN)/ruff format --check pllm_notebook tests benchmarks notebooks
	node --test js/
	$(PYTEST) $(PYTEST_ARGS)
	$(if $(PYTEST_ARGS),,$(PORTABLE_LOCK_RUN))

lint: $(STAMP)
	$(BIN)/ruff check --fix pllm_notebook tests benchmarks notebooks
	$(BIN)/ruff format pllm_notebook tests benchmarks notebooks

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pllm build *.egg-info
