# ML prerequisites course. `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup system-deps release check-release demo test test-fast bench clean hub hub-stop hub-deps hub-bench

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml Makefile
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed (set PYTHON=...)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ml-prereqs)" >/dev/null
	$(PY) -m mlprereq.trust >/dev/null  # course notebooks open trusted in JupyterLab
	touch $(STAMP)

release: setup
	$(PY) -m mlprereq.release

check-release: setup
	$(PY) -m mlprereq.release --check

demo: setup
	$(PY) -m mlprereq.cli demo

# Debian packages the tests need (security tests fail, never skip, without them): bubblewrap for the grading
# sandbox, postgresql for tests/test_postgres.py, chromium for the browser tests. Installed here when root.
system-deps:
	@need=""; \
	command -v bwrap >/dev/null 2>&1 || need="$$need bubblewrap"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || need="$$need postgresql"; \
	test -x /usr/bin/chromium || need="$$need chromium"; \
	if [ -n "$$need" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing$$need"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$need </dev/null; \
	  else \
	    echo "make test needs Debian packages that are missing. Run: sudo apt-get install -y$$need"; exit 1; \
	  fi; \
	fi

test: setup system-deps hub-deps
	$(PY) -m pytest -n 2 --dist loadfile

test-fast: setup
	$(PY) -m pytest -m "not slow"

bench: setup
	$(PY) bench/setup_cell.py
	$(PY) bench/browser_setup.py
	$(PY) bench/run_notebooks.py

# The course on a JupyterHub at http://127.0.0.1:8631/ (docs/jupyterhub.md); run as root.
# HUB_ARGS passes options to `hub/hubctl.py start`, e.g. make hub HUB_ARGS="--students 20".
hub-deps:
	bash tests/install_hub_deps.sh

hub: setup hub-deps
	$(PY) hub/hubctl.py start $(HUB_ARGS)

hub-stop: setup
	$(PY) hub/hubctl.py stop

# Times `make hub` and a 20-student cohort's grade-to-feedback (bench/hub_bench.py; as root, 10-25 min).
hub-bench: setup hub-deps
	$(PY) bench/hub_bench.py $(BENCH_ARGS)

clean:
	rm -rf autograded submitted feedback gradebook.db grades.csv demo
