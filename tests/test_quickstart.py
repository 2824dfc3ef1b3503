"""The README's main job, in its seconds-long form (same code path)."""
import os
import subprocess
import sys

import pytest
from conftest import ROOT

from focal_iou_mmdet.analysis import RunSpec, format_table, read_run, summarize


@pytest.mark.slow
def test_quickstart_smoke(tmp_path):
    work = tmp_path / 'qs'
    cmd = [sys.executable, 'tools/quickstart.py', '--smoke', '--work-dir',
           str(work), '--data-dir', str(tmp_path / 'data')]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    text = out.stdout
    assert '[run 1 of 2] iou_seed0' in text and '[run 2 of 2]' in text
    for col in ('AP', 'AP50', 'AP75', 'AP_s', 'AP_m', 'AP_l',
                'train time (s)'):
        assert col in text
    assert 'focal-iou - iou' in text
    report = (work / 'report.md').read_text()
    assert '| focal-iou - iou |' in report and 'tools/quickstart.py' in report
    for png in ('curves.png', 'ap_by_size.png'):
        assert (work / png).read_bytes()[:4] == b'\x89PNG'
    for run in ('iou_seed0', 'focal-iou_seed0'):
        result = read_run(str(work / run))
        assert result.epochs == [1] and result.train_time_s > 0
    # a second call reuses the finished runs
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                           timeout=600)
    assert again.returncode == 0
    assert again.stdout.count('complete in') == 2


def test_summary_of_synthetic_runs(tmp_path):
    """mean ± std over seeds and the delta row, from scalars.json files."""
    import json
    grouped = {}
    for label, aps in (('iou', [0.10, 0.12]), ('focal-iou', [0.15, 0.13])):
        for seed, ap in enumerate(aps):
            d = tmp_path / f'{label}_{seed}' / '20260101_000000' / 'vis_data'
            d.mkdir(parents=True)
            recs = [dict(loss_bbox=1.0, epoch=1, iter=1, step=1),
                    {'coco/bbox_mAP': ap / 2, 'step': 1},
                    {'coco/bbox_mAP': ap, 'coco/bbox_mAP_s': ap / 2,
                     'coco/bbox_mAP_l': -1.0, 'step': 2}]
            (d / 'scalars.json').write_text(
                '\n'.join(json.dumps(r) for r in recs))
            grouped.setdefault(label, []).append(
                read_run(str(tmp_path / f'{label}_{seed}')))
    rows = summarize(grouped, 'iou')
    iou, focal, delta = rows
    assert iou['AP'][0] == pytest.approx(0.11)
    assert iou['AP'][1] == pytest.approx(0.0141421, rel=1e-4)
    assert iou['AP_l'] == (None, None)
    assert delta['AP'][0] == pytest.approx(0.03)
    table = format_table(rows)
    assert '11.0 ± 1.4' in table and '+3.0' in table and 'n/a' in table
    assert RunSpec('iou', 'x.py', 2).name == 'iou_seed2'


@pytest.mark.slow
def test_quickstart_smoke_ssd(tmp_path):
    """The SSD-style CPU configs train and evaluate end to end too (mmdet's
    SSD base wraps its train set in RepeatDataset; ours replaces it)."""
    cmd = [sys.executable, 'tools/quickstart.py', '--smoke', '--detector',
           'ssd', '--baseline', 'ciou', '--focal', 'focal-ciou', '--quiet',
           '--work-dir', str(tmp_path / 'qs'), '--data-dir',
           str(tmp_path / 'data')]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert 'focal-ciou - ciou' in out.stdout
    for run in ('ciou_seed0', 'focal-ciou_seed0'):
        assert read_run(str(tmp_path / 'qs' / run)).epochs == [1]
