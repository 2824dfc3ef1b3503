#!/usr/bin/env bash
# tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args]
# (mmdet's interface; env: see srun_tool.sh)
exec bash "$(dirname "$0")/srun_tool.sh" "$1" "$2" test.py "$3" "$4" "${@:5}"
