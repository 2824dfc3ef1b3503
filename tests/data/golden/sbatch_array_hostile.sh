#!/usr/bin/env bash
# sweep s: task i trains the run on line i+1 of INDEX
# (written by tools/sweep.py run --launcher slurm)
INDEX='/tmp/x/nl
touch /tmp/x/pwned
#/array.txt'
RUN_DIR=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" "$INDEX")
exec /opt/venv/bin/python -m focal_iou_mmdet.sweep.launchers.worker "$RUN_DIR" --launcher slurm --max-attempts 5
