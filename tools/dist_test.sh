#!/usr/bin/env bash
# tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py args]   (mmdet's interface)
exec bash "$(dirname "$0")/torchrun_tool.sh" test.py "$3" "$1" "$2" "${@:4}"
