#!/usr/bin/env bash
# Shared by slurm_train.sh and slurm_test.sh:
#   srun_tool.sh PARTITION JOB_NAME TOOL.py [TOOL args]
# env (mmdet's): GPUS GPUS_PER_NODE CPUS_PER_TASK SRUN_ARGS; and GRES,
# default gpu:$GPUS_PER_NODE -- set GRES= (empty) on a cluster without GPUs,
# where the GPUS tasks run on CPU with gloo.  PYTHON (default python).
set -x

PARTITION=$1
JOB_NAME=$2
TOOL=$3
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
GRES=${GRES-gpu:${GPUS_PER_NODE}}
SRUN_ARGS=${SRUN_ARGS:-""}
PYTHON=${PYTHON:-python}

# SRUN_ARGS is a list of srun options: split on spaces on purpose
# shellcheck disable=SC2086
srun -p "${PARTITION}" \
    --job-name="${JOB_NAME}" \
    ${GRES:+--gres="${GRES}"} \
    --ntasks="${GPUS}" \
    --ntasks-per-node="${GPUS_PER_NODE}" \
    --cpus-per-task="${CPUS_PER_TASK}" \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS} \
    "$PYTHON" -u "$(dirname "$0")/${TOOL}" "${@:4}" --launcher=slurm
