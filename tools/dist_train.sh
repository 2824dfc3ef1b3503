#!/usr/bin/env bash
# tools/dist_train.sh CONFIG GPUS [train.py args]   (mmdet's interface)
# env: NNODES NODE_RANK PORT MASTER_ADDR (see torchrun_tool.sh).  On a
# machine without CUDA, GPUS processes train on CPU with gloo.
exec bash "$(dirname "$0")/torchrun_tool.sh" train.py "$2" "$1" "${@:3}"
