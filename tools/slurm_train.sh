#!/usr/bin/env bash
# tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [train.py args]
# (mmdet's interface; env: see srun_tool.sh -- on a cluster without GPUs
# set GRES= and the GPUS tasks train on CPU with gloo)
exec bash "$(dirname "$0")/srun_tool.sh" "$1" "$2" train.py "$3" \
    --work-dir="$4" "${@:5}"
