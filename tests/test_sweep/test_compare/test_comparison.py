"""One verdict everywhere: ``run --until-decided``'s last verdicts are the
report's, line for line, because both come from
:mod:`focal_iou_mmdet.sweep.compare.comparison` -- for an equivalence
case, a 3-loss grid that Holm keeps open, and a mixed grid.

The runs' results are written as mmengine writes them (scalars.json) by a
launcher that trains nothing (the loop's decisions are under test here;
``test_until_decided.py`` runs the real training)."""
import pytest
from helpers import SHAPES_RETINANET, fake_coco_run
from helpers.sweep_specs import cpu_spec

from focal_iou_mmdet.sweep.__main__ import main as sweep_main
from focal_iou_mmdet.sweep.compare.comparison import (VerdictRule,
                                                      find_comparisons,
                                                      sweep_comparisons)
from focal_iou_mmdet.sweep.compare.rows import collect
from focal_iou_mmdet.sweep.compare.seed_advice import plan_seeds
from focal_iou_mmdet.sweep.launchers import Launcher
from focal_iou_mmdet.sweep.plan import plan
from focal_iou_mmdet.sweep.report import report
from focal_iou_mmdet.sweep.spec.seed_rounds import UntilDecided, sweep_runs
from focal_iou_mmdet.sweep.until_decided import run_until_decided

SHAPES = {'retinanet': SHAPES_RETINANET}


class ResultsLauncher(Launcher):
    """Each run it 'trains' finishes with the AP ``ap(values)`` gives."""

    name = 'results-only'
    blocks = True

    def __init__(self, ap):
        self.ap = ap

    @classmethod
    def from_args(cls, args, extra):
        raise NotImplementedError

    def launch(self, sweep, retry_failed=False, force=False):
        for r in sweep.runs:
            d = sweep.spec.run_dir(r.id)
            if not d.is_done():
                fake_coco_run(d, [self.ap(r.values)])
        return 0

    @classmethod
    def live_view(cls, records):
        return records

    @classmethod
    def cancel(cls, records):
        return []

    @classmethod
    def task(cls, nproc=1):
        raise NotImplementedError


def _ap_from(differences):
    """AP 30% for the baseline; the variant's paired differences (points)
    by loss, seed by seed."""
    def ap(values):
        diffs = differences.get(values['loss'])
        return 0.30 + (diffs[values['seed']] / 100 if diffs else 0.0)
    return ap


def _run_then_report(tmp_path, capsys, differences, seeds, opts):
    losses = ['iou'] + list(differences)
    spec = cpu_spec(tmp_path, axes={'loss': losses, 'seed': list(seeds)},
                    exclude=[], configs=SHAPES, baseline={'loss': 'iou'})
    code = run_until_decided(spec, ResultsLauncher(_ap_from(differences)),
                             opts)
    out = capsys.readouterr().out
    assert code == 0, out
    last_round = out.rsplit('round ', 1)[1]
    run_lines = [x.strip() for x in last_round.splitlines()
                 if x.startswith('  retinanet')]
    runs = sweep_runs(spec)
    rep = report(spec, runs)
    capsys.readouterr()
    verdicts = open(rep['md']).read().split('## Against the baseline')[1]
    report_lines = [x[2:] for x in verdicts.split('\n## ')[0].splitlines()
                    if x.startswith('- retinanet')]
    assert run_lines == report_lines
    return spec, runs, run_lines, rep


def test_an_equivalent_comparison_stops_and_the_report_agrees(tmp_path,
                                                              capsys):
    # differences as AP logged to 0.1 point gives them (a spread below
    # that would be not enough data)
    tiny = [0.2, -0.1, 0.1, -0.2, 0.0, 0.1, -0.1, 0.2, -0.2, 0.1]
    _, runs, lines, _ = _run_then_report(
        tmp_path, capsys, {'focal-iou': tiny}, range(5),
        UntilDecided(max_seeds=10, precision=0.7))
    [line] = lines
    assert 'corrected for 1 comparison: equivalent' in line
    assert len(runs) == 10  # stopped at its 5 seeds: nothing added


def test_a_grid_that_holm_keeps_open_gets_more_seeds(tmp_path, capsys):
    """Three variants with the same differences: after 6 seeds each is
    'beats' alone (p = 0.036) but not for the grid (p_adj = 0.108), so the
    rounds go on; the seventh seed decides all three."""
    diffs = [1.0, 1.6, 0.4, 1.2, 0.9, 1.4, 0.8, 0.6, 1.1, 0.9]
    variants = {'focal-iou': diffs, 'ciou': diffs, 'focal-ciou': diffs}
    _, runs, lines, rep = _run_then_report(
        tmp_path, capsys, variants, range(6), UntilDecided(max_seeds=10))
    assert len(lines) == 3
    for line in lines:
        assert '(n=7 seeds' in line, line
        assert 'corrected for 3 comparisons: beats' in line, line
    assert len(runs) == 4 * 7
    assert all(c.verdict.decided for c in rep['comparisons'])


def test_a_mixed_grid_ends_the_same_in_the_run_and_the_report(tmp_path,
                                                              capsys):
    variants = {'focal-iou': [3.0, 3.2, 2.9, 3.1, 3.0, 3.3, 2.8, 3.1],
                'ciou': [0.3, -0.3, 0.2, -0.2, 0.1, -0.1, 0.3, -0.3],
                'giou': [-2.0, -2.2, -1.9, -2.1, -2.0, -2.3, -1.8, -2.1]}
    _, _, lines, rep = _run_then_report(
        tmp_path, capsys, variants, range(5), UntilDecided(max_seeds=8))
    verdicts = {c.key[1]: c.verdict for c in rep['comparisons']}
    assert verdicts['focal-iou'].corrected == 'beats'
    assert verdicts['giou'].corrected == 'worse'
    assert verdicts['ciou'].corrected == 'undecided'
    # the undecided one ran to --max-seeds; the decided ones stopped early
    assert verdicts['ciou'].n == 8
    assert verdicts['focal-iou'].n < 8 and verdicts['giou'].n < 8


def test_seeds_prints_the_reports_verdicts(tmp_path):
    spec = cpu_spec(tmp_path, axes={'loss': ['iou', 'focal-iou', 'ciou'],
                                    'seed': list(range(4))}, exclude=[],
                    configs=SHAPES, baseline={'loss': 'iou'})
    runs = plan(spec)
    ap = _ap_from({'focal-iou': [1.0, 2.0, 1.5, 1.2],
                   'ciou': [0.1, -0.2, 0.3, 0.0]})
    for r in runs:
        fake_coco_run(spec.run_dir(r.id), [ap(r.values)])
    lines = plan_seeds(spec, runs, delta=0.5)
    md = open(report(spec, runs)['md']).read()
    verdict_lines = [x.strip() for x in lines if x.startswith('  retina')]
    assert len(verdict_lines) == 2
    for line in verdict_lines:
        assert f'- {line}' in md
    assert lines[0].startswith('detecting Δ = 0.5 (primary metric, points) '
                               'with power 0.8 at alpha 0.05 / 2 '
                               'comparisons = 0.025')


def test_a_comparison_pairs_by_seed_within_a_metric_family(tmp_path):
    spec = cpu_spec(tmp_path, axes={'loss': ['iou', 'focal-iou'],
                                    'seed': [0, 1, 2]}, exclude=[],
                    configs=SHAPES)
    runs = plan(spec)
    for r in runs:  # seed 2 of the variant did not finish
        if r.values['seed'] < 2 or r.values['loss'] == 'iou':
            fake_coco_run(spec.run_dir(r.id), [
                0.31 if r.values['loss'] == 'focal-iou' else 0.30])
    [comp] = find_comparisons(spec, collect(spec, runs))
    assert comp.label == 'retinanet, focal-iou vs retinanet, iou'
    assert [s for s, _, _ in comp.pairs()] == [0, 1]
    assert comp.differences() == pytest.approx([1.0, 1.0])
    [judged] = sweep_comparisons(spec, runs)
    assert judged.verdict.kind == VerdictRule.of(spec).kind == 'fixed'


@pytest.mark.parametrize('differences, word', [
    ([0.1, 0.1], 'not enough data'),           # two seeds, tied
    ([0.1, 0.1, 0.1], 'not enough data'),      # no spread
    ([-0.1, -0.1, -0.2], 'not enough data'),   # below the log's 0.1
    ([1.0, 2.0, 1.5], 'beats'),
])
def test_every_command_says_the_same_on_degenerate_data(tmp_path, capsys,
                                                        differences, word):
    """``report``, ``report --claims-only`` and ``seeds`` on the same runs:
    one verdict, and never a decision from degenerate evidence."""
    spec = cpu_spec(tmp_path, axes={'loss': ['iou', 'focal-iou'],
                                    'seed': list(range(len(differences)))},
                    exclude=[], configs=SHAPES, baseline={'loss': 'iou'})
    runs = plan(spec)
    ap = _ap_from({'focal-iou': differences})
    for r in runs:
        fake_coco_run(spec.run_dir(r.id), [ap(r.values)])
    rep = report(spec, runs)
    [comp] = rep['comparisons']
    assert comp.verdict.corrected == word
    claim = {c.claim: c for c in rep['claims'].claims}['higher AP']
    assert claim.verdict == {'beats': 'supported'}.get(word, word)
    capsys.readouterr()
    assert sweep_main(['report', spec.path, '--claims-only']) == 0
    table = capsys.readouterr().out
    assert f'| higher AP | {claim.verdict} |' in table
    seeds = plan_seeds(spec, runs, delta=0.5)
    assert any(line.strip().endswith(f': {word}') or f': {word} (' in line
               for line in seeds), seeds
    md = open(rep['md']).read()
    assert f'| higher AP | {claim.verdict} |' in md
    assert ('no comparison has enough data for a verdict yet' in md) == (
        word == 'not enough data')
