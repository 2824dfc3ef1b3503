"""Every numeric option of the sweep CLI is declared once with its range
(:class:`focal_iou_mmdet.utils.cli_numbers.Number`) and checked before
anything runs: one error line naming the option, never a traceback, a
silent default or a value handed on to sbatch."""
import argparse
import contextlib
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from focal_iou_mmdet.sweep.__main__ import build_parser, parse_args
from focal_iou_mmdet.sweep.launchers.slurm_task import (check_signal_time,
                                                        time_limit_seconds)
from focal_iou_mmdet.utils.cli_numbers import Number


def _numeric_options():
    """``[(subcommand, flag, Number)]`` of every option whose value is a
    number, found in the parser itself."""
    out = []
    parser = build_parser()
    sub = next(a for a in parser._actions
               if isinstance(a, argparse._SubParsersAction))
    for name, p in sub.choices.items():
        for a in p._actions:
            if a.option_strings and a.type is not None:
                out.append((name, a.option_strings[0], a.type))
    return out


NUMERIC = _numeric_options()
#: what the rest of each command needs to parse
PREFIX = {'run': ['run', 'spec.yaml', '--launcher', 'slurm', '--partition',
                  'p'],
          'seeds': ['seeds', 'spec.yaml', '--delta', '0.5'],
          'report': ['report', 'spec.yaml']}
LOCAL_ONLY = ('--jobs',)
SEQUENTIAL = ('--max-seeds', '--seeds-per-round', '--precision', '--poll')


def test_every_numeric_option_has_a_declared_range():
    assert len(NUMERIC) >= 18
    plain = [(c, f) for c, f, t in NUMERIC if t in (int, float)]
    assert not plain, f'numeric options without a declared range: {plain}'
    assert all(isinstance(t, Number) for _, _, t in NUMERIC)


def _argv(command, flag, value):
    argv = list(PREFIX[command])
    if flag in LOCAL_ONLY:
        argv[3] = 'local'
        argv = argv[:4]
    if command == 'run' and flag in SEQUENTIAL:
        argv.append('--until-decided')
    return argv + [flag, value]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(option=st.sampled_from(NUMERIC),
       value=st.one_of(st.integers(-10**9, 10**12), st.floats(
           allow_nan=True, allow_infinity=True), st.sampled_from(
           ['0', '-1', '-2', '1e999', 'nan', 'inf', ' 3', '0x10', '', 'x'])))
def test_any_number_is_taken_in_range_or_refused_in_one_line(option, value):
    command, flag, number = option
    text, err = str(value), io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            args = parse_args(_argv(command, flag, text))
    except SystemExit as e:
        assert e.code == 2
        assert flag in err.getvalue(), err.getvalue()
        assert 'Traceback' not in err.getvalue()
        return
    got = getattr(args, flag[2:].replace('-', '_'))
    assert number.check(flag, got) == got  # in range


@pytest.mark.parametrize('argv, message', [
    (['run', 's.yaml', '--launcher', 'local', '--gpus-per-run', '0'],
     'argument --gpus-per-run: must be an integer from 1 to 1,024'),
    (['run', 's.yaml', '--launcher', 'slurm', '--partition', 'p',
      '--max-parallel', '0'], '--max-parallel: must be an integer from 1'),
    (['run', 's.yaml', '--launcher', 'slurm', '--partition', 'p',
      '--max-parallel', '-2'], '--max-parallel: must be'),
    (['run', 's.yaml', '--launcher', 'slurm', '--partition', 'p',
      '--gpus-per-node', '-1'], '--gpus-per-node: must be'),
    (['run', 's.yaml', '--launcher', 'slurm', '--partition', 'p',
      '--cpus-per-task', '0'], '--cpus-per-task: must be'),
    (['run', 's.yaml', '--launcher', 'slurm', '--partition', 'p',
      '--max-attempts', '0'], '--max-attempts: must be'),
    (['run', 's.yaml', '--launcher', 'slurm', '--partition', 'p',
      '--max-array-size', '0'], '--max-array-size: must be'),
    (['run', 's.yaml', '--launcher', 'slurm', '--partition', 'p',
      '--signal', 'USR1@99999999'], '--signal SIG@S: S must be an integer '
     'from 1 to 65,535, got 99999999'),
    (['run', 's.yaml', '--launcher', 'slurm', '--partition', 'p',
      '--signal', 'USR1@600', '--time=5'], '--signal: 600 s before the '
     'time limit, but --time gives each task 300 s'),
    (['seeds', 's.yaml', '--delta', '0.5', '--max-seeds', '100000000'],
     '--max-seeds: must be an integer from 2 to 1,000'),
])
def test_the_issues_values_are_refused(argv, message, capsys):
    with pytest.raises(SystemExit) as e:
        parse_args(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert message in err, err


@pytest.mark.parametrize('text, seconds', [
    ('30', 1800), ('30:15', 1815), ('1:00:00', 3600), ('2-0', 172800),
    ('1-12:30', 131400), ('0-0:0:45', 45)])
def test_slurm_time_limits(text, seconds):
    assert time_limit_seconds(text) == seconds


@pytest.mark.parametrize('args, ok', [
    (['--time=10'], True), (['-t', '10'], True), (['-t5'], False),
    (['--time', '4'], False), ([], True), (['--mem=1G'], True)])
def test_the_signal_comes_before_the_time_limit(args, ok):
    if ok:
        check_signal_time(300, args)
    else:
        with pytest.raises(ValueError, match='before the time limit'):
            check_signal_time(300, args)
