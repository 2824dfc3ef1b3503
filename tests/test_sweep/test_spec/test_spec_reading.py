"""A spec never silently means something else: duplicate keys, YAML 1.1
scalars that YAML 1.2 reads otherwise, nesting too deep to parse and
overlong values in an error are each one ``error:`` line.

The YAML 1.1/1.2 rule is checked against an independent YAML 1.2 reader
(ruamel.yaml's safe loader): a plain scalar the spec reader accepts
reads the same there."""
import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from focal_iou_mmdet.sweep.__main__ import main as sweep_main
from focal_iou_mmdet.sweep.spec.spec_file import read_spec_file
from focal_iou_mmdet.sweep.spec.values import SweepSpecError


def _read(tmp_path, text, name='s.yaml'):
    path = tmp_path / name
    path.write_text(text)
    return read_spec_file(str(path))


@pytest.mark.parametrize('text, message', [
    ('baseline: {loss: iou}\nname: x\nbaseline: {loss: focal-iou}\n',
     "key 'baseline' given twice, at lines 1 and 3"),
    ('axes:\n  loss: [iou]\n  seed: [0]\n  loss: [giou]\n',
     "key 'loss' given twice, at lines 2 and 4"),
    ('options: {a: 1, b: 2, a: 3}\n', "key 'a' given twice, at lines 1 and 1"),
    ('m:\n  <<: {a: 1}\n  b: 2\n', "'<<' at line 2 is a YAML 1.1 special"),
])
def test_yaml_keys_given_twice_are_named_with_both_lines(tmp_path, text,
                                                         message):
    with pytest.raises(SweepSpecError, match=message):
        _read(tmp_path, text)


@pytest.mark.parametrize('text, message', [
    ('{"baseline": {"loss": "iou"},\n "name": "x",\n "baseline": '
     '{"loss": "focal-iou"}}', "key 'baseline' given twice, at lines 1 "
     'and 3'),
    ('{"axes": {"ü": [1],\n "ü": [2]}}', "key 'ü' given twice, at lines 1 "
     'and 2'),
    ('{"a": {"x": 1}, "b": {"x": 2, "y": 3, "x": 4}}', "key 'x' given "
     'twice'),
])
def test_json_keys_given_twice_are_named(tmp_path, text, message):
    with pytest.raises(SweepSpecError, match=message):
        _read(tmp_path, text, 's.json')


def test_the_same_key_in_different_mappings_is_fine(tmp_path):
    assert _read(tmp_path, '{"a": {"x": 1}, "b": {"x": 2}}', 's.json') == \
        {'a': {'x': 1}, 'b': {'x': 2}}
    assert _read(tmp_path, 'a: {x: 1}\nb: {x: 2}\n') == \
        {'a': {'x': 1}, 'b': {'x': 2}}


@pytest.mark.parametrize('scalar, v11, v12', [
    ('017', 15, 17), ('1:30', 90, '1:30'),
    ('0b11', 3, '0b11'), ('1_0', 10, '1_0'), ('0o17', '0o17', 15),
    ('yes', True, 'yes'), ('off', False, 'off'), ('1e3', '1e3', 1000.0),
    ('2001-12-14', None, '2001-12-14'), ('+0x1', 1, '+0x1'),
])
def test_scalars_yaml_11_and_12_read_differently_are_refused(
        tmp_path, scalar, v11, v12):
    with pytest.raises(SweepSpecError) as e:
        _read(tmp_path, f'seed: 0\nvalue: {scalar}\n')
    assert f"{scalar!r} at line 2 reads as" in str(e.value)
    assert f'and {v12!r} in YAML 1.2' in str(e.value)
    if v11 is not None:
        assert f'as {v11!r} in YAML 1.1' in str(e.value)
    # quoted, it is the string
    assert _read(tmp_path, f'value: "{scalar}"\n') == {'value': scalar}


@pytest.mark.parametrize('scalar, value', [
    ('17', 17), ('-3', -3), ('1.5', 1.5), ('.5', 0.5), ('1.0e+3', 1000.0),
    ('true', True), ('False', False), ('null', None), ('~', None),
    ('iou', 'iou'), ('focal-iou', 'focal-iou'), ('.inf', math.inf),
    ('0x1F', 31),  # hexadecimal in YAML 1.1 and 1.2 alike
])
def test_scalars_read_alike_pass(tmp_path, scalar, value):
    assert _read(tmp_path, f'v: {scalar}\n') == {'v': value}


SCALAR_TEXT = st.text(alphabet=st.sampled_from(
    list('0123456789+-._:eExobyYnNoOfFtTrRuUaAlLsS~ ')), min_size=1,
    max_size=8)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(text=SCALAR_TEXT)
def test_an_accepted_plain_scalar_reads_as_yaml_12_reads_it(text):
    """Against ruamel.yaml (YAML 1.2): whatever plain scalar the spec
    reader accepts, it reads as YAML 1.2 does."""
    ruamel = pytest.importorskip('ruamel.yaml')
    import io
    import tempfile
    # ruamel.yaml also reads digits with '_' and 0b binary as numbers,
    # which YAML 1.2's core schema does not: no oracle for those
    if '_' in text or re.search(r'0b', text):
        return
    doc = f'v: {text}\n'
    try:
        expected = ruamel.YAML(typ='safe', pure=True).load(io.StringIO(doc))
    except Exception:  # noqa: BLE001  (not a plain scalar document)
        return
    if not isinstance(expected, dict) or set(expected) != {'v'}:
        return
    with tempfile.TemporaryDirectory() as d:
        path = f'{d}/s.yaml'
        with open(path, 'w') as f:
            f.write(doc)
        try:
            got = read_spec_file(path)
        except SweepSpecError:
            return  # refused: YAML 1.1 reads it otherwise, or not a scalar
    want = expected['v']
    assert type(got['v']) is type(want) or (
        isinstance(want, str) and isinstance(got['v'], str)), (text, got)
    if isinstance(want, float) and math.isnan(want):
        assert math.isnan(got['v'])
    else:
        assert got['v'] == want, (text, got, want)


@pytest.mark.parametrize('name, text', [
    ('deep.json', '[' * 10000 + ']' * 10000),
    ('deep.yaml', '[' * 10000 + ']' * 10000),
])
def test_nesting_too_deep_is_one_error_line(tmp_path, capsys, name, text):
    path = tmp_path / name
    path.write_text(text)
    assert sweep_main(['plan', str(path), '--dry-run']) == 2
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and 'nested too deep to read' in err


def test_an_overlong_key_is_named_not_echoed(tmp_path, capsys):
    key = 'k' * 750_000
    path = tmp_path / 's.yaml'
    path.write_text(f'axes: {{loss: [iou]}}\n{key}: 1\n')
    assert sweep_main(['plan', str(path), '--dry-run']) == 2
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and len(err) < 1000
    assert '[750000 characters]' in err or '750' in err
