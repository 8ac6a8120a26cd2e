# The two commands of the README: `make run` and `make test`. Each builds .venv/ itself.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test venv lint audit lock clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)  ## serve the web app + Celery worker + beat on demo data (a child that exits is restarted)
	$(PY) scripts/stack.py run

test: $(STAMP)  ## the whole test suite on PostgreSQL and Redis (project-local ones when none is configured)
	$(PY) scripts/stack.py test $(ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .

# Known vulnerabilities in every locked dependency (PyPA advisory database through the PyPI JSON API).
# --strict: a package that could not be looked up fails the run instead of passing unaudited.
audit: $(STAMP)
	$(PY) -m pip_audit -r requirements.lock --no-deps --disable-pip --strict --progress-spinner off

lock:  ## re-pin every dependency after changing pyproject.toml
	$(PY) -m pip install --quiet -e '.[dev,embedded]' && $(PY) -m pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf $(VENV) var
