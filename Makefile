# calsnack — `make run` serves the embedded stack, `make test` runs everything CI runs.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# `make run` installs what the product needs (requirements.txt); the other targets add the CDK
# app, the tests and the tooling (requirements-dev.txt) on top.
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: run test lint typecheck unit layer synth bench messages clean

$(RUN_STAMP): requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(RUN_STAMP)

$(DEV_STAMP): $(RUN_STAMP) requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(DEV_STAMP)

run: $(RUN_STAMP)
	$(VENV)/bin/calsnack serve

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(DEV_STAMP)
	$(VENV)/bin/mypy layers/calsnack/python/calsnack lambdas infra app.py

# The summary lists every skipped test with its reason (-rs), and tests/conftest.py ends it with
# the optional system packages those tests need (README: "Optional system packages").
unit: $(DEV_STAMP)
	$(VENV)/bin/pytest -n 2 -q -rs

test: lint typecheck unit

# The Lambda layer as `cdk synth` bundles it (infra/layer.py), into build/layer for a look inside:
# the requirements' wheels for Lambda's platform (arm64, Python 3.12), then the package.
layer: $(DEV_STAMP)
	$(PY) -m infra.layer build/layer

synth: $(DEV_STAMP)
	$(VENV)/bin/python app.py

bench: $(DEV_STAMP)
	$(PY) -m bench

# The message catalogs (docs/languages.md): every string of the templates and the code, into
# locale/messages.pot and merged into each language's messages.po for its translator.
LOCALE := layers/calsnack/python/calsnack/locale
messages: $(DEV_STAMP)
	$(VENV)/bin/pybabel extract --quiet -F babel.cfg --sort-output --no-location --no-wrap --project calsnack \
		--copyright-holder "calsnack" -o $(LOCALE)/messages.pot .
	$(VENV)/bin/pybabel update --quiet --no-wrap --no-fuzzy-matching -i $(LOCALE)/messages.pot -d $(LOCALE)

clean:
	rm -rf build cdk.out .pytest_cache .mypy_cache .ruff_cache
