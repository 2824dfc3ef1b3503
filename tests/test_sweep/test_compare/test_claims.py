"""The claims report: convergence (paired ΔAP per epoch, epochs to the
baseline's final AP, censored runs), AP by size with its support from the
annotation file the run used, the noise split, the claims table, the
forest plot, ``--claims-only``, and everything in results.csv.

Runs' results are written as mmengine writes them (``fake_coco_run``); the
report reads them as it reads any sweep."""
import csv
import json
import os

import pytest
from helpers import fake_coco_run
from helpers.sweep_specs import cpu_spec

from focal_iou_mmdet.sweep.__main__ import main as sweep_main
from focal_iou_mmdet.sweep.compare.claims import (GridAggregate, cell_count,
                                                  grid_aggregate)
from focal_iou_mmdet.sweep.compare.comparison import VerdictRule
from focal_iou_mmdet.sweep.compare.convergence import first_epoch_at
from focal_iou_mmdet.sweep.compare.noise_split import noise_split
from focal_iou_mmdet.sweep.compare.size_support import (SUPPORT_COLUMNS,
                                                        count_sizes)
from focal_iou_mmdet.sweep.report import report
from focal_iou_mmdet.sweep.spec.seed_rounds import sweep_runs

BASE = [0.05, 0.15, 0.22, 0.26, 0.28, 0.30]
#: retinanet's variant gets there two epochs early and ends higher; ssd's
#: never reaches its baseline's final AP
CURVES = {
    ('retinanet', 'focal-iou'): [0.12, 0.24, 0.30, 0.31, 0.32, 0.33],
    ('ssd', 'focal-iou'): [0.04, 0.13, 0.20, 0.24, 0.26, 0.27],
}
SEED_SHIFT = {0: 0.0, 1: 0.004, 2: -0.003}
#: the variants' own seed noise (their differences must vary: identical
#: differences are not enough data)
VARIANT_SHIFT = {0: 0.0, 1: 0.002, 2: 0.004}


def _annotations(path, small=3, medium=2):
    boxes = [[0, 0, 10, 10]] * small + [[0, 0, 50, 50]] * medium
    anns = [dict(id=i, image_id=i % 2, bbox=b, area=b[2] * b[3], iscrowd=0,
                 category_id=1) for i, b in enumerate(boxes)]
    anns.append(dict(id=99, image_id=0, bbox=[0, 0, 5, 5], area=25,
                     iscrowd=1, category_id=1))  # crowd: not counted
    with open(path, 'w') as f:
        json.dump(dict(images=[dict(id=0), dict(id=1)], annotations=anns,
                       categories=[dict(id=1, name='x')]), f)
    return str(path)


def _sweep(tmp_path):
    spec = cpu_spec(tmp_path, axes={'loss': ['iou', 'focal-iou'],
                                    'seed': [0, 1, 2]},
                    exclude=[], baseline={'loss': 'iou'})
    ann = _annotations(tmp_path / 'instances_val.json')
    runs = sweep_runs(spec)
    for r in runs:
        curve = CURVES.get((r.values['detector'], r.values['loss']), BASE)
        d = spec.run_dir(r.id)
        shift = SEED_SHIFT[r.values['seed']] + (
            VARIANT_SHIFT[r.values['seed']] if r.values['loss'] != 'iou'
            else 0.0)
        fake_coco_run(d, [a + shift for a in curve])
        with open(d.dumped_config, 'w') as f:
            f.write(f'val_evaluator = dict(type="CocoMetric", '
                    f'ann_file={ann!r})\n')
    return spec, runs


def test_first_epoch_at():
    curve = {1: 0.1, 2: 0.3, 3: 0.2, 4: 0.35}
    assert first_epoch_at(curve, 0.3) == 2
    assert first_epoch_at(curve, 0.35) == 4
    assert first_epoch_at(curve, 0.5) is None
    assert first_epoch_at({}, 0.1) is None


def test_count_sizes_follows_cocoeval(tmp_path):
    anns = json.load(open(_annotations(tmp_path / 'a.json', small=4,
                                       medium=1)))
    counts = count_sizes(anns)
    assert set(counts) == set(SUPPORT_COLUMNS)
    assert counts['boxes_small'] == 4 and counts['images_small'] == 2
    assert counts['boxes_medium'] == 1 and counts['images_medium'] == 1
    assert counts['boxes_large'] == 0 and counts['images_large'] == 0
    assert count_sizes({}) == {c: 0 for c in SUPPORT_COLUMNS}


@pytest.mark.parametrize('diffs, variances, seed_share', [
    ([1.0, 2.0, 3.0], [0.25, 0.25, 0.25], 0.8),
    ([1.0, 1.1, 0.9], [1.0, None, 1.0], 0.01 / 1.01),
])
def test_noise_split_shares(diffs, variances, seed_share):
    split = noise_split(diffs, variances)
    assert split.seed_share == pytest.approx(seed_share)
    helps = 'more seeds help' if seed_share >= 0.5 else 'more test images'
    assert helps in split.line()


@pytest.mark.parametrize('diffs, variances', [
    ([1.0], [0.5]), ([1.0, 2.0], [None, None]), ([], [])])
def test_noise_split_needs_two_pairs_and_a_bootstrap(diffs, variances):
    assert noise_split(diffs, variances) is None


def test_grid_aggregate_keeps_the_rule_apart():
    cells = {'a': [1.0, 1.5, 0.8, 1.2, 0.9, 1.3],
             'b': [0.4, 0.9, 0.6, 0.7, 0.5, 0.8], 'c': [2.0]}
    fixed = grid_aggregate(cells, VerdictRule())
    assert isinstance(fixed, GridAggregate) and fixed.n_cells == 2
    assert [n for n, _ in fixed.left_out] == ['c']
    assert fixed.p_improve is not None
    anytime = grid_aggregate(cells, VerdictRule('anytime'))
    # anytime: from the cells' confidence sequences, no P(improve)
    assert anytime.p_improve is None and anytime.n_cells == 2
    assert anytime.high - anytime.low > fixed.high - fixed.low
    assert 'P(improve)' not in anytime.text('AP')
    assert grid_aggregate({'a': [1.0]}, VerdictRule()) is None
    # the anytime sequence needs 5 seeds: 3 are not enough data
    assert grid_aggregate({'a': [1.0, 1.5, 0.8]}, VerdictRule('anytime')) \
        is None


def test_the_report_answers_the_claims(tmp_path, capsys):
    spec, runs = _sweep(tmp_path)
    out = report(spec, runs, str(tmp_path / 'rep'), min_support=3)
    md = open(out['md']).read()
    claims = out['claims']
    by_name = {c.claim: c for c in claims.claims}
    assert list(by_name) == ['faster convergence', 'higher AP',
                             'better small objects', 'tighter boxes']
    # these runs stored no detections: nothing to match
    assert by_name['tighter boxes'].verdict == 'not measured'
    # the claims table comes first
    assert md.index('| claim | verdict | evidence |') < md.index(
        '| detector |')
    conv = {c.comparison.key[0]: c for c in claims.convergence}
    retina, ssd = conv['retinanet'], conv['ssd']
    assert retina.epochs == [1, 2, 3, 4, 5, 6]
    assert retina.per_epoch[0].mean == pytest.approx(7.2)
    assert retina.word == 'faster' and ssd.word == 'slower'
    # retinanet reaches its baseline's final 30% at epoch 3 of 6
    assert retina.ratio == pytest.approx(0.5) and retina.censored == 0
    assert ssd.censored == 3 and 'censored' in ssd.ratio_text()
    assert 'faster in 1 of 2 cells after Holm (slower in 1)' in \
        by_name['faster convergence'].evidence
    # support: 3 small boxes in 2 images; the 2 medium boxes are under
    # --min-support 3 and noted
    assert '| 3 (2) |' in md and 'AP_m on 2 boxes' in md
    assert '3 small boxes behind AP_s' in by_name[
        'better small objects'].evidence
    for name in ('forest_plot.png', 'convergence.png'):
        assert os.path.getsize(tmp_path / 'rep' / name) > 1000
        assert f'({name})' in md
    printed = capsys.readouterr().out
    assert '| higher AP |' in printed


def test_results_csv_holds_what_the_claims_use(tmp_path):
    spec, runs = _sweep(tmp_path)
    out = report(spec, runs, str(tmp_path / 'rep'))
    with open(out['csv']) as f:
        rows = {r['run_id']: r for r in csv.DictReader(f)}
    for c in out['claims'].convergence:
        for (seed, run, base), area in zip(c.comparison.pairs(), c.area):
            a, b = rows[run['run_id']], rows[base['run_id']]
            per_epoch = [float(a[f'AP_epoch{e}']) - float(b[f'AP_epoch{e}'])
                         for e in c.epochs]
            assert sum(per_epoch) / len(per_epoch) == pytest.approx(
                area, abs=0.02)
            assert a['boxes_small'] == '3' and a['images_small'] == '2'


def test_claims_only_prints_the_table_and_writes_nothing(tmp_path, capsys):
    spec, _ = _sweep(tmp_path)
    before = set(os.listdir(spec.work_dir))
    assert sweep_main(['report', spec.path, '--claims-only']) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert printed[0] == '| claim | verdict | evidence |'
    assert len(printed) == 6
    assert set(os.listdir(spec.work_dir)) == before


def test_min_support_must_not_be_negative(tmp_path, capsys):
    spec, _ = _sweep(tmp_path)
    with pytest.raises(SystemExit) as e:
        sweep_main(['report', spec.path, '--min-support', '-1'])
    assert e.value.code == 2
    assert "argument --min-support: must be an integer from 0 to " \
        "1,000,000,000, got '-1'" in capsys.readouterr().err


def test_cell_count_words():
    from focal_iou_mmdet.analysis.grid_verdicts import grid_verdicts
    vs = grid_verdicts([[3.0, 3.1, 2.9], [0.1, -0.2, 0.0], [5.0], [1, 1, 1]],
                       'fixed')
    assert cell_count(vs) == 'beats in 1 of 2 cells after Holm'


def test_a_sweep_without_a_baseline_has_no_claims(tmp_path, capsys):
    # no loss axis: nothing to compare with
    spec = cpu_spec(tmp_path, axes={'seed': [0, 1]}, exclude=[],
                    baseline={}, configs={
                        'retinanet': 'retinanet_r18-c16_fpn_iou_12e_shapes.py'})
    for r in sweep_runs(spec):
        fake_coco_run(spec.run_dir(r.id), BASE)
    assert sweep_main(['report', spec.path, '--claims-only']) == 0
    assert capsys.readouterr().out.strip() == (
        'no claims: the sweep has no comparison (no baseline in its spec)')
    out = report(spec, sweep_runs(spec), str(tmp_path / 'rep'))
    assert '## The claims' not in open(out['md']).read()
