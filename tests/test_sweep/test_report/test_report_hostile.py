"""The report never lies silently and never loses a result: a crash while
writing leaves the previous report, metric families are never subtracted
from each other, the image bootstrap refuses ground truth the run was not
evaluated on and never executes a run's files, and plots stay readable at
any sweep size."""
import csv
import json
import os

import pytest
from helpers import fake_coco_run
from helpers.sweep_specs import cpu_spec
from test_report import fake_voc_run

from focal_iou_mmdet.sweep.plan import plan
from focal_iou_mmdet.sweep.report import report

SHAPES = {'retinanet': 'retinanet_r18-c16_fpn_{loss}_12e_shapes.py'}


@pytest.fixture
def two_runs(tmp_path):
    spec = cpu_spec(tmp_path, axes={'loss': ['iou', 'focal-iou']},
                    exclude=[], configs=SHAPES)
    runs = plan(spec)
    return spec, runs, {r.id: spec.run_dir(r.id) for r in runs}


def test_a_crash_while_writing_keeps_the_previous_report(two_runs,
                                                         monkeypatch):
    spec, runs, d = two_runs
    fake_coco_run(d['retinanet_iou'], [0.2])
    fake_coco_run(d['retinanet_focal-iou'], [0.3])
    out = report(spec, runs)
    before = {p: open(p, 'rb').read() for p in [out['csv'], out['md']]
              + out['figures']}
    fake_coco_run(d['retinanet_focal-iou'], [0.4])

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # the process dies in the middle

    monkeypatch.setattr(csv.DictWriter, 'writerow', killed)
    with pytest.raises(KeyboardInterrupt):
        report(spec, runs)
    for path, content in before.items():
        assert open(path, 'rb').read() == content, path
    assert not [n for n in os.listdir(spec.work_dir) if n.endswith('.tmp')]


def test_metric_families_are_never_subtracted(two_runs):
    spec, runs, d = two_runs
    fake_coco_run(d['retinanet_iou'], [0.2])
    fake_voc_run(d['retinanet_focal-iou'], [0.5])
    out = report(spec, runs)
    rows = {r['run_id']: r for r in csv.DictReader(open(out['csv']))}
    assert rows['retinanet_iou']['coco AP50'] == '20.0'
    assert rows['retinanet_focal-iou']['voc AP50'] == '50.0'
    assert 'AP50' not in rows['retinanet_iou']
    stats = {s['key']: s for s in out['stats']}
    assert stats[('retinanet', 'focal-iou')]['d_primary'] is None
    md = open(out['md']).read()
    assert 'Δprimary' in md and '+30.0' not in md


def _coco_ground_truth(path, boxes):
    images = [dict(id=i, file_name=f'{i}.png', width=128, height=128)
              for i in range(len(boxes))]
    anns = [dict(id=i + 1, image_id=i, category_id=1, bbox=b, area=b[2] * b[3],
                 iscrowd=0) for i, b in enumerate(boxes)]
    with open(path, 'w') as f:
        json.dump(dict(images=images, annotations=anns,
                       categories=[dict(id=1, name='shape')]), f)


def _evaluated(run_dir, ann, boxes, ap):
    """A run whose COCO evaluation on ``ann`` dumped ``boxes`` as its
    detections and logged ``ap``; its dumped config names ``ann``."""
    fake_coco_run(run_dir, [ap])
    os.makedirs(os.path.dirname(run_dir.predictions_file), exist_ok=True)
    with open(run_dir.predictions_file, 'w') as f:
        json.dump([dict(image_id=i, category_id=1, bbox=b, score=0.9)
                   for i, b in enumerate(boxes)], f)
    with open(run_dir.dumped_config, 'w') as f:
        f.write(f'val_evaluator = dict(\n    ann_file={ann!r},\n'
                "    type='CocoMetric')\n")


def test_bootstrap_refuses_ground_truth_the_run_was_not_evaluated_on(
        two_runs, tmp_path):
    spec, runs, d = two_runs
    boxes = [[10, 10, 20, 20], [30, 30, 12, 8], [50, 60, 16, 16]]
    ann = str(tmp_path / 'gt.json')
    _coco_ground_truth(ann, boxes)
    _evaluated(d['retinanet_iou'], ann, boxes, 1.0)
    _evaluated(d['retinanet_focal-iou'], ann, boxes, 1.0)
    out = report(spec, runs)
    assert 'paired bootstrap (1000 resamples of 3 val images): ΔAP +0.0' \
        in open(out['md']).read()
    # the ground truth changed after the runs were evaluated
    _coco_ground_truth(ann, [[0, 0, 5, 5]] * 3)
    out = report(spec, runs)
    md = open(out['md']).read()
    assert 'no bootstrap: its detections and' in md
    assert 'give AP 0.0, not the 100.0 it logged' in md
    assert 'paired bootstrap (' not in md


def test_the_report_never_executes_a_run_file(two_runs, tmp_path):
    spec, runs, d = two_runs
    pwned = tmp_path / 'pwned'
    code = f'open({str(pwned)!r}, "w").close()\n'
    for run_dir in d.values():
        fake_coco_run(run_dir, [0.2])
        with open(run_dir.config_file, 'a') as f:
            f.write(code)
        with open(run_dir.dumped_config, 'w') as f:
            f.write(code + 'val_evaluator = dict(ann_file=__import__("os")'
                    '.getcwd())\n')
        os.makedirs(os.path.dirname(run_dir.predictions_file),
                    exist_ok=True)
        with open(run_dir.predictions_file, 'w') as f:
            f.write('[]')
    out = report(spec, runs)
    assert not pwned.exists()
    assert 'is not a literal' in open(out['md']).read()


def test_plots_stay_readable_for_a_large_sweep(tmp_path):
    # 80 groups in one panel: a bar per group would be ~10,900 px wide
    import matplotlib.image as mpimg
    spec = cpu_spec(tmp_path, axes={
        'loss': ['iou', 'focal-iou'],
        'box_head.loss_bbox.gamma': [0.5 + k for k in range(40)]},
        exclude=[], configs=SHAPES)
    runs = plan(spec)
    for k, r in enumerate(runs):
        fake_coco_run(spec.run_dir(r.id), [0.01 * (k % 7), 0.02 * (k % 5)])
    out = report(spec, runs)
    for fig in out['figures']:
        height, width = mpimg.imread(fig).shape[:2]
        assert width <= 7000 and height <= 7000, (fig, width, height)


def test_list_valued_axes_group_and_compare(tmp_path):
    """A zip row with a list value (Focaler's interval, MPDIoU's size)
    groups, finds its baseline and gets its comparison."""
    spec = cpu_spec(tmp_path, axes={
        'loss': ['iou', 'iou'],
        'box_head.loss_bbox.focaler_interval': [None, [0.0, 0.95]],
        'seed': [0, 1]}, zip=[['loss', 'box_head.loss_bbox.focaler_interval']],
        exclude=[], configs=SHAPES,
        baseline={'loss': 'iou', 'box_head.loss_bbox.focaler_interval': None})
    runs = plan(spec)
    for r in runs:
        focaler = r.values['box_head.loss_bbox.focaler_interval'] is not None
        fake_coco_run(spec.run_dir(r.id), [0.30 + 0.01 * focaler])
    md = open(report(spec, runs)['md']).read()
    assert ('- retinanet, iou, (0.0, 0.95) vs retinanet, iou, default: '
            'ΔAP +1.0') in md
