"""report and status on synthetic run folders: seeds aggregated, deltas
paired by seed with their intervals, verdicts that follow them, VOC
metrics."""
import csv
import json
import os
import re

import pytest
from helpers import fake_coco_run, write_status
from helpers.sweep_specs import cpu_spec

from focal_iou_mmdet.sweep.plan import plan
from focal_iou_mmdet.sweep.compare.comparison import VerdictRule
from focal_iou_mmdet.sweep.report import collect, report, summarize


def test_report_aggregates_seeds_and_deltas(tmp_path):
    spec = cpu_spec(tmp_path, axes={'loss': ['iou', 'focal-iou'],
                                    'seed': [0, 1]}, exclude=[],
                    configs={'retinanet':
                             'retinanet_r18-c16_fpn_{loss}_12e_shapes.py'})
    runs = plan(spec)
    d = {r.id: spec.run_dir(r.id) for r in runs}
    fake_coco_run(d['retinanet_iou_seed0'], [0.10, 0.20])
    fake_coco_run(d['retinanet_iou_seed1'], [0.10, 0.30])
    fake_coco_run(d['retinanet_focal-iou_seed0'], [0.30, 0.28])
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
    stats = {s['key']: s for s in summarize(spec, collect(spec, runs),
                                            VerdictRule())[0]}
    iou = stats[('retinanet', 'iou')]
    assert iou['n'] == 2 and iou['AP'][0] == pytest.approx(25.0)
    assert iou['AP'][1] == pytest.approx(7.0710678)  # sample std
    focal = stats[('retinanet', 'focal-iou')]
    # paired by seed: only seed 0 has both runs (28 - 20)
    assert focal['n'] == 1 and focal['d_primary'].mean == pytest.approx(8.0)
    assert focal['d_primary'].n == 1 and focal['d_primary'].low is None
    assert focal['d_small'].mean == pytest.approx(4.0)
    md = open(out['md']).read()
    assert '| retinanet | iou | 2/2 | 25.0 ± 7.1 |' in md
    assert '| retinanet | focal-iou | 1/2 | 28.0 |' in md
    assert 'Partial sweep: 1 of 4 runs' in md
    assert '`retinanet_focal-iou_seed1`: pending' in md
    # one seed pair is no evidence either way, and the report says so
    assert ('- retinanet, focal-iou vs retinanet, iou: ΔAP +8.0 (n=1 seed): '
            'not enough data (1 seed pair; a verdict needs at least 3)') in md
    assert [os.path.basename(f) for f in out['figures']] == [
        'training_curves.png', 'ap_by_size.png', 'forest_plot.png',
        'convergence.png']
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
        fake_coco_run(spec.run_dir(f'retinanet_iou_seed{seed}'), [base])
        fake_coco_run(spec.run_dir(f'retinanet_focal-iou_seed{seed}'), [var])
    out = report(spec, runs)
    md = open(out['md']).read()
    line = next(ln for ln in md.splitlines()
                if ln.startswith('- retinanet, focal-iou vs'))
    # one comparison: the corrected verdict is the raw one
    assert re.fullmatch(r'- retinanet, focal-iou vs retinanet, iou: ΔAP '
                        r'[+-]\d+\.\d, 95% t \[[+-]\d+\.\d, [+-]\d+\.\d\] '
                        r'\(n=3 seeds, p=[\d.e-]+\): ' + verdict +
                        '; corrected for 1 comparison: ' + verdict +
                        r' \(p_adj=[\d.e-]+\)', line), line


def fake_voc_run(run_dir, maps):
    vis = os.path.join(run_dir.path, '20260101_000000', 'vis_data')
    os.makedirs(vis, exist_ok=True)
    with open(os.path.join(vis, 'scalars.json'), 'w') as f:
        for epoch, m in enumerate(maps, 1):
            f.write(json.dumps({'loss_bbox': 0.5, 'epoch': epoch,
                                'iter': epoch, 'step': epoch}) + '\n')
            f.write(json.dumps({'pascal_voc/mAP': m, 'pascal_voc/AP50': m,
                                'pascal_voc/AP75': m / 2,
                                'step': epoch}) + '\n')
    write_status(run_dir, state='done', attempts=1,
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
    fake_voc_run(d['retinanet_baseline_seed0'], [0.20, 0.40])
    fake_voc_run(d['retinanet_focal-ciou_seed0'], [0.30, 0.45])
    out = report(spec, runs)
    rows = {r['run_id']: r for r in csv.DictReader(open(out['csv']))}
    focal = rows['retinanet_focal-ciou_seed0']
    assert focal['metric'] == 'voc' and focal['mAP'] == '45.0'
    assert focal['AP50'] == '45.0' and focal['AP75'] == '22.5'
    assert focal['primary'] == '45.0' and focal['best_epoch'] == '2'
    md = open(out['md']).read()
    assert '| loss | n | mAP | AP50 | AP75 | ΔmAP [95% t] | train time |' in md
    assert '| focal-ciou | 1/1 | 45.0 | 45.0 | 22.5 | +5.0 |' in md
    assert 'focal-ciou vs retinanet, baseline: ΔmAP +5.0 (n=1 seed)' in md
    assert 'Pascal VOC box mAP (VOCMetric)' in md
    assert [os.path.basename(f) for f in out['figures']] == [
        'training_curves.png', 'forest_plot.png', 'convergence.png']
    assert '| better small objects | not measured |' in md
    assert d['retinanet_focal-ciou_seed0'].results().note() == '(mAP 45.0)'
