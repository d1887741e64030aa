# deepgrade: `make grade` grades the shipped examples, `make test` runs the whole suite.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
WORKERS ?= 2

.PHONY: setup grade test stubs bench lab nbgrader clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@bash scripts/setup.sh
	@touch $(STAMP)

grade: setup
	$(BIN)/autograder grade-examples

# pytest exits 5 when it collects nothing: not a failure of the code under test
test: setup
	$(BIN)/python -m pytest -q -n $(WORKERS) --dist worksteal --durations=25 tests || [ $$? -eq 5 ]

stubs: setup
	$(BIN)/autograder stubs

bench: setup
	$(BIN)/python -m tests.bench

# JupyterLab on the unit notebooks; as root (a container) it needs --allow-root
lab: setup
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/jupyter lab --notebook-dir=assignments $(if $(filter 0,$(shell id -u)),--allow-root)

# nbgrader's own commands in an nbgrader course folder, the venv's tools on PATH (nbgrader runs
# `alembic` by name), no venv to activate:
#   make nbgrader COURSE=course ARGS="generate_assignment unit01_foundations"
COURSE ?= course
nbgrader: setup
	cd $(COURSE) && PATH="$(abspath $(BIN)):$$PATH" $(abspath $(BIN))/nbgrader $(ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
