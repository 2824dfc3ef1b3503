"""No silent numbers: a run whose scalars.json lost its last line, and a
run whose loss diverged, are named in ``status`` and in the notes of
``results.md``."""
import os

from helpers import SHAPES_RETINANET, fake_coco_run, write_scalars
from helpers.sweep_specs import cpu_spec

from focal_iou_mmdet.sweep.observe.status_view import status_table
from focal_iou_mmdet.sweep.plan import plan
from focal_iou_mmdet.sweep.report import report


def _two_runs(tmp_path):
    spec = cpu_spec(tmp_path, axes={'loss': ['iou', 'focal-iou'],
                                    'seed': [0]}, exclude=[],
                    configs={'retinanet': SHAPES_RETINANET})
    runs = plan(spec)
    return spec, runs, {r.values['loss']: spec.run_dir(r.id) for r in runs}


def test_a_cut_last_line_is_named_with_the_epoch_shown(tmp_path):
    spec, runs, d = _two_runs(tmp_path)
    fake_coco_run(d['iou'], [0.30])
    fake_coco_run(d['focal-iou'], [0.25, 0.31])
    scalars = os.path.join(d['focal-iou'].path, '20260101_000000',
                           'vis_data', 'scalars.json')
    text = open(scalars).read().rstrip('\n')
    with open(scalars, 'w') as f:  # the epoch-2 record cut mid-line
        f.write(text[:-25])
    note = ('1 unreadable line(s) of scalars.json skipped (cut short by a '
            'killed writer?); its metrics are of the last whole record, '
            'epoch 1')
    assert note in status_table(spec, runs)
    md = open(report(spec, runs)['md']).read()
    assert '## Notes on runs' in md
    assert f'- `{d["focal-iou"].id}`: {note}' in md


def test_a_diverged_run_says_diverged(tmp_path):
    spec, runs, d = _two_runs(tmp_path)
    fake_coco_run(d['iou'], [0.30])
    write_scalars(d['focal-iou'], [
        {'loss': 1.2, 'loss_bbox': 0.6, 'epoch': 1, 'iter': 10},
        {'loss': float('nan'), 'loss_bbox': float('nan'), 'epoch': 1,
         'iter': 20}])
    fake = spec.run_dir(d['focal-iou'].id)
    from helpers import write_status
    write_status(fake, state='done', attempts=1,
                 sessions=[dict(seconds=5.0, exit=0)])
    table = status_table(spec, runs)
    assert 'diverged: loss nan at epoch 1, iteration 20' in table
    assert 'no validation metrics: nothing was evaluated (diverged)' in table
    md = open(report(spec, runs)['md']).read()
    assert (f'- `{d["focal-iou"].id}`: diverged: loss nan at epoch 1, '
            'iteration 20; no validation metrics: nothing was evaluated '
            '(diverged)') in md
    assert 'Partial sweep: 1 of 2 runs are not in the table' in md
