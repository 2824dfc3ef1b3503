"""A real training run of a focal variant through ``mim train`` on a tiny
generated COCO-format set, evaluated by mmdet's CocoMetric (pycocotools);
and the wheel that ``mim`` needs.  (tools/train.py itself trains in
test_distributed.py.)"""
import glob
import json
import os
import subprocess
import sys
import zipfile

import pytest
from conftest import ROOT, subprocess_env

from focal_iou_mmdet.runs import TINY_RUN_OPTIONS, as_cfg_options

CONFIG = 'retinanet_r18-c16_fpn_focal-ciou_12e_shapes.py'
# one short epoch, no worker processes: seconds on 2 cores
SHORT = ['--cfg-options', 'train_cfg.max_epochs=1'] + as_cfg_options(
    TINY_RUN_OPTIONS)


def _env(data_root):
    return subprocess_env(SHAPES_ROOT=data_root)


def _check_run(work_dir, out):
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    scalars = glob.glob(os.path.join(work_dir, '*', 'vis_data', 'scalars.json'))
    assert len(scalars) == 1, os.listdir(work_dir)
    records = [json.loads(line) for line in open(scalars[0])]
    train = [r for r in records if 'loss_bbox' in r]
    val = [r for r in records if 'coco/bbox_mAP' in r]
    assert train and all(r['loss_bbox'] > 0 for r in train)
    assert len(val) == 1 and 0 <= val[0]['coco/bbox_mAP'] <= 1
    assert os.path.exists(os.path.join(work_dir, 'epoch_1.pth'))
    with open(glob.glob(os.path.join(work_dir, '*', 'vis_data',
                                     'config.py'))[0]) as f:
        assert "iou_variant='ciou'" in f.read()  # the focal variant ran


@pytest.mark.slow
def test_mim_train_by_config_name(tiny_shapes, tmp_path):
    """``mim train focal_iou_mmdet <name>`` finds the config and the train
    script inside the installed package (.mim/), as a user's would."""
    mim = os.path.join(os.path.dirname(sys.executable), 'mim')
    if not os.path.exists(mim):
        pytest.fail('mim is not installed (make test installs openmim)')
    work_dir = str(tmp_path / 'work')
    out = subprocess.run(
        [mim, 'train', 'focal_iou_mmdet', CONFIG, '--work-dir', work_dir] +
        SHORT, cwd=str(tmp_path), env=_env(tiny_shapes), capture_output=True,
        text=True, timeout=600)
    text = out.stdout + out.stderr
    assert os.path.join('focal_iou_mmdet', '.mim', 'configs', 'cpu',
                        CONFIG) in text, text[-3000:]
    assert os.path.join('focal_iou_mmdet', '.mim', 'tools',
                        'train.py') in text
    _check_run(work_dir, out)


@pytest.mark.slow
def test_wheel_contains_mim_configs_and_tools(tmp_path):
    out = subprocess.run(
        [sys.executable, '-m', 'pip', 'wheel', '--no-deps',
         '--no-build-isolation', '-q', '-w', str(tmp_path), ROOT],
        capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    wheel, = glob.glob(str(tmp_path / 'focal_iou_mmdet-*.whl'))
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in glob.glob(os.path.join(ROOT, 'configs', '**', '*.py'),
                          recursive=True):
        rel = os.path.relpath(path, ROOT).replace(os.sep, '/')
        assert f'focal_iou_mmdet/.mim/{rel}' in names, rel
    for tool in ('train.py', 'test.py', 'dist_train.sh', 'slurm_train.sh'):
        assert f'focal_iou_mmdet/.mim/tools/{tool}' in names, tool
    assert 'focal_iou_mmdet/models/losses/focal_iou_loss.py' in names
    assert not any('__pycache__' in n for n in names)
