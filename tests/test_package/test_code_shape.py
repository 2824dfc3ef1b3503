"""The package's shape, as the developers' guide asks it: functions fit on
a screen, modules stay small, every fact about SLURM lives in its launcher,
and no worker is started through an injected PYTHONPATH."""
import ast
import pathlib
import re

import pytest
from helpers import ROOT

PACKAGE = pathlib.Path(ROOT) / 'focal_iou_mmdet'
SOURCES = sorted(PACKAGE.rglob('*.py'))
MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 400


def _functions(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node.lineno, node.end_lineno - node.lineno + 1


def test_no_function_is_longer_than_a_screen():
    long = [f'{p.relative_to(ROOT)}:{line} {name} ({n} lines)'
            for p in SOURCES for name, line, n in _functions(p)
            if n > MAX_FUNCTION_LINES]
    assert not long, long


def test_no_module_is_over_the_limit():
    big = [f'{p.relative_to(ROOT)} ({n} lines)' for p in SOURCES
           for n in [len(p.read_text().splitlines())] if n > MAX_MODULE_LINES]
    assert not big, big


def _code_without_docs(path):
    """The module's source without comments and docstrings."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        body = getattr(node, 'body', None)
        if isinstance(body, list) and body and isinstance(
                body[0], ast.Expr) and isinstance(
                    getattr(body[0], 'value', None), ast.Constant) and \
                isinstance(body[0].value.value, str):
            body[0].value.value = ''
    return ast.unparse(tree)


def test_slurm_commands_live_in_the_slurm_launcher():
    words = re.compile(r'\b(squeue|sbatch|srun|scontrol|scancel)\b')
    where = sorted(str(p.relative_to(PACKAGE)) for p in SOURCES
                   if words.search(_code_without_docs(p)))
    assert where == ['sweep/launchers/slurm.py', 'utils/cpu_dist.py'], where


@pytest.mark.parametrize('folder', ['focal_iou_mmdet', 'tools'])
def test_no_pythonpath_injection(folder):
    root = pathlib.Path(ROOT) / folder
    hits = [str(p.relative_to(ROOT)) for p in sorted(root.rglob('*'))
            if p.suffix in ('.py', '.sh') and
            re.search(r'PYTHONPATH\s*=|\[.PYTHONPATH.\]\s*=|'
                      r'PYTHONPATH=', p.read_text())]
    assert not hits, hits


def test_lower_layers_do_not_import_upper_ones():
    """runs/ stands on utils/ alone; analysis/ and sweep/ stand on runs/;
    nothing below the sweep layer imports it."""
    lower = {'runs': ('sweep', 'analysis', 'models', 'ops', 'datasets'),
             'utils': ('sweep', 'analysis', 'runs', 'models'),
             'analysis': ('sweep', ),
             'models': ('sweep', 'runs', 'analysis')}
    bad = []
    for layer, above in lower.items():
        for p in (PACKAGE / layer).rglob('*.py'):
            for node in ast.walk(ast.parse(p.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module:
                    name = ('.' * node.level) + node.module
                    top = name.lstrip('.').split('.')[0]
                    if node.level >= 2 and top in above or \
                            name.startswith('focal_iou_mmdet.') and \
                            name.split('.')[1] in above:
                        bad.append(f'{p.relative_to(ROOT)}: {name}')
    assert not bad, bad
