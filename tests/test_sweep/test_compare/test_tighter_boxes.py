"""The tighter-boxes claim: strict-threshold AP against AP50 as the
control, over the grid, from each run's stored detections.  Runs are
written as a finished sweep leaves them (detections, dumped config,
mmengine's scalars); the report reads them as it reads any sweep."""
import contextlib
import csv
import io
import os

import pytest
from helpers.coco_detections import fake_matched_run, jittered_detections
from helpers.sweep_specs import cpu_spec
from pycocotools.coco import COCO

from focal_iou_mmdet.datasets import generate_shapes_dataset
from focal_iou_mmdet.sweep.__main__ import main as sweep_main
from focal_iou_mmdet.sweep.report import report
from focal_iou_mmdet.sweep.spec.seed_rounds import sweep_runs


@pytest.fixture(scope='module')
def val_set(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('tight_set'))
    generate_shapes_dataset(root, num_train=1, num_val=40, seed=11)
    ann = os.path.join(root, 'annotations', 'instances_val.json')
    with contextlib.redirect_stdout(io.StringIO()):
        return ann, COCO(ann)


def _drop(dets, share, seed):
    """Leave out ``share`` of the ground truths' detections (missed
    objects: recall, not localization)."""
    import numpy as np
    rng = np.random.default_rng(seed)
    return [d for d in dets if d['score'] < 0.3 or rng.random() >= share]


def _sweep(tmp_path, val_set, variant):
    """Baseline: boxes moved by up to 12% of their size.  ``tighter``:
    the variant's by 5%.  ``more recall``: the variant's as loose, but
    the baseline misses a quarter of the objects."""
    ann, coco = val_set
    spec = cpu_spec(tmp_path, axes={'loss': ['iou', 'focal-iou'],
                                    'seed': [0, 1, 2]},
                    exclude=[], baseline={'loss': 'iou'})
    runs = sweep_runs(spec)
    for r in runs:
        seed = r.values['seed'] + (10 if r.values['detector'] == 'ssd'
                                   else 0)
        base = r.values['loss'] == 'iou'
        jitter = 0.05 if variant == 'tighter' and not base else 0.12
        dets = jittered_detections(coco, jitter, seed=seed * 2 + base)
        if variant == 'more recall' and base:
            dets = _drop(dets, 0.25, seed)
        fake_matched_run(spec.run_dir(r.id), ann, coco, dets)
    return spec, runs


def _claim(out):
    return {c.claim: c for c in out['claims'].claims}['tighter boxes']


@pytest.fixture(scope='module')
def tighter(tmp_path_factory, val_set):
    """The sweep whose variant's boxes are tighter, and its report."""
    tmp_path = tmp_path_factory.mktemp('tighter')
    spec, runs = _sweep(tmp_path, val_set, 'tighter')
    return spec, report(spec, runs, str(tmp_path / 'rep'))


def test_tighter_boxes_are_found_beyond_the_control(tighter):
    spec, out = tighter
    claim = _claim(out)
    assert claim.verdict == 'supported', claim.evidence
    assert 'tighter in 2 of 2 cells after Holm' in claim.evidence
    assert 'ΔAP75-95' in claim.evidence and 'Δtp_IoU +' in claim.evidence
    md = open(out['md']).read()
    assert '| tighter boxes | supported |' in md
    assert '## Tighter boxes by object size' in md
    with open(out['csv']) as f:
        row = next(csv.DictReader(f))
    for col in ('AP90', 'AP75-95', 'tp_IoU', 'oLRP', 'oLRP_loc', 'matched',
                'AP75-95_s', 'tp_IoU_s', 'matched_s'):
        assert row[col] != '', col


def test_more_detections_are_not_tighter_boxes(tmp_path, val_set):
    """The variant finds objects the baseline misses: AP50 and the strict
    AP both rise, the strict one no more than the control -- not shown."""
    spec, runs = _sweep(tmp_path, val_set, 'more recall')
    out = report(spec, runs, str(tmp_path / 'rep'))
    higher_ap = {c.claim: c for c in out['claims'].claims}['higher AP']
    assert higher_ap.verdict == 'supported'
    claim = _claim(out)
    assert claim.verdict == 'not shown', claim.evidence
    assert 'tighter in 0 of 2 cells' in claim.evidence


def test_claims_only_prints_the_fourth_claim(tighter, capsys):
    """The same verdict, and an unchanged sweep's matches and draws are
    read, not computed again."""
    spec, _ = tighter
    kept = [os.path.getmtime(spec.run_dir(r.id).file(name))
            for r in sweep_runs(spec) for name in ('match.npz',)]
    assert sweep_main(['report', spec.path, '--claims-only']) == 0
    out = capsys.readouterr().out
    assert '| tighter boxes | supported |' in out
    assert kept == [os.path.getmtime(spec.run_dir(r.id).file('match.npz'))
                    for r in sweep_runs(spec)]
