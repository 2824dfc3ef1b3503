"""Sweeps (tools/sweep.py): spec expansion and plan-time checks, status and
report on synthetic work dirs, then real sweeps -- local (killed and
restarted) and a SLURM array of 2-rank tasks with one task requeued."""
import csv
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from conftest import ROOT, lock_held_elsewhere, subprocess_env

from focal_iou_mmdet.runs import TINY_RUN_OPTIONS as TINY
from focal_iou_mmdet.runs import RunDir, config_path
from focal_iou_mmdet.sweep import SweepSpecError, expand, load_spec
from focal_iou_mmdet.sweep.plan import plan
from focal_iou_mmdet.sweep.report import (collect, report, result_note,
                                          status_table, summarize)
from focal_iou_mmdet.sweep.slurm import (SlurmOptions, sbatch_command,
                                         sbatch_script)
from focal_iou_mmdet.sweep.spec import fill_template, run_id
from focal_iou_mmdet.sweep.state import effective_states

SWEEP = [sys.executable, os.path.join(ROOT, 'tools', 'sweep.py')]
GOLDEN = os.path.join(ROOT, 'tests', 'golden')


def write_spec(path, **spec):
    import yaml
    with open(path, 'w') as f:
        yaml.safe_dump(spec, f, sort_keys=False)
    return str(path)


def cpu_spec(tmp_path, name='s', **extra):
    spec = dict(
        name=name, work_dir=str(tmp_path / 'wd'),
        configs={'retinanet': 'retinanet_r18-c16_fpn_{loss}_12e_shapes.py',
                 'ssd': 'ssd256_r18-c16_{loss}_12e_shapes.py'},
        axes={'loss': ['baseline', 'iou', 'focal-iou'],
              'box_head.loss_bbox.gamma': [None, 1.0], 'seed': [0, 1]},
        exclude=[{'loss': ['baseline', 'iou'],
                  'box_head.loss_bbox.gamma': [1.0]}],
        baseline={'loss': 'iou'})
    spec.update(extra)
    return load_spec(write_spec(tmp_path / f'{name}.yaml', **spec))


# --------------------------------------------------------------------------
# spec -> runs (no mmdet)


def test_expand_product_exclude_and_ids(tmp_path):
    spec = cpu_spec(tmp_path)
    runs = expand(spec)
    # 2 detectors x (baseline, iou: default gamma; focal-iou: 2 gammas) x 2
    assert len(runs) == 2 * (1 + 1 + 2) * 2
    ids = [r.id for r in runs]
    assert len(set(ids)) == len(ids)
    assert ids[:3] == ['retinanet_baseline_seed0', 'retinanet_baseline_seed1',
                       'retinanet_iou_seed0']
    focal = next(r for r in runs if r.id == 'ssd_focal-iou_gamma1.0_seed1')
    assert focal.base_config == 'ssd256_r18-c16_focal-iou_12e_shapes.py'
    assert focal.overrides == {'box_head.loss_bbox.gamma': 1.0,
                               'randomness.seed': 1}
    base = next(r for r in runs if r.id == 'retinanet_baseline_seed0')
    assert base.base_config == 'retinanet_r18-c16_fpn_12e_shapes.py'
    assert base.overrides == {'randomness.seed': 0}  # null gamma: untouched


def test_run_ids_are_stable_when_the_sweep_grows(tmp_path):
    small = {r.id: dict(r.values) for r in expand(cpu_spec(tmp_path))}
    grown = cpu_spec(tmp_path, name='g', axes={
        'loss': ['baseline', 'iou', 'focal-iou', 'focal-ciou'],
        'box_head.loss_bbox.gamma': [None, 1.0, 3.0], 'seed': [0, 1, 2]})
    big = {r.id: dict(r.values) for r in expand(grown)}
    for rid, values in small.items():
        assert big[rid] == values


def test_zip_varies_axes_together(tmp_path):
    spec = cpu_spec(tmp_path, axes={'loss': ['iou', 'focal-iou'],
                                    'seed': [0, 1],
                                    'optim_wrapper.optimizer.lr': [0.1, 0.2]},
                    zip=[['seed', 'optim_wrapper.optimizer.lr']],
                    exclude=[], configs={
                        'retinanet':
                        'retinanet_r18-c16_fpn_{loss}_12e_shapes.py'})
    runs = expand(spec)
    assert [r.id for r in runs] == [
        'retinanet_iou_seed0_lr0.1', 'retinanet_iou_seed1_lr0.2',
        'retinanet_focal-iou_seed0_lr0.1', 'retinanet_focal-iou_seed1_lr0.2']


@pytest.mark.parametrize('template,value,expected', [
    ('ssd300_{loss}_coco.py', 'baseline', 'ssd300_coco.py'),
    ('ssd300_{loss}_coco.py', 'focal-ciou', 'ssd300_focal-ciou_coco.py'),
    ('{loss}_x.py', 'baseline', 'x.py'),
    ('faster-rcnn_r50_fpn_{loss}_1x_coco.py', 'baseline',
     'faster-rcnn_r50_fpn_1x_coco.py'),
])
def test_fill_template(template, value, expected):
    assert fill_template(template, {'loss': value}) == expected


def test_run_id_tokens():
    axes = ['detector', 'loss', 'model.bbox_head.loss_bbox.gamma', 'seed']
    assert run_id({'detector': 'ssd', 'loss': 'focal-ciou',
                   'model.bbox_head.loss_bbox.gamma': -0.5, 'seed': 3},
                  axes) == 'ssd_focal-ciou_gamma-0.5_seed3'


@pytest.mark.parametrize('bad,message', [
    (dict(axes={'lsos': ['iou']}), "axis 'lsos' is neither a config key"),
    (dict(colour='red'), "unknown key(s) ['colour']"),
    (dict(axes={'loss': []}), "axis 'loss' has no values"),
    (dict(zip=[['loss', 'seed']]), 'lengths differ'),
    (dict(exclude=[{'gamma': 1}]), "'gamma' is not an axis"),
    (dict(baseline={'loss': 'smooth-l1'}), "loss='smooth-l1' is not a value"),
    (dict(axes={'loss': ['iou'], 'seed': [0]},
          exclude=[{'loss': 'iou'}]), 'gives no runs'),
    (dict(configs={'retinanet': 'retinanet_{los}.py'}, axes={'seed': [0]},
          exclude=[], baseline={}), 'has placeholder {los}'),
])
def test_spec_errors_name_the_key(tmp_path, bad, message):
    with pytest.raises(SweepSpecError) as e:
        cpu_spec(tmp_path, **bad) if 'gives no runs' not in message else \
            expand(cpu_spec(tmp_path, **bad))
    assert message in str(e.value)


# --------------------------------------------------------------------------
# plan: real configs, mmdet registries


@pytest.mark.parametrize('axes,exclude,message', [
    # gamma is not an argument of the baseline's L1Loss
    ({'loss': ['baseline', 'focal-iou'], 'box_head.loss_bbox.gamma': [1.0]},
     [], "L1Loss takes no argument 'gamma'"),
    ({'loss': ['iou'], 'model.bbox_head.los_bbox.gamma': [1.0]}, [],
     "'los_bbox' not found in model.bbox_head"),
    ({'loss': ['focal-iou'], 'box_head.loss_bbox.gamma': [-1.0]}, [],
     'gamma must be >= 0'),
    ({'loss': ['focal-iou'],
      'model.bbox_head.loss_bbox.iou_variant': ['xiou']}, [], 'iou_variant'),
    ({'loss': ['focal-ciou'], 'box_head.loss_bbox.gama': [1.0]}, [],
     "FocalIoULoss takes no argument 'gama'"),
    ({'loss': ['no-such-loss']}, [], "config 'retinanet_r18-c16_fpn_no-such"),
    ({'loss': ['iou'], 'optimiser.lr': [0.1]}, [],
     "'optimiser' not found in the config"),
])
def test_plan_catches_bad_keys_and_values(tmp_path, axes, exclude, message):
    spec = cpu_spec(tmp_path, axes=axes, exclude=exclude, baseline={})
    with pytest.raises(SweepSpecError) as e:
        plan(spec)
    assert message in str(e.value)
    assert not os.path.exists(spec.work_dir)  # nothing written


def _merged(path):
    from mmengine.config import Config
    return Config.fromfile(path).to_dict()


def test_plan_writes_base_plus_override_configs(tmp_path):
    spec = cpu_spec(tmp_path)
    runs = plan(spec)
    assert len(runs) == 16
    run = next(r for r in runs if r.id == 'retinanet_focal-iou_gamma1.0_seed1')
    path = spec.run_dir(run.id).config_file
    text = open(path).read()
    repo_cfg = config_path('retinanet_r18-c16_fpn_focal-iou_12e_shapes.py')
    assert f"_base_ = [{repo_cfg!r}]" in text
    assert 'model = dict(bbox_head=dict(loss_bbox=dict(gamma=1.0)))' in text
    assert 'randomness = dict(seed=1)' in text
    got, ref = _merged(path), _merged(repo_cfg)
    assert got['model']['bbox_head']['loss_bbox'] == dict(
        ref['model']['bbox_head']['loss_bbox'], gamma=1.0)
    got['model']['bbox_head']['loss_bbox'].pop('gamma')
    assert got['model'] == ref['model']  # nothing else changed
    assert got['randomness']['seed'] == 1
    info = spec.run_dir(run.id).read_info()
    assert info['values']['loss'] == 'focal-iou'
    # planning again changes nothing; a changed spec under a started run is
    # refused unless forced
    plan(spec)
    spec.run_dir(run.id).update_status(state='done')
    changed = cpu_spec(tmp_path, options={'epochs': 3})
    with pytest.raises(SweepSpecError, match='already started'):
        plan(changed)
    plan(changed, force=True)
    # an interrupted run is pending again but has started: also refused
    spec.run_dir(run.id).update_status(state='pending', attempts=1)
    with pytest.raises(SweepSpecError, match='already started'):
        plan(cpu_spec(tmp_path, options={'epochs': 4}))


def test_box_head_alias_resolves_per_detector(tmp_path):
    spec = cpu_spec(tmp_path, configs={
        'faster-rcnn': 'faster-rcnn_r50_fpn_{loss}_1x_coco.py',
        'retinanet': 'retinanet_r50_fpn_{loss}_1x_coco.py'},
        axes={'loss': ['focal-ciou'], 'box_head.loss_bbox.gamma': [1.5]},
        exclude=[], baseline={})
    runs = {r.id: r for r in plan(spec, write=False)}
    assert runs['faster-rcnn_focal-ciou_gamma1.5'].overrides == {
        'model.roi_head.bbox_head.loss_bbox.gamma': 1.5}
    assert runs['retinanet_focal-ciou_gamma1.5'].overrides == {
        'model.bbox_head.loss_bbox.gamma': 1.5}


def test_shipped_example_specs_plan(tmp_path):
    specs = os.path.join(ROOT, 'configs', 'sweeps')
    names = sorted(os.listdir(specs))
    assert 'coco_focal_ablation.yaml' in names
    for name in names:
        spec = load_spec(os.path.join(specs, name), str(tmp_path))
        runs = plan(spec, write=False)
        assert runs, name
        if name == 'coco_focal_ablation.yaml':
            # 4 detectors x (baseline + 4 plain + 5 focal x 3 gammas) x 3
            assert len(runs) == 4 * (1 + 4 + 5 * 3) * 3
        if name == 'coco_iou_native.yaml':
            # 6 detectors x (mmdet's config + the focal one of its base) x 3
            assert len(runs) == 6 * 2 * 3
            focal = {r.values['detector']: r.values['loss'] for r in runs
                     if r.values['loss'] != 'baseline'}
            assert focal == {'fcos': 'focal-giou', 'atss': 'focal-giou',
                             'gfl': 'focal-giou', 'yolox': 'focal-iou',
                             'rtmdet': 'focal-giou', 'dino': 'focal-giou'}


# --------------------------------------------------------------------------
# the generated sbatch job: golden files (UPDATE_GOLDEN=1 rewrites them)


def _golden(name, text):
    path = os.path.join(GOLDEN, name)
    if os.environ.get('UPDATE_GOLDEN'):
        os.makedirs(GOLDEN, exist_ok=True)
        with open(path, 'w') as f:
            f.write(text)
    with open(path) as f:
        assert text == f.read(), f'{name} changed; UPDATE_GOLDEN=1 rewrites it'


def test_sbatch_script_matches_golden_file():
    _golden('sbatch_array.sh', sbatch_script(
        'coco_focal_ablation', '/sweeps/coco/slurm/array_20260101_000000.txt',
        '/opt/site-packages',
        ['/opt/venv/bin/python', '-u', '-m', 'focal_iou_mmdet.sweep.worker']))


def test_sbatch_commands_match_golden_file():
    script = '/sweeps/coco/slurm/array_20260101_000000.sh'
    gpu = SlurmOptions(partition='gpu', gpus_per_run=16, gpus_per_node=8,
                       max_parallel=4, extra_args=['--time=48:00:00'])
    cpu = SlurmOptions(partition='debug', gpus_per_run=2, cpus_per_task=1,
                       gres='', job_name='focal')
    assert (gpu.nodes, gpu.ranks_per_node) == (2, 8)
    assert (cpu.nodes, cpu.ranks_per_node) == (1, 2)
    lines = [' '.join(sbatch_command('coco_focal_ablation', n, script,
                                     '/sweeps/coco/slurm', opts))
             for n, opts in ((240, gpu), (3, cpu))]
    _golden('sbatch_commands.txt', '\n'.join(lines) + '\n')


# --------------------------------------------------------------------------
# status and report on synthetic work dirs


def _fake_run(run_dir, aps, state='done', seconds=60.0):
    vis = os.path.join(run_dir.path, '20260101_000000', 'vis_data')
    os.makedirs(vis, exist_ok=True)
    with open(os.path.join(vis, 'scalars.json'), 'w') as f:
        for epoch, ap in enumerate(aps, 1):
            f.write(json.dumps({'coco/bbox_mAP': ap, 'coco/bbox_mAP_50': ap,
                                'coco/bbox_mAP_75': ap, 'coco/bbox_mAP_s': ap / 2,
                                'coco/bbox_mAP_m': ap, 'coco/bbox_mAP_l': -1.0,
                                'step': epoch}) + '\n')
    run_dir.update_status(state=state, attempts=1,
                          sessions=[dict(seconds=seconds, exit=0)])


def test_report_aggregates_seeds_and_deltas(tmp_path):
    spec = cpu_spec(tmp_path, axes={'loss': ['iou', 'focal-iou'],
                                    'seed': [0, 1]}, exclude=[],
                    configs={'retinanet':
                             'retinanet_r18-c16_fpn_{loss}_12e_shapes.py'})
    runs = plan(spec)
    d = {r.id: spec.run_dir(r.id) for r in runs}
    _fake_run(d['retinanet_iou_seed0'], [0.10, 0.20])
    _fake_run(d['retinanet_iou_seed1'], [0.10, 0.30])
    _fake_run(d['retinanet_focal-iou_seed0'], [0.30, 0.28])
    # retinanet_focal-iou_seed1 never ran: a partial sweep
    out = report(spec, runs)
    rows = list(csv.DictReader(open(out['csv'])))
    assert [r['run_id'] for r in rows] == [r.id for r in runs]
    by = {r['run_id']: r for r in rows}
    assert by['retinanet_iou_seed1']['AP'] == '30.0'
    assert by['retinanet_iou_seed1']['AP_s'] == '15.0'
    assert by['retinanet_iou_seed1']['AP_l'] == ''  # CocoMetric's -1
    assert by['retinanet_focal-iou_seed0']['best_epoch'] == '1'
    assert by['retinanet_focal-iou_seed0']['final_epoch'] == '2'
    assert by['retinanet_focal-iou_seed1']['state'] == 'pending'
    assert by['retinanet_focal-iou_seed1']['AP'] == ''
    assert by['retinanet_iou_seed0']['train_time_s'] == '60.0'
    stats = {s['key']: s for s in summarize(spec, collect(spec, runs))}
    iou = stats[('retinanet', 'iou')]
    assert iou['n'] == 2 and iou['AP'][0] == pytest.approx(25.0)
    assert iou['AP'][1] == pytest.approx(7.0710678)  # sample std
    focal = stats[('retinanet', 'focal-iou')]
    # paired by seed: only seed 0 has both runs (28 - 20)
    assert focal['n'] == 1 and focal['d_primary'].mean == pytest.approx(8.0)
    assert focal['d_primary'].n == 1 and not focal['d_primary'].has_interval
    assert focal['d_small'].mean == pytest.approx(4.0)
    md = open(out['md']).read()
    assert '| retinanet | iou | 2/2 | 25.0 ± 7.1 |' in md
    assert '| retinanet | focal-iou | 1/2 | 28.0 |' in md
    assert 'Partial sweep: 1 of 4 runs' in md
    assert '`retinanet_focal-iou_seed1`: pending' in md
    # one seed pair is no evidence either way, and the report says so
    assert ('- retinanet, focal-iou vs retinanet, iou: ΔAP +8.0 (n=1 seed): '
            'one pair: no interval, no verdict') in md
    assert [os.path.basename(f) for f in out['figures']] == [
        'training_curves.png', 'ap_by_size.png']
    for fig in out['figures']:
        assert open(fig, 'rb').read(4) == b'\x89PNG'
        assert os.path.getsize(fig) > 1000


@pytest.mark.parametrize('focal,verdict', [
    ([0.22, 0.322, 0.268], 'beats'),                   # +2, +2.2, +1.8
    ([0.21, 0.28, 0.26], 'no measurable difference'),  # +1, -2, +1
    ([0.10, 0.21, 0.14], 'worse'),                     # -10, -9, -11
])
def test_report_verdict_follows_the_seed_interval(tmp_path, focal, verdict):
    spec = cpu_spec(tmp_path, axes={'loss': ['iou', 'focal-iou'],
                                    'seed': [0, 1, 2]}, exclude=[],
                    configs={'retinanet':
                             'retinanet_r18-c16_fpn_{loss}_12e_shapes.py'})
    runs = plan(spec)
    for seed, (base, var) in enumerate(zip([0.20, 0.30, 0.25], focal)):
        _fake_run(spec.run_dir(f'retinanet_iou_seed{seed}'), [base])
        _fake_run(spec.run_dir(f'retinanet_focal-iou_seed{seed}'), [var])
    out = report(spec, runs)
    md = open(out['md']).read()
    line = next(ln for ln in md.splitlines()
                if ln.startswith('- retinanet, focal-iou vs'))
    assert re.fullmatch(r'- retinanet, focal-iou vs retinanet, iou: ΔAP '
                        r'[+-]\d+\.\d \[[+-]\d+\.\d, [+-]\d+\.\d\] '
                        r'\(n=3 seeds\): ' + verdict, line), line


def _fake_voc_run(run_dir, maps):
    vis = os.path.join(run_dir.path, '20260101_000000', 'vis_data')
    os.makedirs(vis, exist_ok=True)
    with open(os.path.join(vis, 'scalars.json'), 'w') as f:
        for epoch, m in enumerate(maps, 1):
            f.write(json.dumps({'loss_bbox': 0.5, 'epoch': epoch,
                                'iter': epoch, 'step': epoch}) + '\n')
            f.write(json.dumps({'pascal_voc/mAP': m, 'pascal_voc/AP50': m,
                                'pascal_voc/AP75': m / 2,
                                'step': epoch}) + '\n')
    run_dir.update_status(state='done', attempts=1,
                          sessions=[dict(seconds=30.0, exit=0)])


def test_report_reads_voc_metrics(tmp_path):
    """A VOCMetric sweep: mAP and AP per IoU threshold in the tables, the
    verdict in mAP, no AP-by-size figure (VOC has no sizes)."""
    spec = cpu_spec(tmp_path, axes={'loss': ['baseline', 'focal-ciou'],
                                    'seed': [0]}, exclude=[],
                    baseline={'loss': 'baseline'},
                    configs={'retinanet': 'retinanet_r18-c16_fpn_{loss}'
                                          '_12e_shapes-voc.py'})
    runs = plan(spec)
    d = {r.id: spec.run_dir(r.id) for r in runs}
    _fake_voc_run(d['retinanet_baseline_seed0'], [0.20, 0.40])
    _fake_voc_run(d['retinanet_focal-ciou_seed0'], [0.30, 0.45])
    out = report(spec, runs)
    rows = {r['run_id']: r for r in csv.DictReader(open(out['csv']))}
    focal = rows['retinanet_focal-ciou_seed0']
    assert focal['metric'] == 'voc' and focal['mAP'] == '45.0'
    assert focal['AP50'] == '45.0' and focal['AP75'] == '22.5'
    assert focal['primary'] == '45.0' and focal['best_epoch'] == '2'
    md = open(out['md']).read()
    assert '| loss | n | mAP | AP50 | AP75 | ΔmAP | train time |' in md
    assert '| focal-ciou | 1/1 | 45.0 | 45.0 | 22.5 | +5.0 |' in md
    assert 'focal-ciou vs retinanet, baseline: ΔmAP +5.0 (n=1 seed)' in md
    assert 'Pascal VOC box mAP (VOCMetric)' in md
    assert [os.path.basename(f) for f in out['figures']] == [
        'training_curves.png']
    assert result_note(d['retinanet_focal-ciou_seed0']) == '(mAP 45.0)'


def test_stale_running_status_reads_as_pending(tmp_path):
    spec = cpu_spec(tmp_path, axes={'loss': ['iou']}, exclude=[],
                    configs={'retinanet':
                             'retinanet_r18-c16_fpn_{loss}_12e_shapes.py'})
    (run,) = plan(spec)
    d = spec.run_dir(run.id)
    d.update_status(state='running', attempts=1)
    # a live holder of the run's lock (another process): running
    with lock_held_elsewhere(d.file(RunDir.LOCK)):
        assert effective_states([d])[d]['state'] == 'running'
        assert not d.lock().acquire()
    # its process died: the run is pending again and says why
    st = effective_states([d])[d]
    assert st['state'] == 'pending' and 'gone' in st['stale']
    assert d.read_status()['state'] == 'running'  # the file is not rewritten


# --------------------------------------------------------------------------
# real sweeps


def _env(**extra):
    return subprocess_env(**extra)


def _wait_for_checkpoint(run_dir, epoch, proc=None, timeout=300):
    last = run_dir.file(RunDir.LAST_CHECKPOINT)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(last) and open(last).read().strip().endswith(
                f'epoch_{epoch}.pth'):
            return
        if proc is not None and proc.poll() is not None:
            pytest.fail(f'the sweep ended (exit {proc.returncode}) before '
                        f'{run_dir} reached epoch {epoch}')
        time.sleep(0.1)
    pytest.fail(f'no epoch_{epoch} checkpoint in {run_dir} within {timeout}s')


def _attempts(run_dir):
    log = open(run_dir.train_log).read()
    return log.split('===== attempt ')[1:]


@pytest.mark.slow
def test_local_sweep_killed_and_restarted(tmp_path, tiny_shapes):
    """Two real runs, one evaluated by mmdet's VOCMetric (the shapes set in
    VOC layout), the other, the CPU SSD, by CocoMetric (mmdet's SSD base
    wraps its train set in a RepeatDataset; our dataset base replaces it);
    the sweep is killed with SIGKILL mid-way and run again; progress lines
    and the report carry each run's own metric."""
    spec_path = write_spec(
        tmp_path / 'local.yaml', name='local', work_dir=str(tmp_path / 'wd'),
        configs={'retinanet':
                 'retinanet_r18-c16_fpn_{loss}_12e_shapes-voc.py',
                 'ssd': 'ssd256_r18-c16_{loss}_12e_shapes.py'},
        axes={'loss': ['baseline', 'focal-ciou']},
        exclude=[{'detector': 'ssd', 'loss': 'baseline'},
                 {'detector': 'retinanet', 'loss': 'focal-ciou'}],
        options=dict(TINY, epochs=2), env={'SHAPES_ROOT': tiny_shapes})
    spec = load_spec(spec_path)
    d = {r.id: spec.run_dir(r.id) for r in expand(spec)}
    cmd = SWEEP + ['run', spec_path, '--launcher', 'local', '--jobs', '1']
    first = subprocess.Popen(cmd, cwd=str(tmp_path), env=_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True)
    # kill -9 the sweep once run 1 is done and run 2 is mid-way
    _wait_for_checkpoint(d['ssd_focal-ciou'], 1, first)
    assert d['retinanet_baseline'].read_status()['state'] == 'done'
    first.send_signal(signal.SIGKILL)
    out1 = first.communicate()[0]
    done_ckpt = d['retinanet_baseline'].file('epoch_2.pth')
    mtime = os.stat(done_ckpt).st_mtime_ns

    # (in-process: the status command prints this table)
    table = status_table(spec, expand(spec))
    assert '1 done' in table, table

    second = subprocess.run(cmd, cwd=str(tmp_path), env=_env(),
                            capture_output=True, text=True, timeout=600)
    out2 = second.stdout + second.stderr
    assert second.returncode == 0, out1 + out2
    assert '1 done, 1 to run now' in out2
    assert 'start  retinanet_baseline' not in out2  # not rerun
    assert os.stat(done_ckpt).st_mtime_ns == mtime
    assert 'ssd_focal-ciou (resuming from its last checkpoint)' in out2
    assert "sweep 'local': 2 done" in out2
    for rid, path in d.items():
        st = path.read_status()
        assert st['state'] == 'done', (rid, st)
    assert len(_attempts(d['retinanet_baseline'])) == 1
    first_try, second_try = _attempts(d['ssd_focal-ciou'])
    assert 'resuming from last_checkpoint' in second_try
    assert 'resumed epoch: ' in second_try
    assert 'Epoch(train) [1]' not in second_try  # epoch 1 not trained again
    assert 'Epoch(train) [2]' in second_try

    rep = subprocess.run(SWEEP + ['report', spec_path], cwd=str(tmp_path),
                         env=_env(), capture_output=True, text=True)
    assert rep.returncode == 0, rep.stderr
    rows = list(csv.DictReader(open(tmp_path / 'wd' / 'results.csv')))
    assert [r['run_id'] for r in rows] == list(d)
    for r in rows:
        assert r['state'] == 'done' and r['final_epoch'] == '2'
        assert 0 <= float(r['primary']) <= 100
    voc, coco = rows
    assert voc['metric'] == 'voc' and voc['primary'] == voc['mAP']
    assert coco['metric'] == 'coco' and coco['primary'] == coco['AP']
    # one IoU threshold (0.5); VOCMetric rounds AP50, not mAP
    assert float(voc['AP50']) == pytest.approx(float(voc['mAP']), abs=0.05)
    # a line per finished epoch, with the run's own primary metric
    assert re.search(r'epoch  retinanet_baseline 1/2 mAP \d+\.\d', out1), out1
    assert re.search(r'epoch  retinanet_baseline 2/2 mAP [\d.]+; sweep ETA',
                     out1), out1
    assert re.search(r'epoch  ssd_focal-ciou 2/2 AP \d+\.\d', out2), out2
    assert re.search(r'done   retinanet_baseline after \S+ \(mAP [\d.]+\)',
                     out1), out1


# long enough that one attempt (~30-60 s, ~10 s of it start-up: at most
# ~50 s of training) never finishes the run: ~0.85 s an epoch alone on one
# core (the 128 px tiny set), so ~64 s of training, more beside the other
# test worker
EPOCHS = 75
MAX_ATTEMPTS = 12


@pytest.mark.slow
@pytest.mark.slurm
def test_slurm_array_sweep_requeued_at_its_time_limit(slurm_cluster, tmp_path,
                                                     tiny_shapes):
    """A sweep (an array job of one task: a run that must keep the CPU
    busy for longer than one attempt is costly on 2 cores) under a
    one-minute time limit: SLURM sends the warning at its periodic check
    (every ~30 s; a warning of
    W s arrives once fewer than W + 30 s are left, so 1 s here gives each
    attempt ~30-60 s), the worker stops training and requeues the task, and
    the task resumes from its last checkpoint, keeping the epochs already
    trained, until the run finishes."""
    spec_path = write_spec(
        tmp_path / 'slurm.yaml', name='slurm', work_dir=str(tmp_path / 'wd'),
        configs={'retinanet': 'retinanet_r18-c16_fpn_{loss}_12e_shapes.py'},
        axes={'loss': ['focal-iou']},
        options=dict(TINY, epochs=EPOCHS), env={'SHAPES_ROOT': tiny_shapes})
    spec = load_spec(spec_path)
    d = {r.id: spec.run_dir(r.id) for r in expand(spec)}
    env = _env(SLURM_CONF=slurm_cluster.conf, OMP_NUM_THREADS='1',
               MASTER_PORT='29500')  # the worker gives each task its own
    sub = subprocess.run(
        SWEEP + ['run', spec_path, '--launcher', 'slurm', '--partition',
                 slurm_cluster.partition, '--gpus-per-run', '1',
                 '--cpus-per-task', '1', '--gres', '', '--max-parallel', '2',
                 '--time=1', '--time-limit-warning', '1',
                 '--max-attempts', str(MAX_ATTEMPTS)], cwd=ROOT, env=env,
        capture_output=True,
        text=True, timeout=120)
    assert sub.returncode == 0, sub.stdout + sub.stderr
    assert '--array=0-0%2' in sub.stdout and '--requeue' in sub.stdout
    assert '--time=1' in sub.stdout  # extra sbatch arguments pass through
    assert '--signal=B:USR1@1' in sub.stdout
    job = sub.stdout.split('submitted array job ')[1].split(':')[0]
    assert d['retinanet_focal-iou'].read_status()['job'] == f'{job}_0'
    # submitting again while queued submits nothing twice
    again = subprocess.run(
        SWEEP + ['run', spec_path, '--launcher', 'slurm', '--partition',
                 slurm_cluster.partition], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=120)
    assert 'nothing to submit' in again.stdout, again.stdout + again.stderr

    # every requeued task: SLURM holds a requeued job back (~2 min); let
    # it start again once slurmd has cleaned up the stopped instance
    slurm_cluster.release_requeued(job, timeout=900)
    logs = ''.join(open(os.path.join(spec.work_dir, 'slurm', f)).read()
                   for f in sorted(os.listdir(os.path.join(spec.work_dir,
                                                           'slurm')))
                   if f.endswith('.out'))
    for rid, path in d.items():
        st = path.read_status()
        assert st['state'] == 'done', (rid, st, logs[-3000:],
                                       slurm_cluster.logs())
        assert 2 <= st['attempts'] <= MAX_ATTEMPTS
        assert st['max_attempts'] == MAX_ATTEMPTS
        attempts = _attempts(path)
        assert len(attempts) == st['attempts']
        assert 'time limit near: requeued' in logs
        kept = 0  # the epoch the latest resume continued after
        saved = 0  # the last checkpoint an attempt started to write
        for earlier, later in zip(attempts, attempts[1:]):
            saved = max([saved] + [int(e) for e in re.findall(
                r'Saving checkpoint at (\d+) epochs', earlier)])
            if not saved:
                continue
            # resumed after the last checkpoint written in full (a save the
            # stop interrupted may be the one before), and those epochs are
            # not trained again
            assert 'resuming from last_checkpoint' in later
            resumed = int(re.search(r'resumed epoch: (\d+)', later).group(1))
            assert saved - 1 <= resumed <= saved, (saved, resumed)
            trained = [int(e) for e in re.findall(
                r'Epoch\(train\) \[(\d+)\]', later)]
            assert all(e > resumed for e in trained), (resumed, trained)
            kept = max(kept, resumed)
        assert kept >= 1  # some attempt handed epochs on to a later one
        # the last epoch was trained (by the last attempt, or by one that
        # its warning stopped after its last checkpoint: the next resumes
        # there and has nothing left to train)
        assert f'Saving checkpoint at {EPOCHS} epochs' in ''.join(attempts)
    ports = set()
    for path in d.values():
        for attempt in _attempts(path):
            ports.add(attempt.split('MASTER_PORT=')[1].split()[0])
        assert 'Distributed launcher: slurm' in _attempts(path)[-1]
    # distinct per task and per restart
    assert len(ports) == sum(p.read_status()['attempts'] for p in d.values())

    rep = subprocess.run(SWEEP + ['report', spec_path], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    assert rep.returncode == 0, rep.stderr
    rows = list(csv.DictReader(open(tmp_path / 'wd' / 'results.csv')))
    assert all(int(r['attempts']) >= 2 for r in rows)
    assert all(r['final_epoch'] == str(EPOCHS) and r['AP'] != ''
               for r in rows)
