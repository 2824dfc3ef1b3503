"""A run's results from mmengine's scalars.json: a line cut short by a
killed writer is skipped and counted, the rest read."""
import json
import os

from helpers import write_scalars

from focal_iou_mmdet.runs import RunDir


def _records():
    return [{'coco/bbox_mAP': 0.1, 'coco/bbox_mAP_s': 0.05, 'step': 1},
            {'loss_bbox': 0.4, 'epoch': 2, 'iter': 8, 'step': 8},
            {'coco/bbox_mAP': 0.2, 'coco/bbox_mAP_s': 0.1, 'step': 2}]


def test_partial_last_line_is_skipped(tmp_path):
    d = RunDir(str(tmp_path / 'r'))
    write_scalars(d, _records())
    scalars = os.path.join(d.path, '20260101_000000', 'vis_data',
                           'scalars.json')
    with open(scalars, 'a') as f:
        f.write(json.dumps({'coco/bbox_mAP': 0.9, 'step': 3})[:17])
    res = d.results()
    assert res.epochs == [1, 2] and res.primary == 0.2
    assert res.skipped_lines == 1 and len(res.train) == 1


def test_lines_that_are_not_records_are_skipped(tmp_path):
    d = RunDir(str(tmp_path / 'r'))
    write_scalars(d, [[1, 2], 'text', {'coco/bbox_mAP': 0.3}] + _records())
    res = d.results()
    assert res.skipped_lines == 3 and res.epochs == [1, 2]
