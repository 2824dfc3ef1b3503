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
    assert where == ['sweep/launchers/slurm.py',
                     'sweep/launchers/slurm_limits.py',
                     'sweep/launchers/slurm_options.py',
                     'sweep/launchers/slurm_task.py',
                     'utils/cpu_dist.py'], where


@pytest.mark.parametrize('folder', ['focal_iou_mmdet', 'tools'])
def test_no_pythonpath_injection(folder):
    root = pathlib.Path(ROOT) / folder
    hits = [str(p.relative_to(ROOT)) for p in sorted(root.rglob('*'))
            if p.suffix in ('.py', '.sh') and
            re.search(r'PYTHONPATH\s*=|\[.PYTHONPATH.\]\s*=|'
                      r'PYTHONPATH=', p.read_text())]
    assert not hits, hits


def test_lower_layers_do_not_import_upper_ones():
    """evaluation/ stands on nothing of ours; runs/ on utils/ and
    evaluation/; analysis/ and sweep/ stand on runs/; nothing below the
    sweep layer imports it."""
    lower = {'runs': ('sweep', 'analysis', 'models', 'ops', 'datasets',
                      'registration'),
             'utils': ('sweep', 'analysis', 'runs', 'models', 'engine',
                       'registration'),
             'analysis': ('sweep', 'registration'),
             'models': ('sweep', 'runs', 'analysis', 'registration'),
             'engine': ('sweep', 'runs', 'analysis', 'registration'),
             'evaluation': ('sweep', 'analysis', 'runs', 'models', 'engine',
                            'ops', 'datasets', 'registration', 'utils')}
    bad = []
    for layer, above in lower.items():
        for p in (PACKAGE / layer).rglob('*.py'):
            for node in ast.walk(ast.parse(p.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module:
                    name = ('.' * node.level) + node.module
                    top = name.lstrip('.').split('.')[0]
                    if node.level >= 2 and top in above or \
                            name.startswith('focal_iou_mmdet.') and \
                            name.split('.')[1] in above or \
                            name == 'focal_iou_mmdet':
                        bad.append(f'{p.relative_to(ROOT)}: {name}')
    assert not bad, bad


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix('').parts)
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


def _imports(path: pathlib.Path):
    """Every package module ``path`` imports, at any depth (inside
    functions too; TYPE_CHECKING blocks included)."""
    here = _module_name(path)
    package = here if path.name == '__init__.py' else here.rsplit('.', 1)[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split('.')
                base = base[:len(base) - node.level + 1]
                mod = '.'.join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ''
            names = [mod] + [f'{mod}.{a.name}' for a in node.names]
        else:
            continue
        for name in names:
            if name.startswith('focal_iou_mmdet'):
                yield name


def _import_graph():
    modules = {_module_name(p): p for p in SOURCES}
    graph = {}
    for name, path in modules.items():
        deps = set()
        for target in _imports(path):
            while target and target not in modules:
                target = target.rpartition('.')[0]
            if target and target != name:
                deps.add(target)
        graph[name] = deps
    return graph


def test_no_import_cycles():
    """No module imports one that imports it back (directly or through
    others), counting imports inside functions; a package importing its
    own submodules (``__init__``) is not a cycle."""
    graph = _import_graph()

    def below(a, b):  # b is a's own submodule
        return b.startswith(a + '.')
    edges = {a: {b for b in deps if not below(a, b)}
             for a, deps in graph.items()}
    index, low, stack, on, cycles = {}, {}, [], set(), []

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))
    for v in sorted(edges):
        if v not in index:
            visit(v)
    assert not cycles, cycles


#: the sweep's stages, bottom up: each may import only those before it
SWEEP_STAGES = ['spec', 'plan', 'launchers', 'observe', 'compare', 'report',
                'until_decided', 'one_axis_sweep', '__main__']


def test_the_sweep_stages_import_only_earlier_ones():
    """spec -> plan -> launchers (execute) -> observe -> compare -> report
    -> the commands: a stage never imports a later one."""
    graph = _import_graph()
    stage = lambda m: m.split('.')[2] if m.count('.') >= 2 else None  # noqa
    bad = []
    for mod, deps in graph.items():
        if not mod.startswith('focal_iou_mmdet.sweep.') or \
                stage(mod) not in SWEEP_STAGES:
            continue
        for dep in deps:
            if dep.startswith('focal_iou_mmdet.sweep.') and \
                    stage(dep) in SWEEP_STAGES and \
                    SWEEP_STAGES.index(stage(dep)) > \
                    SWEEP_STAGES.index(stage(mod)):
                bad.append(f'{mod} imports {dep}')
    assert not bad, bad


def test_every_sweep_module_belongs_to_a_stage():
    names = {p.relative_to(PACKAGE / 'sweep').parts[0].removesuffix('.py')
             for p in (PACKAGE / 'sweep').rglob('*.py')}
    assert names - {'__init__'} <= set(SWEEP_STAGES), names


def test_no_two_modules_have_near_identical_names():
    import difflib
    stems = sorted({p.stem for p in SOURCES if p.stem != '__init__'})
    close = [(a, b) for i, a in enumerate(stems) for b in stems[i + 1:]
             if a.rstrip('s') == b.rstrip('s') or
             difflib.SequenceMatcher(None, a, b).ratio() >= 0.8]
    assert not close, close


def test_nothing_outside_the_launchers_names_a_launcher():
    """A launcher's name is a string only its own module knows (the sweep
    asks ``LAUNCHERS``)."""
    from focal_iou_mmdet.sweep.launchers import LAUNCHERS
    hits = []
    for p in (PACKAGE / 'sweep').rglob('*.py'):
        if 'launchers' in p.parts:
            continue
        for node in ast.walk(ast.parse(_code_without_docs(p))):
            if isinstance(node, ast.Constant) and node.value in LAUNCHERS:
                hits.append(f'{p.relative_to(ROOT)}:{node.lineno}')
    assert not hits, hits
