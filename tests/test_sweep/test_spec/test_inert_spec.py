"""A spec is inert by construction (issue: four routes from a shared YAML
spec to code, and more).  Each finding reproduced: every one is one
``error:`` line and exit code 2, nothing is written, nothing runs."""
import ast
import glob
import os
import re
import time

import pytest
import yaml
from helpers import SHAPES_RETINANET
from helpers.sweep_specs import cpu_spec
from hypothesis import given, settings
from hypothesis import strategies as st

from focal_iou_mmdet.sweep.__main__ import main as sweep_main
from focal_iou_mmdet.sweep.plan import plan
from focal_iou_mmdet.sweep.spec.schema import (ENV_ALLOWED, check_run_env,
                                               validate)
from focal_iou_mmdet.sweep.spec.values import SweepSpecError


def _spec(tmp_path, text, name='s.yaml'):
    path = tmp_path / name
    path.write_text(f"work_dir: {tmp_path / 'wd'}\n"
                    f"configs: {{retinanet: '{SHAPES_RETINANET}'}}\n" + text)
    return str(path)


def _refused(capsys, argv, message):
    """One error line naming ``message``, exit 2 (argparse or the tool)."""
    try:
        code = sweep_main(argv)
    except SystemExit as e:
        code = e.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert message in err, err
    assert len(err.strip().splitlines()) == 1 or err.startswith('usage'), err


PAYLOAD = 'exec("open(\'PWNED\', \'w\').write(\'x\')")#'


@pytest.mark.parametrize('text, message', [
    # 1. an axis name that carries code (a newline ends a comment)
    (yaml.safe_dump({'axes': {'loss': ['iou'],
                              'box_head.x\n' + PAYLOAD: [1]}}),
     'is not a dotted identifier'),
    (yaml.safe_dump({'options': {'train_cfg.x\n' + PAYLOAD: 1},
                     'axes': {'loss': ['iou']}}),
     'is not a dotted identifier'),
    ('axes: {loss: [iou], "Box_head.gamma": [1], "box_head.GAMMA": [2]}\n',
     'differ only in case'),
    # 2. a tracker that names any importable callable
    ('axes: {loss: [iou]}\ntracking: [{type: torch.hub.load, source: local,'
     ' repo_or_dir: /tmp}]\n', "'torch.hub.load' is not one of"),
    ('axes: {loss: [iou]}\ntracking: [{type: os.system, command: id}]\n',
     "'os.system' is not one of"),
    ('axes: {loss: [iou]}\ntracking: [{type: RetinaNet}]\n',
     "'RetinaNet' is not one of"),
    # 3. tracker values that write outside the work root
    ('axes: {loss: [iou]}\ntracking: [{type: LocalVisBackend, save_dir: '
     '/tmp/x}]\n', "'LocalVisBackend' is not one of"),
    ('axes: {loss: [iou]}\ntracking: [{type: mlflow, tracking_uri: '
     'file:///elsewhere/../x/mlruns}]\n', "mlflow takes no option "
     "'tracking_uri'"),
    ('axes: {loss: [iou]}\ntracking: [{type: wandb, dir: /tmp/w}]\n',
     "wandb takes no option 'dir'"),
    ('axes: {loss: [iou]}\ntracking: [{type: wandb, project: ../x}]\n',
     'wandb.project must be a plain name'),
    # 4. env outside the allow-list: names that change how a program
    # starts, load code (a planted yapf grammar in XDG_CACHE_HOME) or write
    # files elsewhere (TORCH_LOGS_OUT, MPLCONFIGDIR)
    ('axes: {loss: [iou]}\nenv: {PYTHONPATH: /tmp/x}\n', "'PYTHONPATH' is "
     'not a variable a spec may set; allowed: OMP_NUM_THREADS'),
    ('axes: {loss: [iou]}\nenv: {LD_PRELOAD: /tmp/x.so}\n', 'LD_PRELOAD'),
    ('axes: {loss: [iou]}\nenv: {XDG_CACHE_HOME: /tmp/x}\n',
     "'XDG_CACHE_HOME' is not a variable a spec may set"),
    ('axes: {loss: [iou]}\nenv: {TORCH_LOGS_OUT: /tmp/x}\n',
     "'TORCH_LOGS_OUT' is not"),
    ('axes: {loss: [iou]}\nenv: {MPLCONFIGDIR: /tmp/x}\n',
     "'MPLCONFIGDIR' is not"),
    ('axes: {loss: [iou]}\nenv: {shapes_root: /tmp}\n',
     "'shapes_root' is not a variable a spec may set"),
    ('axes: {loss: [iou]}\nenv: {OMP_NUM_THREADS: ../x}\n',
     "OMP_NUM_THREADS='../x': must be a thread count"),
    # YAML tags and aliases, case-insensitive detector names, a config
    # that is not one
    ('axes: {loss: !!python/object/apply:os.system [id]}\n', 'a YAML tag'),
    ('axes: {loss: !!binary aXU=}\n', 'a YAML tag'),
    ('a: &x [iou]\naxes: {loss: *x}\n', 'a YAML alias (*x)'),
])
def test_a_hostile_spec_is_refused(tmp_path, capsys, text, message):
    path = _spec(tmp_path, text)
    for argv in (['plan', path], ['plan', path, '--dry-run'],
                 ['run', path, '--launcher', 'slurm', '--partition', 'p',
                  '--dry-run']):
        _refused(capsys, argv, message)
    assert not os.path.exists(tmp_path / 'wd')
    assert not glob.glob('PWNED') and not (tmp_path / 'PWNED').exists()


def test_an_alias_bomb_is_refused_at_once(tmp_path, capsys):
    lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]']
    lines += [f'a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, '
              f'*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]'
              for i in range(1, 10)]
    path = _spec(tmp_path, '\n'.join(lines) + '\naxes: {loss: [iou]}\n'
                 'options: {x: *a9}\n')
    start = time.time()
    _refused(capsys, ['plan', path, '--dry-run'], 'a YAML alias (*a0)')
    assert time.time() - start < 5


@pytest.mark.parametrize('kind', ['fifo', 'dev-zero', 'folder', 'big'])
def test_a_spec_that_is_not_a_regular_file_says_so(tmp_path, capsys, kind):
    path = tmp_path / 's.yaml'
    if kind == 'fifo':
        os.mkfifo(path)
    elif kind == 'dev-zero':
        os.symlink('/dev/zero', path)
    elif kind == 'folder':
        os.mkdir(path)
    else:
        path.write_text('# ' + 'x' * (1 << 20) + '\n')
    message = {'fifo': 'is a FIFO', 'dev-zero': 'is a device',
               'folder': 'is a folder', 'big': 'a spec is at most'}[kind]
    _refused(capsys, ['plan', str(path), '--dry-run'], message)


def test_a_python_spec_is_refused_as_code(tmp_path, capsys):
    path = tmp_path / 's.py'
    path.write_text("open('PWNED', 'w')\n")
    _refused(capsys, ['plan', str(path)], 'a spec is data')
    assert not (tmp_path / 'PWNED').exists() and not os.path.exists('PWNED')


def test_a_config_that_is_not_a_config_file(tmp_path, capsys):
    path = tmp_path / 's.yaml'
    path.write_text(f"work_dir: {tmp_path / 'wd'}\nconfigs: /etc/hostname\n")
    _refused(capsys, ['plan', str(path)], "config of 'hostname': "
             "'/etc/hostname' is not a config file (a .py name")


def test_run_ids_that_differ_only_in_case_are_refused(tmp_path, capsys):
    path = _spec(tmp_path, 'axes: {loss: [iou], box_head.loss_bbox.mode: '
                 '[linear, LINEAR]}\n')
    _refused(capsys, ['plan', path, '--dry-run'], 'differ only in case')


def test_a_slurm_dry_run_writes_nothing(tmp_path, capsys):
    path = _spec(tmp_path, 'axes: {loss: [iou, focal-iou], seed: '
                 f'{list(range(40))}}}\n')
    assert sweep_main(['run', path, '--launcher', 'slurm', '--partition',
                       'p', '--dry-run']) == 0
    out = capsys.readouterr().out
    assert '80 runs' in out and '(--dry-run: checked, nothing written)' in out
    assert 'sbatch --parsable' in out
    assert not os.path.exists(tmp_path / 'wd')


def test_generated_configs_hold_only_literals(tmp_path):
    """Every statement of a generated run config assigns a literal."""
    spec = cpu_spec(tmp_path, tracking=['tensorboard', {
        'type': 'mlflow', 'experiment': 'e', 'tags': {'who': "it's"}}],
        options={'train_cfg.val_interval': 1},
        axes={'loss': ['baseline', 'iou', 'focal-iou'],
              'box_head.loss_bbox.gamma': [None, 1.0],
              'seed': [0]})
    for run in plan(spec):
        text = spec.run_dir(run.id).config_text()
        for node in ast.parse(text).body:
            assert isinstance(node, ast.Assign), ast.dump(node)
            assert all(isinstance(t, ast.Name) for t in node.targets)
            ast.literal_eval(node.value)


def test_plan_names_config_files_that_run_as_code(tmp_path, capsys):
    from focal_iou_mmdet.runs import config_path
    outside = tmp_path / 'elsewhere' / 'my_retinanet.py'
    outside.parent.mkdir()
    shipped = config_path('retinanet_r18-c16_fpn_iou_12e_shapes.py')
    outside.write_text(f'_base_ = [{shipped!r}]\n')
    spec_dir = tmp_path / 'specs'
    spec_dir.mkdir()
    path = spec_dir / 's.yaml'
    path.write_text(yaml.safe_dump(dict(
        work_dir=str(tmp_path / 'wd'), configs={'mine': str(outside)},
        axes={'seed': [0]})))
    assert sweep_main(['plan', str(path)]) == 0
    out = capsys.readouterr().out
    assert 'note: these config files run as Python code' in out
    assert str(outside) in out
    # one beside the spec, or a shipped one, is not named
    os.makedirs(tmp_path / 'b')
    cpu = cpu_spec(tmp_path / 'b', axes={'loss': ['iou'], 'seed': [0]},
                   exclude=[])
    plan(cpu)
    assert 'run as Python code' not in capsys.readouterr().out


def test_a_mapping_where_the_config_has_a_number_is_one_error(tmp_path,
                                                              capsys):
    """Found by the fuzzer: mmengine refuses to merge a mapping into an
    int; the plan says so in one line."""
    path = _spec(tmp_path, 'axes: {loss: [iou], train_cfg.val_interval: '
                 '[{}]}\n')
    _refused(capsys, ['plan', path], 'its overrides do not merge into')


#: names a spec's env could try: the whole environment here, names known
#: to load code or write files, the allowed ones, and any other text
ENV_NAMES = st.one_of(
    st.sampled_from(sorted(os.environ) or ['HOME']),
    st.sampled_from(['XDG_CACHE_HOME', 'XDG_CONFIG_HOME', 'TORCH_LOGS_OUT',
                     'MPLCONFIGDIR', 'TORCH_HOME', 'TORCHINDUCTOR_CACHE_DIR',
                     'HF_HOME', 'PYTHONPATH', 'LD_PRELOAD', 'BASH_ENV',
                     'SHAPES_ROOT', 'MMENGINE_HOME', 'CUDA_CACHE_PATH']),
    st.sampled_from(sorted(ENV_ALLOWED)),
    st.text(min_size=1, max_size=12))
ENV_VALUES = st.one_of(st.integers(-5, 10**6), st.sampled_from(
    ['1', '0', '4', ':4096:8', 'INFO', 'expandable_segments:True',
     '/tmp/x', '../x', '1;id', 'yes']), st.text(max_size=8))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(name=ENV_NAMES, value=ENV_VALUES)
def test_env_is_an_allow_list(name, value):
    """Accepted exactly when the name is allowed and the value matches its
    pattern; every refusal names the allowed variables or the pattern."""
    data = {'configs': {'r': 'x.py'}, 'axes': {'loss': ['iou']},
            'env': {name: value}}
    rule = ENV_ALLOWED.get(name)
    ok = rule is not None and not isinstance(value, bool) and \
        re.fullmatch(rule[0], str(value)) is not None
    try:
        validate(data, 'spec.yaml')
    except SweepSpecError as e:
        assert not ok, e
        assert 'allowed: OMP_NUM_THREADS' in str(e) or 'must be' in str(e)
    else:
        assert ok, (name, value)
        assert check_run_env({name: value}) == {name: str(value)}
