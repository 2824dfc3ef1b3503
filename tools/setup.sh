#!/usr/bin/env bash
# Create (or update) the project's virtual environment.
#
# Idempotent: a second run on the same machine takes seconds.  The only slow
# step, building mmcv 2.1.0 with its compiled ops (~18 min on 2 cores), is done
# once per (mmcv, torch, python) triple; the wheel is cached under
# $FOCAL_IOU_CACHE (default ~/.cache/focal_iou_mmdet) and never reused with a
# different torch or python.
#
# Never pulls a CUDA torch: torch is pinned to the CPU build that lies on disk
# and every later install runs with a constraint that keeps it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${FOCAL_IOU_CACHE:-$HOME/.cache/focal_iou_mmdet}"
# a checkout whose path holds a space gets its venv in the cache (the
# Makefile agrees): torch.compile's C++ compiler does not quote include
# paths that hold one
case "$ROOT" in
    *" "*) DEFAULT_VENV="$HOME/.cache/focal_iou_mmdet/venvs/$(printf '%s' "$ROOT" | sha1sum | cut -c1-16)" ;;
    *) DEFAULT_VENV="$ROOT/.venv" ;;
esac
VENV="${FOCAL_IOU_VENV:-$DEFAULT_VENV}"
PY="${PYTHON:-python3}"

TORCH_VERSION="${TORCH_VERSION:-2.13.0}"
MMCV_VERSION="2.1.0"
MMENGINE_VERSION="0.10.7"
MMDET_VERSION="3.3.0"

log() { printf '[setup] %s\n' "$*" >&2; }

if [ ! -x "$VENV/bin/python" ]; then
    log "creating virtual environment $VENV"
    "$PY" -m venv "$VENV"
fi
VPY="$VENV/bin/python"
pip_q() { "$VPY" -m pip install --disable-pip-version-check -q "$@"; }

# The stamp records what is installed; the heavy part is skipped when the
# requirements did not change.
REQ_KEY="torch=$TORCH_VERSION mmcv=$MMCV_VERSION mmengine=$MMENGINE_VERSION mmdet=$MMDET_VERSION v11"
STAMP="$VENV/.focal_iou_deps"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$REQ_KEY" ]; then
    log "dependencies up to date ($REQ_KEY)"
else
    log "installing torch==$TORCH_VERSION (CPU) and build tools"
    # torch needs setuptools>=77; mmcv's build and mmengine's `mmdet::`
    # config lookup import pkg_resources, gone in setuptools 82.
    CONSTRAINTS="$VENV/constraints.txt"
    printf 'torch==%s\nsetuptools>=77,<82\n' "$TORCH_VERSION" > "$CONSTRAINTS"
    pip_q -c "$CONSTRAINTS" "torch==$TORCH_VERSION" setuptools wheel ninja "numpy<2.3"

    PYTAG="$("$VPY" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')"
    TORCH_TAG="$("$VPY" -c 'import torch; print(torch.__version__.replace("+", "_"))')"
    WHEEL_DIR="$CACHE/wheels/mmcv-$MMCV_VERSION-torch$TORCH_TAG-$PYTAG-$(uname -m)"
    if ! ls "$WHEEL_DIR"/mmcv-*.whl >/dev/null 2>&1; then
        log "building mmcv $MMCV_VERSION with ops against torch $TORCH_TAG ($PYTAG)"
        log "this takes ~20 minutes once per machine; the wheel is cached in $WHEEL_DIR"
        TMP="$(mktemp -d "$CACHE.build.XXXXXX" 2>/dev/null || { mkdir -p "$CACHE"; mktemp -d "$CACHE/build.XXXXXX"; })"
        # mmcv's setup.py imports torch and pkg_resources: no build isolation.
        MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
            "$VPY" -m pip wheel --disable-pip-version-check --no-deps --no-build-isolation \
            -c "$CONSTRAINTS" -w "$TMP" "mmcv==$MMCV_VERSION"
        mkdir -p "$(dirname "$WHEEL_DIR")"
        rm -rf "$WHEEL_DIR.partial"
        mv "$TMP" "$WHEEL_DIR.partial"
        mv -T "$WHEEL_DIR.partial" "$WHEEL_DIR"   # atomic publish
    else
        log "using cached mmcv wheel from $WHEEL_DIR"
    fi
    pip_q -c "$CONSTRAINTS" "$WHEEL_DIR"/mmcv-*.whl
    # pytest<9: pytest 9 derives a test's node id anew, so pytest-xdist's
    # --dist loadgroup (make test) can no longer tag it and ignores groups
    pip_q -c "$CONSTRAINTS" "mmengine==$MMENGINE_VERSION" "mmdet==$MMDET_VERSION" \
        pycocotools "faster-coco-eval>=1.6" "numba>=0.59" matplotlib "pytest<9" "pytest-xdist>=3.5" "hypothesis>=6" \
        "pydantic>=2,<3" pyyaml "ruamel.yaml>=0.18" build \
        click colorama model-index pandas requests rich tabulate \
        "mkdocs>=1.6,<2" "mkdocs-material>=9.5,<10" \
        tensorboard mlflow-skinny wandb
    # openmim's own dependency opendatalab -> openxlab pins setuptools 60
    # (below torch's minimum) and is used only by `mim download`.
    pip_q -c "$CONSTRAINTS" --no-deps "openmim==0.3.9"
    "$VPY" -m pip uninstall -y -q openxlab opendatalab 2>/dev/null || true
    pip_q -c "$CONSTRAINTS" "setuptools>=77,<82"
    "$VPY" -c "import mmcv.ops, mmdet, mmengine, torch; assert not torch.version.cuda, 'CUDA torch installed'"
    echo "$REQ_KEY" > "$STAMP"
fi

# Our package: a regular (non-editable) install, as `mim` needs
# (focal_iou_mmdet/.mim/{configs,tools} are packed at build time).
# (files git lists that are gone from the working tree are skipped)
PKG_KEY="$(cd "$ROOT" && { git ls-files -co --exclude-standard -- pyproject.toml setup.py focal_iou_mmdet configs tools 2>/dev/null || find pyproject.toml setup.py focal_iou_mmdet configs tools -type f; } | sort | while IFS= read -r f; do [ ! -f "$f" ] || cat -- "$f"; done | sha1sum | cut -c1-16)"
PKG_STAMP="$VENV/.focal_iou_pkg"
if [ -f "$PKG_STAMP" ] && [ "$(cat "$PKG_STAMP")" = "$PKG_KEY" ]; then
    log "focal_iou_mmdet up to date"
else
    log "installing focal_iou_mmdet from $ROOT"
    pip_q --no-deps --no-build-isolation --force-reinstall "$ROOT"
    # numba compiles the COCO match once per copy of the code and caches
    # it beside the code: the installed copy, and this checkout's
    log "compiling the COCO match (numba, cached)"
    WARM="from focal_iou_mmdet.evaluation.coco_match import compile_kernels as c; c()"
    VPY_ABS="$(cd "$(dirname "$VPY")" && pwd)/$(basename "$VPY")"
    (cd / && "$VPY_ABS" -c "$WARM" >/dev/null)
    (cd "$ROOT" && "$VPY_ABS" -c "$WARM" >/dev/null)
    echo "$PKG_KEY" > "$PKG_STAMP"
fi
log "ready: $VENV"
