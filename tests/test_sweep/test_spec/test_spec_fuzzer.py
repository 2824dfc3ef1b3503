"""A fuzzer for the rule "a spec is inert": hypothesis generates hostile
specs (Unicode keys and values with newlines, quotes, braces, ``$``,
backticks, dotted paths, YAML tags and aliases, nested mappings) and
sends each through ``plan --dry-run``, the SLURM launcher's dry run and
``plan``.  For every spec: nothing is created outside the work root, no
process is started, a generated config holds only literals, and a
rejection is one ``error:`` line with exit code 2.

``make test`` runs a bounded budget (:data:`EXAMPLES`);
``FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest
tests/test_sweep/test_spec/test_spec_fuzzer.py`` runs a longer one."""
import ast
import contextlib
import io
import os
import shutil
import subprocess
import tempfile

import yaml
from helpers import SHAPES_RETINANET
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from focal_iou_mmdet.runs.code_snapshot import SNAPSHOTS
from focal_iou_mmdet.sweep.__main__ import main as sweep_main
from focal_iou_mmdet.sweep.spec.schema import ENV_ALLOWED

EXAMPLES = int(os.environ.get('FUZZ_EXAMPLES', '40'))
HOSTILE = list('ab_.\n\r\t\'"{}$`\\/ é#:!&*|%\u2028\x00')
PIECES = ['..', '${HOME}', '__import__', 'os.system', 'exec(', '\n#']
text = st.one_of(
    st.text(alphabet=st.sampled_from(HOSTILE), min_size=1, max_size=10),
    st.lists(st.sampled_from(PIECES + HOSTILE), min_size=1,
             max_size=4).map(''.join))
keys = st.one_of(st.sampled_from(['loss', 'seed', 'epochs', 'name',
                                  'box_head.loss_bbox.gamma',
                                  'train_cfg.val_interval', 'model.x.y',
                                  'SHAPES_ROOT', 'PYTHONPATH', 'type']),
                 text)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2, 2**33),
                    st.floats(allow_nan=True, allow_infinity=True), text,
                    st.sampled_from(['iou', 'focal-iou', 'baseline']))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=3)),
    max_leaves=8)
trackers = st.lists(st.one_of(
    st.sampled_from(['tensorboard', 'mlflow', 'wandb', 'os.system']),
    st.dictionaries(st.sampled_from(['type', 'save_dir', 'project',
                                     'tracking_uri', 'tags']),
                    st.one_of(text, st.sampled_from(['mlflow', 'wandb']),
                              values), max_size=3)), max_size=2)
RAW = ['x: !!python/object/apply:os.system [id]\n',
       'y: &a [1]\nz: *a\n', 'w: !!binary aXU=\n']


VALID_KEYS = ['train_cfg.val_interval', 'box_head.loss_bbox.gamma',
              'box_head.loss_bbox.loss_weight', 'default_hooks.logger.x',
              'model.test_cfg.nms.iou_threshold', 'randomness.deterministic']
#: one field of an otherwise plannable spec, made hostile
MUTATIONS = {
    'axes': st.dictionaries(st.one_of(st.sampled_from(VALID_KEYS), keys),
                            st.lists(values, min_size=1, max_size=2),
                            min_size=1, max_size=2),
    'options': st.dictionaries(st.one_of(st.sampled_from(VALID_KEYS), keys),
                               values, min_size=1, max_size=2),
    'env': st.dictionaries(st.one_of(
        st.sampled_from(sorted(os.environ) or ['HOME']),
        st.sampled_from(sorted(ENV_ALLOWED) + ['SHAPES_ROOT', 'XDG_CACHE_HOME',
                                               'TORCH_LOGS_OUT',
                                               'MPLCONFIGDIR']), keys),
        st.one_of(values, st.sampled_from(['1', '2', 'INFO', '/tmp/x'])),
        min_size=1, max_size=2),
    'tracking': trackers,
    'name': text,
    'baseline': values,
    'configs': st.dictionaries(text, st.one_of(text, st.just(
        SHAPES_RETINANET)), min_size=1, max_size=2),
}


@st.composite
def specs(draw):
    """A plannable spec with one or two fields made hostile, and at times
    raw YAML (tags, aliases) appended."""
    spec = {'configs': {'retinanet': SHAPES_RETINANET},
            'axes': {'loss': ['iou', 'focal-iou']}}
    for field in draw(st.lists(st.sampled_from(sorted(MUTATIONS)),
                               min_size=1, max_size=2, unique=True)):
        value = draw(MUTATIONS[field])
        if field == 'axes':
            value = dict(spec['axes'], **value)
        spec[field] = value
    return spec, draw(st.sampled_from([''] * 6 + RAW))


def _files(root):
    out = set()
    for d, dirs, files in os.walk(root):
        out.update(os.path.join(d, f) for f in dirs + files)
    return out


def _run(argv):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), \
            contextlib.redirect_stdout(io.StringIO()):
        try:
            code = sweep_main(argv)
        except SystemExit as e:
            code = e.code
    return code, err.getvalue()


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(specs())
def test_a_hostile_spec_stays_data(case):
    spec, raw = case
    outer = tempfile.mkdtemp(prefix='fuzz ')
    try:
        root = os.path.join(outer, 'spec folder')
        os.mkdir(root)
        # a working folder of its own (inside ``outer``, so the check
        # below sees anything written relative to it); the repository
        # root is shared with other pytest workers
        cwd = os.path.join(outer, 'cwd')
        os.mkdir(cwd)
        with contextlib.chdir(cwd):
            _check(outer, root,
                   dict(spec, work_dir=os.path.join(root, 'wd')), raw)
    finally:
        shutil.rmtree(outer, ignore_errors=True)


def _check(outer, root, spec, raw):
    before = _files(outer) - _files(root)
    path = os.path.join(root, 's.yaml')
    with open(path, 'w') as f:
        f.write(yaml.safe_dump(spec, allow_unicode=True) + raw)
    started = []
    real = subprocess.Popen.__init__

    def no_process(self, *a, **k):
        started.append(a[0] if a else k.get('args'))
        raise AssertionError(f'a process was started: {started[-1]}')
    subprocess.Popen.__init__ = no_process
    try:
        codes = []
        for argv in (['plan', path, '--dry-run'],
                     ['run', path, '--launcher', 'slurm', '--partition',
                      'p', '--dry-run', '--max-array-size', '8']):
            code, err = _run(argv)
            codes.append(code)
            assert code in (0, 2), (code, err)
            if code == 2:
                assert err.startswith('error: ') and \
                    len(err.strip().splitlines()) == 1, err
        assert not os.path.exists(os.path.join(root, "wd"))
        if codes == [0, 0]:
            code, err = _run(['plan', path])
            assert code in (0, 2), err
            if code == 0:
                _only_literals(os.path.join(root, 'wd'))
    finally:
        subprocess.Popen.__init__ = real
    assert not started, started
    assert _files(outer) - _files(root) == before


def _only_literals(work_dir):
    """Every generated file holds literals only; the code snapshot
    (``_code/``: this package's own files, copied, nothing from the spec)
    is not generated."""
    for d, dirs, files in os.walk(work_dir):
        dirs[:] = [x for x in dirs if x != SNAPSHOTS]
        for name in files:
            if name.endswith('.py'):
                with open(os.path.join(d, name)) as f:
                    tree = ast.parse(f.read())
                for node in tree.body:
                    assert isinstance(node, ast.Assign), ast.dump(node)
                    ast.literal_eval(node.value)
