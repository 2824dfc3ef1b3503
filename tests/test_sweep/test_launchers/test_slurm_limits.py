"""Submit limits: ``--max-submit`` on the real test cluster (never more
jobs in the queue than allowed; the rest submitted as it drains), and the
association / QOS limits as ``sacctmgr`` prints them.  The test cluster
runs no accounting (no slurmdbd), so the sacctmgr answers come from a
stand-in that prints sacctmgr's ``-n -P`` format."""
import os
import re
import stat
import subprocess
import threading
import time

import pytest
from helpers import ROOT, SWEEP, subprocess_env, write_spec

from focal_iou_mmdet.runs import TINY_RUN_OPTIONS as TINY
from focal_iou_mmdet.sweep import expand, load_spec
from focal_iou_mmdet.sweep.launchers.slurm_limits import (queue_limit,
                                                          submit_limits)


def _fake_sacctmgr(tmp_path, assoc, qos):
    """A ``sacctmgr`` that answers ``show assoc`` and ``show qos``."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    script = bin_dir / 'sacctmgr'
    script.write_text(
        '#!/usr/bin/env bash\n'
        f'case "$*" in *"show assoc"*) printf %b {assoc!r};;\n'
        f'  *"show qos normal"*) printf %b {qos!r};;\n'
        '  *) exit 1;; esac\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(bin_dir)


@pytest.mark.parametrize('assoc, qos, expected', [
    ('100|normal\n', '4|\n', {'MaxSubmitJobs (association)': 100,
                              'MaxSubmitJobsPerUser (QOS normal)': 4}),
    ('|normal\n', '|50\n', {'MaxSubmitJobs (QOS normal)': 50}),
    ('|\n', '', {}),
])
def test_submit_limits_from_sacctmgr(tmp_path, monkeypatch, assoc, qos,
                                     expected):
    monkeypatch.setenv('PATH', _fake_sacctmgr(tmp_path, assoc, qos) + ':'
                       + os.environ['PATH'])
    assert submit_limits('someone') == expected
    limit = queue_limit(None)
    assert limit == (min(expected.values()), min(expected, key=expected.get)
                     ) if expected else limit is None
    assert queue_limit(7) == (7, '--max-submit')


def test_no_accounting_is_no_limit(tmp_path, monkeypatch):
    monkeypatch.setenv('PATH', str(tmp_path))  # no sacctmgr at all
    assert submit_limits('someone') == {} and queue_limit(None) is None


def _count_queue(cluster, stop, seen):
    while not stop.is_set():
        out = cluster.run(['squeue', '-h', '-r', '-o', '%i'])
        seen.append(sum(1 for x in out.stdout.splitlines() if x.strip()))
        time.sleep(0.2)


@pytest.mark.slow
@pytest.mark.slurm
def test_max_submit_never_overfills_the_queue(slurm_cluster, tmp_path,
                                              tiny_shapes):
    path = write_spec(
        tmp_path / 'q.yaml', name='q', work_dir=str(tmp_path / 'wd'),
        configs={'retinanet': 'retinanet_r18-c16_fpn_{loss}_12e_shapes.py'},
        axes={'loss': ['iou', 'giou', 'focal-iou']},
        options=dict(TINY, epochs=1))
    env = subprocess_env(SLURM_CONF=slurm_cluster.conf, OMP_NUM_THREADS='1',
                         SHAPES_ROOT=tiny_shapes)
    stop, seen = threading.Event(), []
    watcher = threading.Thread(target=_count_queue,
                               args=(slurm_cluster, stop, seen))
    watcher.start()
    try:
        sub = subprocess.run(
            SWEEP + ['run', path, '--launcher', 'slurm', '--partition',
                     slurm_cluster.partition, '--gres', '',
                     '--cpus-per-task', '1', '--max-submit', '2',
                     '--submit-poll', '1'], cwd=ROOT, env=env,
            capture_output=True, text=True, timeout=600)
        out = sub.stdout + sub.stderr
        assert sub.returncode == 0, out + slurm_cluster.logs()
        for job in re.findall(r'array job\(s\) (\d+)', out):
            slurm_cluster.wait_job(job, timeout=600)
    finally:
        stop.set()
        watcher.join()
    assert ('1 run waits for room in the queue: it holds at most 2 of your '
            'jobs (--max-submit), 0 are in it now') in out, out
    assert len(re.findall(r'submitted \d+ runs', out)) >= 2, out
    assert seen and max(seen) <= 2, seen
    spec = load_spec(path)
    for r in expand(spec):
        st = spec.run_dir(r.id).read_status()
        assert st.state == 'done' and st.attempts == 1, (r.id, st)
