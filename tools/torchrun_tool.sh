#!/usr/bin/env bash
# Shared by dist_train.sh and dist_test.sh:
#   torchrun_tool.sh TOOL.py NPROC [TOOL args]
# env (mmdet's): NNODES NODE_RANK PORT MASTER_ADDR; PYTHON (default python).
# On a machine without CUDA the NPROC processes run on CPU with gloo.
TOOL=$1
NPROC=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
PYTHON=${PYTHON:-python}

"$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$NPROC" \
    --master_port="$PORT" \
    "$(dirname "$0")/${TOOL}" \
    "${@:3}" \
    --launcher pytorch
