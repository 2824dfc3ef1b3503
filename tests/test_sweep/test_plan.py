"""plan: every override key checked against the real configs and mmdet's
registries, one base-plus-override config written per run."""
import os

import pytest
from helpers import ROOT, write_status
from helpers.sweep_specs import cpu_spec

from focal_iou_mmdet.runs import config_path
from focal_iou_mmdet.sweep import SweepSpecError, load_spec
from focal_iou_mmdet.sweep.plan import plan


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
    # the base is the sweep's snapshot of that config, named relatively
    key = spec.run_dir(run.id).read_info()['code']['snapshot']
    assert f"_base_ = ['../../_code/{key}/configs/cpu/" \
        "retinanet_r18-c16_fpn_focal-iou_12e_shapes.py']" in text
    assert "model = {'bbox_head': {'loss_bbox': {'gamma': 1.0}}}" in text
    assert "randomness = {'seed': 1}" in text
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
    write_status(spec.run_dir(run.id), state='done')
    changed = cpu_spec(tmp_path, options={'epochs': 3})
    with pytest.raises(SweepSpecError, match='already started'):
        plan(changed)
    plan(changed, force=True)
    # an interrupted run is pending again but has started: also refused
    write_status(spec.run_dir(run.id), state='pending', attempts=1)
    with pytest.raises(SweepSpecError, match='already started'):
        plan(cpu_spec(tmp_path, options={'epochs': 4}))


def test_box_head_alias_resolves_per_detector(tmp_path):
    spec = cpu_spec(tmp_path, configs={
        'faster-rcnn': 'faster-rcnn_r50_fpn_{loss}_1x_coco.py',
        'retinanet': 'retinanet_r50_fpn_{loss}_1x_coco.py'},
        axes={'loss': ['focal-ciou'], 'box_head.loss_bbox.gamma': [1.5]},
        exclude=[], baseline={})
    runs = {r.id: r for r in plan(spec, write=False)}
    for rid, head in (('faster-rcnn_focal-ciou_gamma1.5', 'roi_head.bbox_head'),
                      ('retinanet_focal-ciou_gamma1.5', 'bbox_head')):
        # (each CocoMetric run dumps its detections into its folder, told
        # at train time: no path of the sweep folder in its config)
        assert runs[rid].overrides == {f'model.{head}.loss_bbox.gamma': 1.5}


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


@pytest.mark.parametrize('command', [['plan', '--dry-run'], ['status'],
                                     ['report'], ['seeds', '--delta', '1']])
def test_the_cli_answers_without_torch_or_mmdet(tmp_path, command):
    """What a researcher types on a login node: no torch, no mmdet."""
    import subprocess
    import sys
    spec = cpu_spec(tmp_path, axes={'loss': ['iou', 'focal-iou']},
                    exclude=[])
    plan(spec)
    argv = [command[0], spec.path] + command[1:]
    code = ('import sys; from focal_iou_mmdet.sweep.__main__ import main; '
            f'rc = main({argv!r}); '
            'print(rc, "torch" in sys.modules, "mmdet" in sys.modules)')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    if command[0] == 'plan':
        assert '4 of 4 runs planned already' in out.stdout
    assert out.stdout.strip().endswith('0 False False'), out.stdout


def test_plan_records_the_code_and_run_says_when_it_changed(tmp_path,
                                                            capsys):
    from focal_iou_mmdet.runs.config_chain import (chain_identity,
                                                   config_chain)
    from focal_iou_mmdet.sweep.__main__ import main as sweep_main
    from focal_iou_mmdet.sweep.plan.planner import code_changes
    from focal_iou_mmdet.sweep.spec.seed_rounds import sweep_runs
    spec = cpu_spec(tmp_path)
    runs = plan(spec)
    run = runs[0]
    info = spec.run_dir(run.id).read_info()
    assert info['code'] == dict(chain_identity(config_chain(
        run.base_config)), snapshot=run.snapshot, entry=run.snapshot_entry)
    assert code_changes(spec, sweep_runs(spec)) == []
    # the checkout changed after the plan: the first plan's code stays
    # recorded, and run (here its dry run) says so before re-planning
    info['code'] = dict(info['code'], hash='0' * 64)
    spec.run_dir(run.id).write_info(info)
    [note] = code_changes(spec, sweep_runs(spec))
    assert note.startswith("note: the code installed now differs from the "
                           "plan's for 1 ")
    assert f'{run.id} (planned 000000000000, now ' in note
    assert sweep_main(['run', spec.path, '--launcher', 'slurm',
                       '--partition', 'p', '--dry-run']) == 0
    assert "note: the code installed now differs from the plan's for 1" \
        in capsys.readouterr().out
    # a done run is not named
    write_status(spec.run_dir(run.id), state='done')
    assert code_changes(spec, sweep_runs(spec)) == []


def test_what_a_config_says_is_compared_not_where_it_lies():
    from focal_iou_mmdet.sweep.plan.run_config import comparable
    old = ("# Run r of sweep s\n_base_ = ['/old/venv/configs/cpu/x.py']\n"
           "model = {'a': 1}\nval_evaluator = {'outfile_prefix': "
           "'/old/root/s/r/predictions/val'}\n")
    moved = "# Run r of sweep s\n_base_ = ['/new/env/cpu/x.py']\n" \
            "model = {'a': 1}\n"
    assert comparable(old) == comparable(moved)
    assert comparable(moved.replace("'a': 1", "'a': 2")) != comparable(old)
    assert comparable(moved.replace('x.py', 'y.py')) != comparable(old)
    other = old.replace("{'outfile_prefix'", "{'interval': 2, 'outfile_prefix'")
    assert "val_evaluator = {'interval': 2}" in comparable(other)
    assert comparable(None) is None
