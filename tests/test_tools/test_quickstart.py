"""The README's main job in its seconds-long form: a one-axis sweep built in
code, through the same plan -> run -> report as any sweep."""
import csv
import re
import subprocess
import sys

import pytest
from helpers import ROOT, subprocess_env

from focal_iou_mmdet.runs import RunDir


@pytest.mark.slow
def test_quickstart_smoke(tmp_path):
    work = tmp_path / 'qs'
    cmd = [sys.executable, 'tools/quickstart.py', '--smoke', '--jobs', '2',
           '--work-dir', str(work), '--data-dir', str(tmp_path / 'data')]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                         timeout=600, env=subprocess_env())
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    text = out.stdout
    assert 'start  retinanet_iou_seed0' in text
    assert 'start  retinanet_focal-iou_seed0' in text
    head = next(line for line in text.splitlines()
                if line.startswith('detector') and 'ΔAP' in line)
    assert head.split()[:2] == ['detector', 'loss']
    for col in ('n', 'AP', 'AP50', 'AP75', 'AP_s', 'AP_m', 'AP_l', 'ΔAP_s',
                'train time'):
        assert col in head
    assert '- retinanet, focal-iou vs retinanet, iou: ΔAP ' in text
    # one seed: the verdict comes from the paired image bootstrap of the
    # detections the runs' last evaluation dumped
    assert re.search(r'  - seed 0, paired bootstrap \(1000 resamples of \d+ '
                     r'val images\): ΔAP [+-]\d+\.\d \[[+-]\d+\.\d, '
                     r'[+-]\d+\.\d\], ΔAP_s .*: (beats|worse|no measurable '
                     r'difference)', text), text[-3000:]
    for r in ('retinanet_iou_seed0', 'retinanet_focal-iou_seed0'):
        assert (work / r / 'predictions' / 'val.bbox.json').exists()
    report = (work / 'results.md').read_text()
    assert '| retinanet | focal-iou | 1/1 |' in report
    assert 'tools/quickstart.py' in report  # how it was produced
    for png in ('training_curves.png', 'ap_by_size.png'):
        assert (work / png).read_bytes()[:4] == b'\x89PNG'
    rows = list(csv.DictReader(open(work / 'results.csv')))
    assert [r['run_id'] for r in rows] == ['retinanet_iou_seed0',
                                           'retinanet_focal-iou_seed0']
    for r in rows:
        assert r['state'] == 'done' and r['final_epoch'] == '1'
        result = RunDir(str(work / r['run_id'])).results()
        assert result.epochs == [1] and result.train_time_s > 0
    # (a second call trains nothing again: the local sweep test shows it)
