# The two commands of the README.  Both set the environment up on first use
# (tools/setup.sh: .venv, CPU torch, mmcv built once and cached as a wheel).
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
# three test processes (pytest-xdist) on two cores: the SLURM tests share
# one of them, which mostly waits for the cluster (a requeued job is held
# back for minutes), so the other two keep both cores busy.  One OpenMP
# thread each: the workers and the trainings they start do not fight over
# the cores.
TEST_WORKERS ?= 3

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
