"""Installing the wheel into a user's existing MMDetection environment.

A user already has torch, mmcv (with ops), mmengine and mmdet.  The test
builds our wheel, makes a fresh virtual environment that already holds
those packages (links to what this checkout's ``.venv`` installed: the CPU
torch, mmcv from the cached wheel, mmdet 3.3, minus our own package),
installs the wheel with pip from a folder holding nothing but the wheel (no
index: pip can add nothing else, so a wheel that needed to replace one of
the user's packages fails to install), and checks
that pip installed our package only, that torch/mmcv/mmengine/mmdet are the
same before and after, that the console script exists, and that ``mim train
focal_iou_mmdet <config name>`` finds the config and the train script inside
the new environment and trains one real epoch (CocoMetric, pycocotools).
"""
import glob
import json
import os
import site
import subprocess
import sys
import zipfile

import pytest
from helpers import ROOT, subprocess_env

from focal_iou_mmdet.runs import TINY_RUN_OPTIONS, as_cfg_options

CONFIG = 'retinanet_r18-c16_fpn_focal-ciou_12e_shapes.py'
SHORT = ['--cfg-options', 'train_cfg.max_epochs=1'] + as_cfg_options(
    TINY_RUN_OPTIONS)
THEIRS = ('torch', 'mmcv', 'mmengine', 'mmdet')
_VERSIONS = ('import importlib.metadata as m, json; print(json.dumps('
             '{n: [m.version(n), str(m.distribution(n).locate_file(""))] '
             'for n in %r}))' % (THEIRS, ))


def _run(cmd, **kw):
    kw.setdefault('timeout', 600)
    out = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert out.returncode == 0, (cmd, out.stdout[-3000:], out.stderr[-3000:])
    return out


def _build_wheel(out_dir):
    _run([sys.executable, '-m', 'pip', 'wheel', '--no-deps',
          '--no-build-isolation', '-q', '-w', str(out_dir), ROOT])
    wheel, = glob.glob(os.path.join(str(out_dir), 'focal_iou_mmdet-*.whl'))
    return wheel


def _check_wheel_contents(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in glob.glob(os.path.join(ROOT, 'configs', '**', '*.py'),
                          recursive=True):
        rel = os.path.relpath(path, ROOT).replace(os.sep, '/')
        assert f'focal_iou_mmdet/.mim/{rel}' in names, rel
    for tool in ('train.py', 'test.py', 'dist_train.sh', 'slurm_train.sh'):
        assert f'focal_iou_mmdet/.mim/tools/{tool}' in names, tool
    assert 'focal_iou_mmdet/models/losses/focal_iou_loss.py' in names
    assert any('.dist-info/' in n and n.endswith('LICENSE') for n in names)
    assert not any('__pycache__' in n for n in names)
    meta = next(n for n in names if n.endswith('.dist-info/METADATA'))
    metadata = zipfile.ZipFile(wheel).read(meta).decode()
    requires = [line for line in metadata.splitlines()
                if line.startswith('Requires-Dist:') and 'extra ==' not in line]
    for name in ('torch', 'mmcv', 'mmengine', 'setuptools'):
        assert not any(f'Requires-Dist: {name}' in r for r in requires), \
            requires  # the user's own, never pulled by our wheel
    assert 'Classifier: License :: OSI Approved' in metadata


def _user_env(tmp_path):
    """A fresh venv that already holds torch, mmcv, mmengine and mmdet: every
    entry of this checkout's site-packages but our own package, linked."""
    venv = tmp_path / 'user-env'
    _run([sys.executable, '-m', 'venv', '--without-pip', str(venv)])
    py = str(venv / 'bin' / 'python')
    own_site = _run([py, '-c', 'import sysconfig; '
                     'print(sysconfig.get_paths()["purelib"])']).stdout.strip()
    ours = ('focal_iou_mmdet', '__editable__')
    for src in site.getsitepackages():
        for name in os.listdir(src):
            dst = os.path.join(own_site, name)
            if not name.startswith(ours) and not os.path.exists(dst):
                os.symlink(os.path.join(src, name), dst)
    return venv, py, own_site


@pytest.mark.slow
def test_wheel_installs_beside_existing_mmdet(tiny_shapes, tmp_path):
    wheel = _build_wheel(tmp_path / 'dist')
    _check_wheel_contents(wheel)
    venv, py, own_site = _user_env(tmp_path)
    before = json.loads(_run([py, '-c', _VERSIONS]).stdout)

    report = tmp_path / 'pip-report.json'
    env = dict(os.environ, PIP_FIND_LINKS='', PIP_NO_INDEX='1')
    _run([sys.executable, '-m', 'pip', '--python', py, 'install', '-q',
          '--no-index', '--find-links', os.path.dirname(wheel),
          '--report', str(report), wheel], env=env)
    installed = [i['metadata']['name']
                 for i in json.load(open(report))['install']]
    assert installed == ['focal-iou-mmdet'], installed
    assert json.loads(_run([py, '-c', _VERSIONS]).stdout) == before
    assert os.path.exists(os.path.join(own_site, 'focal_iou_mmdet'))
    assert os.access(str(venv / 'bin' / 'focal-iou-sweep'), os.X_OK)
    out = _run([str(venv / 'bin' / 'focal-iou-sweep'), '-h'])
    assert 'focal-iou-sweep' in out.stdout

    work_dir = str(tmp_path / 'work')
    out = _run([py, '-m', 'mim', 'train', 'focal_iou_mmdet', CONFIG,
                '--work-dir', work_dir] + SHORT, cwd=str(tmp_path),
               env=subprocess_env(SHAPES_ROOT=tiny_shapes))
    text = out.stdout + out.stderr
    mim_dir = os.path.join(own_site, 'focal_iou_mmdet', '.mim')
    assert os.path.join(mim_dir, 'configs', 'cpu', CONFIG) in text, text[-3000:]
    assert os.path.join(mim_dir, 'tools', 'train.py') in text
    _check_run(work_dir)


def _check_run(work_dir):
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
