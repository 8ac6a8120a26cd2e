# The two commands of the README: `make run` and `make test`. Each builds .venv/ itself.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test venv lint audit lock relock clean

# Developers and CI get both locks: what the service runs on, and the tests, benchmarks and tools.
# The production image (Dockerfile) installs requirements/runtime.lock alone.
LOCKS := requirements/runtime.lock requirements/dev.lock

$(STAMP): $(LOCKS) pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(addprefix -r ,$(LOCKS))
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)  ## serve the web app + Celery worker + beat on demo data (a child that exits is restarted)
	$(PY) scripts/stack.py run

test: $(STAMP)  ## the whole test suite on PostgreSQL and Redis (project-local ones when none is configured)
	$(PY) scripts/stack.py test $(ARGS)

lint: $(STAMP)  ## the static gates of make test, quickly: ruff, mypy, import contracts
	$(PY) -m ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# Known vulnerabilities in every locked dependency, runtime and development, from the live service (the PyPA
# advisory database through the PyPI JSON API). --strict: a package that could not be looked up fails the run
# instead of passing unaudited. It needs that service; `make test` also gates both locks, from the
# live service when it answers and otherwise from the dated offline snapshot (tests/assurance/test_vulnerabilities.py).
audit: $(STAMP)
	$(PY) -m pip_audit $(addprefix -r ,$(LOCKS)) --no-deps --disable-pip --strict --progress-spinner off

# Re-pin after changing pyproject.toml: runtime.lock = `dependencies` + the sms extra; dev.lock = what the dev and
# embedded extras add on top of it (runtime pins are constraints, never repeated). uv keeps every pin already in a
# lock unless pyproject.toml excludes it, so running it twice changes nothing; `make lock UPGRADE=1` moves every pin
# to the newest version pyproject.toml allows.
LOCK_FLAGS := --quiet --python-version 3.11 --python-platform linux --custom-compile-command "make lock" --no-strip-markers \
	$(if $(UPGRADE),--upgrade)
LOCK_DIR ?= requirements
lock: $(STAMP)
	$(MAKE) --no-print-directory relock

# The two resolutions themselves, into $(LOCK_DIR); tests/assurance/test_dependencies.py runs them into a copy and
# compares, so a lock that `make lock` would not write as it stands fails the suite.
relock:
	$(VENV)/bin/uv pip compile pyproject.toml --extra sms $(LOCK_FLAGS) -o $(LOCK_DIR)/runtime.lock
	$(VENV)/bin/uv pip compile pyproject.toml --extra sms --extra dev --extra embedded $(LOCK_FLAGS) \
		-c $(LOCK_DIR)/runtime.lock -o $(LOCK_DIR)/dev.lock \
		$$(sed -n 's/^\([A-Za-z0-9][A-Za-z0-9._-]*\)==.*/--no-emit-package \1/p' $(LOCK_DIR)/runtime.lock)

clean:
	rm -rf $(VENV) var
