"""Real distributed training on CPU (gloo, 2 processes) through
tools/dist_train.sh, and a run killed with SIGKILL that resumes to the same
weights as an uninterrupted one."""
import glob
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import torch
from helpers import ROOT, subprocess_env

from focal_iou_mmdet import register_all_modules
from focal_iou_mmdet.runs import TINY_RUN_OPTIONS, as_cfg_options

register_all_modules()

CONFIG = os.path.join(ROOT, 'configs', 'cpu',
                      'retinanet_r18-c16_fpn_focal-ciou_12e_shapes.py')
OPTIONS = as_cfg_options(TINY_RUN_OPTIONS) + [
    'default_hooks.checkpoint.max_keep_ckpts=-1'  # keep epoch_1.pth
]


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _env(data_root, **extra):
    return subprocess_env(SHAPES_ROOT=data_root, PYTHON=sys.executable,
                          OMP_NUM_THREADS='1', **extra)


def _state(path):
    return torch.load(path, map_location='cpu', weights_only=True)


@pytest.mark.slow
def test_dist_train_two_cpu_processes(tiny_shapes, tmp_path):
    work = str(tmp_path / 'dist')
    cmd = ['bash', os.path.join(ROOT, 'tools', 'dist_train.sh'), CONFIG, '2', '--work-dir', work,
           '--cfg-options', 'train_cfg.max_epochs=1'] + OPTIONS
    # mmengine's collect_results_cpu leaves '.dist_test' in the working
    # folder: run from tmp_path, as a user runs from their own project
    out = subprocess.run(cmd, cwd=tmp_path, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, timeout=600,
                         env=_env(tiny_shapes, PORT=str(free_port())))
    log = out.stdout  # one stream, so a failure shows in its place
    assert out.returncode == 0, log[-4000:]
    assert 'Distributed training: True' in log
    assert 'GPU number: 2' in log  # mmengine's name for the world size
    # 8 images, 4 per process, 2 processes: one iteration per epoch
    assert 'Epoch(train) [1][1/1]' in log
    ckpt = _state(os.path.join(work, 'epoch_1.pth'))
    keys = list(ckpt['state_dict'])
    assert keys and not any(k.startswith('module.') for k in keys)
    assert 'rng_state' in ckpt


def _train(work, epochs, data_root, resume=False):
    cmd = [sys.executable, 'tools/train.py', CONFIG, '--work-dir', work,
           '--cfg-options', f'train_cfg.max_epochs={epochs}'] + OPTIONS
    if resume:
        cmd.append('--resume')
    return cmd


@pytest.mark.slow
def test_killed_run_resumes_to_identical_weights(tiny_shapes, tmp_path):
    epochs = 2
    # uninterrupted reference
    ref = str(tmp_path / 'ref')
    out = subprocess.run(_train(ref, epochs, tiny_shapes), cwd=ROOT,
                         env=_env(tiny_shapes), capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]

    # the same run, killed -9 once epoch 1's checkpoint is written
    work = str(tmp_path / 'killed')
    proc = subprocess.Popen(_train(work, epochs, tiny_shapes), cwd=ROOT,
                            env=_env(tiny_shapes), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    last = os.path.join(work, 'last_checkpoint')
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        if os.path.exists(last) and open(last).read().strip().endswith(
                'epoch_1.pth'):
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, 'run ended before the kill'
    killed_at = int(open(last).read().strip().rsplit('_', 1)[1][:-4])
    assert 1 <= killed_at < epochs
    assert not os.path.exists(os.path.join(work, f'epoch_{epochs}.pth'))

    # resume: continues from the last checkpoint, not from scratch
    out = subprocess.run(_train(work, epochs, tiny_shapes, resume=True),
                         cwd=ROOT, env=_env(tiny_shapes), capture_output=True,
                         text=True, timeout=600)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-3000:]
    assert f'resumed epoch: {killed_at}' in log
    assert f'Epoch(train) [{killed_at}]' not in log
    assert f'Epoch(train) [{killed_at + 1}]' in log

    a = _state(os.path.join(ref, f'epoch_{epochs}.pth'))
    b = _state(os.path.join(work, f'epoch_{epochs}.pth'))
    assert a['state_dict'].keys() == b['state_dict'].keys()
    for k in a['state_dict']:
        assert torch.equal(a['state_dict'][k], b['state_dict'][k]), k
    sessions = glob.glob(os.path.join(work, '*', 'vis_data', 'scalars.json'))
    assert len(sessions) == 2


def _slurm_train_env(cluster, data_root):
    return dict(cluster.env, **_env(data_root), SLURM_CONF=cluster.conf,
                GRES='', GPUS='2', GPUS_PER_NODE='2', CPUS_PER_TASK='1',
                MASTER_PORT=str(free_port()))


@pytest.mark.slow
@pytest.mark.slurm
def test_slurm_train_two_ranks(slurm_cluster, tiny_shapes, tmp_path):
    work = str(tmp_path / 'slurm')
    cmd = ['bash', os.path.join(ROOT, 'tools', 'slurm_train.sh'),
           slurm_cluster.partition,
           'focal-iou-test', CONFIG, work, '--cfg-options',
           'train_cfg.max_epochs=1'] + OPTIONS
    out = slurm_cluster.run(cmd, cwd=str(tmp_path), timeout=600,
                            env=_slurm_train_env(slurm_cluster, tiny_shapes))
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-4000:] + slurm_cluster.logs()
    assert 'Distributed launcher: slurm' in log
    assert 'GPU number: 2' in log
    assert 'Epoch(train) [1][1/1]' in log
    ckpt = _state(os.path.join(work, 'epoch_1.pth'))
    assert ckpt['meta']['epoch'] == 1
