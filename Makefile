# deepgrade: `make grade` grades the shipped examples, `make test` runs the whole suite.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
WORKERS ?= 2

.PHONY: setup grade test stubs bench lab clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@bash scripts/setup.sh
	@touch $(STAMP)

grade: setup
	$(BIN)/autograder grade-examples

# pytest exits 5 when it collects nothing: not a failure of the code under test
test: setup
	$(BIN)/python -m pytest -q -n $(WORKERS) tests || [ $$? -eq 5 ]

stubs: setup
	$(BIN)/autograder stubs

bench: setup
	$(BIN)/python -m tests.bench

lab: setup
	$(BIN)/jupyter lab --notebook-dir=assignments

clean:
	rm -rf $(VENV) build *.egg-info
