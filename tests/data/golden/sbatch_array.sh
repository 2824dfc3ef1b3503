#!/usr/bin/env bash
# sweep coco_focal_ablation: task i trains the run on line i+1 of INDEX
# (written by tools/sweep.py run --launcher slurm)
INDEX=/sweeps/coco/slurm/array_20260101_000000.txt
RUN_DIR=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" "$INDEX")
exec /opt/venv/bin/python -u -m focal_iou_mmdet.sweep.launchers.worker "$RUN_DIR" --launcher slurm --max-attempts 5
