#!/usr/bin/env bash
# sweep coco_focal_ablation: task i trains line i+1 of /sweeps/coco/slurm/array_20260101_000000.txt
# (written by tools/sweep.py run --launcher slurm)
export PYTHONPATH=/opt/site-packages${PYTHONPATH:+:$PYTHONPATH}
RUN_DIR=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" /sweeps/coco/slurm/array_20260101_000000.txt)
exec /opt/venv/bin/python -u -m focal_iou_mmdet.sweep.worker "$RUN_DIR" --launcher slurm --max-attempts 5
