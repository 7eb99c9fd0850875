# calsnack — `make run` serves the embedded stack, `make test` runs everything CI runs.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: run test lint typecheck unit layer synth bench clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/calsnack serve

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy layers/calsnack/python/calsnack lambdas infra app.py

unit: $(STAMP)
	$(VENV)/bin/pytest -n 2 -q

test: lint typecheck unit

# The Lambda layer as `cdk synth` bundles it (infra/layer.py), into build/layer for a look inside:
# the requirements' wheels for Lambda's platform (arm64, Python 3.12), then the package.
layer: $(STAMP)
	$(PY) -m infra.layer build/layer

synth: $(STAMP)
	$(VENV)/bin/python app.py

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf build cdk.out .pytest_cache .mypy_cache .ruff_cache
