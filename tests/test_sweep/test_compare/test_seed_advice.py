"""``seeds``: exact figures or "more than N", options in range, and the
same verdict lines as the report."""
import pytest
from helpers import SHAPES_RETINANET, fake_coco_run
from helpers.sweep_specs import cpu_spec

from focal_iou_mmdet.sweep.__main__ import main as sweep_main
from focal_iou_mmdet.sweep.plan import plan


@pytest.fixture
def pilot(tmp_path):
    spec = cpu_spec(tmp_path, axes={'loss': ['iou', 'focal-iou'],
                                    'seed': [0, 1, 2]}, exclude=[],
                    configs={'retinanet': SHAPES_RETINANET})
    for r in plan(spec):
        bump = [1.0, 2.0, 0.0][r.values['seed']] \
            if r.values['loss'] != 'iou' else 0
        fake_coco_run(spec.run_dir(r.id), [0.30 + bump / 100])
    return spec


def test_the_exact_figure_however_large(pilot, capsys):
    assert sweep_main(['seeds', pilot.path, '--delta', '0.01',
                       '--sigma', '1', '--max-seeds', '5']) == 0
    out = capsys.readouterr().out
    n = int(out.split('fixed n: ')[1].split(' seeds')[0].replace(',', ''))
    assert 78_000 < n < 79_000, out
    assert sweep_main(['seeds', pilot.path, '--delta', '0.0001',
                       '--sigma', '1', '--max-seeds', '5']) == 0
    assert 'fixed n: more than 10,000,000 seeds' in capsys.readouterr().out


@pytest.mark.parametrize('extra, message', [
    (['--power', '1.5'], "--power: must be a number > 0 and < 1, got '1.5'"),
    (['--power', '0'], "--power: must be a number > 0 and < 1, got '0'"),
    (['--max-seeds', '0'], "--max-seeds: must be an integer from 2 to "
     "1,000, got '0'"),
    (['--max-seeds', '-5'], "--max-seeds: must be an integer from 2 to "
     "1,000, got '-5'"),
    (['--sigma', '-2'], "--sigma: must be a number > 0 and <= 100, got "
     "'-2'"),

])
def test_options_out_of_range_are_one_error_line(pilot, capsys, extra,
                                                 message):
    with pytest.raises(SystemExit) as e:
        sweep_main(['seeds', pilot.path, '--delta', '0.5'] + extra)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert message in err and 'Traceback' not in err
