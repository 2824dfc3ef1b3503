# The two commands of the README.  Both set the environment up on first use
# (tools/setup.sh: .venv, CPU torch, mmcv built once and cached as a wheel).
# A checkout whose path holds a space gets its venv in the cache instead:
# torch.compile's C++ compiler does not quote the include paths of a torch
# installed under such a path.
space := $(subst ,, )
ifneq (,$(findstring $(space),$(CURDIR)))
VENV ?= $(HOME)/.cache/focal_iou_mmdet/venvs/$(shell printf '%s' "$(CURDIR)" | sha1sum | cut -c1-16)
else
VENV ?= .venv
endif
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
	@FOCAL_IOU_VENV="$(VENV)" bash tools/setup.sh

quickstart: setup
	"$(PY)" tools/quickstart.py $(ARGS)

test: setup
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} "$(PY)" -m pytest -q -ra \
		-n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

clean-venv:
	rm -rf "$(VENV)"
