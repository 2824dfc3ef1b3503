"""A spec is data (issue: 43 hostile tries).  Every bad value is one
``error:`` line with exit code 2 before anything runs, names and paths
never leave the work root, and no value reaches Python source or a shell
script unquoted."""
import json
import sys
import subprocess

import pytest
from helpers import ROOT, SHAPES_RETINANET, SWEEP, subprocess_env

from focal_iou_mmdet.sweep.__main__ import main as sweep_main

PAYLOAD = ("x' if __import__('os').system('touch {pwned}') else "
           "'/data/")


def _spec(tmp_path, body, name='s.yaml', raw=None):
    path = tmp_path / name
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text(f"work_dir: {tmp_path / 'wd'}\n"
                        f"configs: {{retinanet: '{SHAPES_RETINANET}'}}\n"
                        + body)
    return str(path)


@pytest.mark.parametrize('body,message', [
    ("axes: {loss: [iou]}\nbaseline: iou\n", "'baseline' must map an axis"),
    ("axes: {loss: [iou]}\nenv: [OMP_NUM_THREADS]\n", "'env' must map"),
    ("axes: {loss: [iou]}\nenv: {'A B': x}\n", "env: 'A B' is not a "
     'variable a spec may set; allowed: OMP_NUM_THREADS'),
    ("axes: {loss: [iou]}\nenv: {OMP_NUM_THREADS: {a: 1}}\n", 'a value '
     'must be a string or an integer'),
    ("axes: {loss: [iou]}\nenv: {OMP_NUM_THREADS: '1; rm'}\n",
     "OMP_NUM_THREADS='1; rm': must be a thread count"),
    ("axes: {loss: [iou], box_head.loss_bbox.gamma: [.nan]}\n",
     'nan is not a finite number'),
    ("axes: {loss: [iou], box_head.loss_bbox.gamma: [.inf]}\n",
     'inf is not a finite number'),
    ("axes: {loss: [iou], seed: [-1]}\n", 'seed -1 is outside [0, 2**32)'),
    ("axes: {loss: [iou], seed: [4294967296]}\n", 'is outside [0, 2**32)'),
    ("axes: {loss: [iou]}\noptions: {train_cfg.val_interval: .inf}\n",
     'inf is not a finite number'),
    # a mapping where the loss takes a number: refused when the plan
    # builds the loss, with the argument's name
    ("axes: {loss: [focal-iou], box_head.loss_bbox.gamma: [{a: 1}]}\n",
     "gamma must be a finite number, got {'a': 1}"),
])
def test_bad_values_are_one_error_line(tmp_path, capsys, body, message):
    assert sweep_main(['plan', _spec(tmp_path, body)]) == 2
    err = capsys.readouterr().err
    assert err.startswith('error: ') and message in err, err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize('detector', ['..', '.', '../x', 'a/b', '-x'])
def test_a_detector_name_is_a_plain_folder_name(tmp_path, capsys, detector):
    path = tmp_path / 's.yaml'
    path.write_text(f"work_dir: {tmp_path / 'wd'}\n"
                    f"configs: {{'{detector}': '{SHAPES_RETINANET}'}}\n"
                    'axes: {loss: [iou]}\n')
    assert sweep_main(['plan', str(path)]) == 2
    assert f"detector '{detector}': use letters" in capsys.readouterr().err
    assert not (tmp_path / 'wd').exists()


def test_a_spec_that_is_not_utf8(tmp_path, capsys):
    path = _spec(tmp_path, '', raw=b'configs: {retinanet: \xff}\n')
    assert sweep_main(['status', path]) == 2
    err = capsys.readouterr().err
    assert 'not UTF-8 text (byte 0xff at offset 21)' in err


@pytest.mark.parametrize('work_dir', ['/tmp/x/nl\ntouch {pwned}\n#',
                                      "/tmp/x'$(touch {pwned})'"])
def test_a_work_dir_that_could_run_code_is_refused(tmp_path, capsys,
                                                   work_dir):
    pwned = tmp_path / 'pwned'
    path = tmp_path / 's.json'
    path.write_text(json.dumps(dict(
        work_dir=work_dir.format(pwned=pwned),
        configs={'retinanet': SHAPES_RETINANET}, axes={'loss': ['iou']})))
    assert sweep_main(['plan', str(path)]) == 2
    assert 'is not allowed in a path here' in capsys.readouterr().err
    assert not pwned.exists()


def test_env_payload_never_runs(tmp_path, capsys):
    """The exact payload of the issue: refused by the spec, and harmless
    even where it reaches a config through the environment."""
    pwned = tmp_path / 'pwned'
    payload = PAYLOAD.format(pwned=pwned)
    path = _spec(tmp_path, 'axes: {loss: [iou]}\nenv: {SHAPES_ROOT: "'
                 + payload.replace('"', '\\"') + '"}\n')
    assert sweep_main(['plan', path]) == 2
    assert "env: 'SHAPES_ROOT' is not a variable a spec may set" in \
        capsys.readouterr().err
    # the config reads the variable as a value, never as source
    code = ('from mmengine.config import Config; '
            'from focal_iou_mmdet.runs import config_path; '
            f'c = Config.fromfile(config_path({SHAPES_RETINANET!r}'
            ".format(loss='iou'))); print(c.train_dataloader.dataset"
            '.data_root)')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, cwd=ROOT, timeout=120,
                         env=subprocess_env(SHAPES_ROOT=payload))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == payload
    assert not pwned.exists()


def test_the_sweep_tool_says_it_in_one_line(tmp_path):
    path = _spec(tmp_path, "axes: {loss: [iou]}\nbaseline: iou\n")
    out = subprocess.run(SWEEP + ['plan', path], capture_output=True,
                         text=True, env=subprocess_env(), timeout=120)
    assert out.returncode == 2
    assert out.stderr.count('\n') == 1 and 'Traceback' not in out.stderr
