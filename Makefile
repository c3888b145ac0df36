# connect-sso-workshop: one-command set-up. `make lab` for the workshop, `make test` for the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export WORKSHOP_HOME ?= $(HOME)/.connect-sso-workshop

.PHONY: lab test workshop bench venv sandbox-start sandbox-stop clean

venv: $(STAMP)

# Re-install only when the package's dependencies change.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (connect-sso-workshop)" >/dev/null
	@touch $(STAMP)

## The main job: start the sandbox (when it is the target) and open JupyterLab on the notebooks.
lab: $(STAMP)
	$(BIN)/connect-sso-workshop lab

## The whole test suite (unit, sandbox, notebooks, browser).
test: $(STAMP)
	$(BIN)/python -m pytest

## Execute every notebook headless against a fresh sandbox and write a report.
workshop: $(STAMP)
	$(BIN)/connect-sso-workshop run --target sandbox --fresh

## Benchmarks: print figures and write bench/RESULTS.md.
bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
