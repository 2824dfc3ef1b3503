"""Sweeps that decide: the seeds planner on pilot runs, the report's
sequential and Holm-corrected verdicts, and a real ``run --until-decided``
on the tiny shapes set, killed between rounds and run again."""
import json
import os
import re
import signal
import subprocess
import time

import pytest
from helpers import (SHAPES_RETINANET, SWEEP, fake_coco_run, subprocess_env,
                     write_spec)
from helpers.sweep_specs import cpu_spec

from focal_iou_mmdet.runs import TINY_RUN_OPTIONS as TINY
from focal_iou_mmdet.sweep import load_spec
from focal_iou_mmdet.sweep.__main__ import main as sweep_main
from focal_iou_mmdet.sweep.plan import plan
from focal_iou_mmdet.sweep.report import report
from focal_iou_mmdet.sweep.spec.seed_rounds import (UntilDecided, added_seeds,
                                                    record_rounds, sweep_runs)

SHAPES = {'retinanet': SHAPES_RETINANET}


def _pilot(tmp_path, diffs, losses=('iou', 'focal-iou')):
    spec = cpu_spec(tmp_path, axes={'loss': list(losses),
                                    'seed': list(range(len(diffs)))},
                    exclude=[], configs=SHAPES)
    runs = plan(spec)
    for r in runs:
        k = r.values['seed']
        ap = 0.30 + (diffs[k] / 100 if r.values['loss'] != 'iou' else 0)
        fake_coco_run(spec.run_dir(r.id), [ap])
    return spec, runs


def test_seeds_plans_from_the_pilot_spread(tmp_path, capsys):
    spec, _ = _pilot(tmp_path, [1.0, 2.0, 0.0])
    assert sweep_main(['seeds', spec.path, '--delta', '1.0']) == 0
    out = capsys.readouterr().out
    assert 'retinanet, focal-iou vs retinanet, iou: ΔAP +1.0, 95% t [' in out
    assert 'sd of the paired differences 1.00 (3 pilot seed pairs); fixed ' \
        'n: 10 seeds' in out
    assert 'sequential: ' in out and 'seeds expected' in out
    assert sweep_main(['seeds', spec.path, '--delta', '1.0', '--sigma',
                       '2.0']) == 0
    assert '(given by --sigma); fixed n: 34 seeds' in capsys.readouterr().out


def test_seeds_says_how_many_pilot_seeds_to_run_first(tmp_path, capsys):
    spec, _ = _pilot(tmp_path, [1.0])
    assert sweep_main(['seeds', spec.path, '--delta', '1.0']) == 0
    assert 'not enough data to plan from (1 seed pair; a verdict needs at ' \
        'least 3): run more seeds of both first, or give --sigma' in \
        capsys.readouterr().out
    with pytest.raises(SystemExit) as e:
        sweep_main(['seeds', spec.path, '--delta', '-1'])
    assert e.value.code == 2
    assert '--delta: must be a number > 0' in capsys.readouterr().err


def test_report_corrects_the_whole_grid(tmp_path):
    # three variants at n=5: one clearly ahead, two ahead at p=0.037 and
    # p=0.046, which a grid of three cannot call (Holm: 0.073 and 0.073)
    spec = cpu_spec(tmp_path, axes={
        'loss': ['iou', 'focal-iou', 'ciou', 'focal-ciou'],
        'seed': list(range(5))}, exclude=[], baseline={'loss': 'iou'},
        configs=SHAPES)
    runs = plan(spec)
    ahead = {'iou': 0, 'focal-iou': [3, 3.2, 2.9, 3.1, 3],
             'ciou': [1.0, 0.1, 1.6, 0.4, 0.9],
             'focal-ciou': [1.2, -0.1, 1.5, 0.5, 0.9]}
    for r in runs:
        bump = ahead[r.values['loss']]
        bump = bump[r.values['seed']] if bump else 0
        fake_coco_run(spec.run_dir(r.id), [0.3 + bump / 100])
    md = open(report(spec, runs)['md']).read()
    assert 'fixed-n 95% t-intervals over the seed pairs; verdicts ' \
        'corrected for 3 comparisons (Holm' in md
    assert ('- retinanet, focal-iou vs retinanet, iou: ΔAP +3.0, 95% t '
            '[+2.9, +3.2] (n=5 seeds, p=4.74e-07): beats; corrected for 3 '
            'comparisons: beats (p_adj=1.42e-06)') in md
    for loss in ('ciou', 'focal-ciou'):
        line = next(x for x in md.splitlines()
                    if x.startswith(f'- retinanet, {loss} vs'))
        assert line.endswith('): beats; corrected for 3 comparisons: no '
                             'measurable difference (p_adj=0.0731)'), line
    raw = open(report(spec, runs, correction=False)['md']).read()
    assert 'not corrected for the number of comparisons' in raw
    assert '; corrected:' not in raw


def test_a_sequential_report_draws_each_confidence_sequence(tmp_path):
    import matplotlib.image as mpimg
    spec, runs = _pilot(tmp_path, [2.0, 2.5, 1.5, 2.2, 1.8, 2.1])
    fixed = report(spec, runs, str(tmp_path / 'fixed'))
    record_rounds(spec, [], UntilDecided())  # as if run --until-decided
    out = report(spec, runs)
    [fig] = [f for f in out['figures']
             if f.endswith('confidence_sequences.png')]
    assert mpimg.imread(fig).shape[1] > 300
    md = open(out['md']).read()
    assert 'confidence_sequences.png' in md
    assert '(n=6 seeds, p=' in md and '): beats' in md
    # the table gives the anytime interval too, not the fixed-n one (which
    # no longer holds once seeds were added until decided)
    anytime = re.search(r'anytime 95% (\[\S+, \S+\])', md).group(1)
    row = next(x for x in md.splitlines() if '| focal-iou |' in x)
    assert '| ΔAP [anytime 95%] | ΔAP_s [anytime 95%] |' in md
    assert anytime in row, (anytime, row)
    assert not any(f.endswith('confidence_sequences.png')
                   for f in fixed['figures'])
    md = open(fixed['md']).read()
    assert '| ΔAP [95% t] |' in md and anytime not in md
    assert 'its 95% t-interval over the seeds' in md
    assert 'anytime-valid 95% confidence sequence' in open(out['md']).read()


@pytest.mark.parametrize('extra, message', [
    (['--until-decided', '--max-seeds', '1'],
     "--max-seeds: must be an integer from 2 to 1,000, got '1'"),
    (['--until-decided', '--seeds-per-round', '0'],
     "--seeds-per-round: must be an integer from 1 to 1,000, got '0'"),
    (['--until-decided', '--precision', '-1'],
     "--precision: must be a number > 0 and <= 100, got '-1'"),
    (['--until-decided', '--precision', 'nan'],
     "--precision: must be a number > 0 and <= 100, got 'nan'"),
    (['--until-decided', '--poll', '0'], "--poll: must be a number > 0"),
    (['--max-seeds', '8'], '--max-seeds is an option of --until-decided'),
    (['--poll', '5'], '--poll is an option of --until-decided'),
    (['--dry-run'],
     '--dry-run is an option of --launcher slurm, not of --launcher local'),
    (['--max-parallel', '4'], '--max-parallel is an option of --launcher '
     'slurm'),
])
def test_run_refuses_options_that_would_be_ignored(tmp_path, capsys, extra,
                                                   message):
    spec = cpu_spec(tmp_path, axes={'loss': ['iou'], 'seed': [0]},
                    exclude=[], configs=SHAPES)
    with pytest.raises(SystemExit) as e:
        sweep_main(['run', spec.path, '--launcher', 'local'] + extra)
    assert e.value.code == 2
    assert message in capsys.readouterr().err
    assert not os.path.exists(os.path.join(spec.work_dir,
                                           'until_decided.json'))


def test_slurm_options_are_refused_with_jobs(tmp_path, capsys):
    spec = cpu_spec(tmp_path, axes={'loss': ['iou'], 'seed': [0]},
                    exclude=[], configs=SHAPES)
    with pytest.raises(SystemExit):
        sweep_main(['run', spec.path, '--launcher', 'slurm', '--partition',
                    'p', '--jobs', '2'])
    assert '--jobs is an option of --launcher local, not of --launcher ' \
        'slurm' in capsys.readouterr().err


@pytest.mark.slow
def test_until_decided_killed_between_rounds_resumes(tmp_path, tiny_shapes):
    spec_path = write_spec(
        tmp_path / 'seq.yaml', name='seq', work_dir=str(tmp_path / 'wd'),
        configs=SHAPES, axes={'loss': ['iou', 'focal-iou'], 'seed': [0]},
        options=dict(TINY, epochs=1))
    spec = load_spec(spec_path)
    cmd = SWEEP + ['run', spec_path, '--launcher', 'local', '--jobs', '2',
                   '--until-decided', '--max-seeds', '2']
    env = subprocess_env(OMP_NUM_THREADS='1', SHAPES_ROOT=tiny_shapes)
    first = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 400
    while not added_seeds(spec) and first.poll() is None and \
            time.time() < deadline:
        time.sleep(0.2)
    first.send_signal(signal.SIGKILL)  # round 2 planned, not trained
    out1 = first.communicate()[0]
    assert added_seeds(spec), out1
    seed0 = spec.run_dir('retinanet_iou_seed0')
    mtime = os.stat(seed0.file('epoch_1.pth')).st_mtime_ns
    second = subprocess.run(cmd, env=env, capture_output=True, text=True,
                            timeout=600)
    out2 = second.stdout + second.stderr
    assert second.returncode == 0, out1 + out2
    assert os.stat(seed0.file('epoch_1.pth')).st_mtime_ns == mtime
    assert 'start  retinanet_iou_seed0' not in out2  # not retrained
    runs = sweep_runs(spec)
    assert sorted(r.id for r in runs) == sorted(
        f'retinanet_{loss}_seed{s}' for loss in ('iou', 'focal-iou')
        for s in (0, 1))
    assert 'or has its --max-seeds 2 seeds' in out2
    assert 'decides nothing before 5 seeds; with --max-seeds 2 every ' \
        'comparison ends undecided' in out2
    rep = subprocess.run(SWEEP + ['report', spec_path], env=env,
                         capture_output=True, text=True, timeout=300)
    assert rep.returncode == 0, rep.stderr
    assert 'anytime-valid 95% confidence sequences' in rep.stdout
    assert 'anytime 95% [' in rep.stdout and '(n=2 seeds' in rep.stdout
    assert 'confidence_sequences.png' in rep.stdout
    with open(os.path.join(spec.work_dir, 'until_decided.json')) as f:
        assert json.load(f)['options']['max_seeds'] == 2
