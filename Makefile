# The two commands of the README.  Both set the environment up on first use
# (tools/setup.sh: .venv, CPU torch, mmcv built once and cached as a wheel).
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
# two test processes (pytest-xdist); the SLURM tests share one of them.
# One OpenMP thread each: two workers (and the trainings they start) on two
# cores, not four threads fighting over two.
TEST_WORKERS ?= 2

.PHONY: setup quickstart test clean-venv

setup:
	@bash tools/setup.sh

quickstart: setup
	$(PY) tools/quickstart.py $(ARGS)

test: setup
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} $(PY) -m pytest -q -ra \
		-n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

clean-venv:
	rm -rf $(VENV)
