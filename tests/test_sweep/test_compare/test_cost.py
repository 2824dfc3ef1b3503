"""What a decision cost: device-hours per run, comparison and sweep, the
device types behind a comparison, and ``seeds`` in device-hours."""
import pytest

from focal_iou_mmdet.runs import RunStatus
from focal_iou_mmdet.runs.run_status import sessions_device_hours
from focal_iou_mmdet.sweep.compare.comparison import Comparison
from focal_iou_mmdet.sweep.compare.cost import (cost_lines, distinct,
                                                hours_of, per_run_hours)

H100, A100 = 'NVIDIA H100 80GB HBM3', 'NVIDIA A100-SXM4-40GB'


@pytest.mark.parametrize('sessions, hours', [
    ([], None),
    ([dict(seconds=3600.0, devices=8)], 8.0),
    ([dict(seconds=1800.0, devices=2), dict(seconds=1800.0)], 1.5),
    ([dict(seconds=None, devices=4)], None),
])
def test_device_hours_of_sessions(sessions, hours):
    assert sessions_device_hours(sessions) == hours


def test_a_status_names_its_devices_and_hosts_once():
    st = RunStatus(state='done', attempts=2, sessions=[
        dict(seconds=60.0, devices=1, device=H100, host='n1'),
        dict(seconds=60.0, devices=1, device=A100, host='n1')])
    assert st.device_names == [H100, A100] and st.hosts == ['n1']


def _row(run_id, hours, device, seed=0, state='done'):
    return dict(run_id=run_id, device_hours=hours, device=device,
                state=state, seed=seed, _family=None)


def test_a_comparison_that_mixes_devices_is_warned():
    comp = Comparison(('retinanet', 'focal-iou'), ('retinanet', 'iou'),
                      [_row('a0', 1.0, H100), _row('a1', 1.0, A100, 1)],
                      [_row('b0', 0.5, H100), _row('b1', 0.5, H100, 1)],
                      'seed')
    rows = comp.runs + comp.baseline_runs + [_row('x', None, None)]
    lines = cost_lines([comp], rows)
    assert lines[0].startswith('- retinanet, focal-iou vs retinanet, iou: '
                               '3.00 device-hours (4 runs) on ' + H100)
    assert 'warning: its runs trained on 2 device types' in lines[0]
    assert lines[-1] == (f'- the sweep: 3.00 device-hours over 5 runs on '
                         f'{H100}, {A100}')
    assert hours_of(rows) == 3.0 and distinct(rows) == [H100, A100]
    assert per_run_hours(rows) == pytest.approx(0.75)


def test_one_device_type_is_not_warned():
    comp = Comparison(('d', 'v'), ('d', 'b'), [_row('a', 1.0, H100)],
                      [_row('b', 1.0, H100)], 'seed')
    assert 'warning' not in cost_lines([comp], comp.runs)[0]


def test_a_comparison_that_mixes_code_is_warned():
    a, b = _row('a', 1.0, H100), _row('b', 1.0, H100)
    a['code'], b['code'] = '0123456789ab', 'ba9876543210'
    comp = Comparison(('d', 'v'), ('d', 'b'), [a], [b], 'seed')
    line = cost_lines([comp], [a, b])[0]
    assert 'trained with 2 versions of the code' in line
    assert '0123456789ab, ba9876543210' in line
