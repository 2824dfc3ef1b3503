"""The documentation builds strictly (a warning or a broken link fails it),
and the README stays a page a newcomer reads to the end."""
import os
import re
import subprocess
import sys

import pytest
from helpers import ROOT


def test_docs_build_strict(tmp_path):
    pytest.importorskip('mkdocs', reason='bash tools/setup.sh installs mkdocs')
    out = subprocess.run(
        [sys.executable, '-m', 'mkdocs', 'build', '--strict', '--site-dir',
         str(tmp_path / 'site')], cwd=ROOT, capture_output=True, text=True,
        timeout=300, env=dict(os.environ, NO_MKDOCS_2_WARNING='1'))
    assert out.returncode == 0, out.stdout + out.stderr
    assert os.path.isfile(tmp_path / 'site' / 'sweeps' / 'index.html')


def test_readme_is_short_and_its_links_resolve():
    with open(os.path.join(ROOT, 'README.md')) as f:
        text = f.read()
    assert len(text.splitlines()) <= 300
    assert 'make quickstart' in text and 'make test' in text
    for target in re.findall(r'\]\(((?!https?:)[^)#]+)(?:#[^)]*)?\)', text):
        assert os.path.exists(os.path.join(ROOT, target)), target


def _markdown_files():
    docs = os.path.join(ROOT, 'docs')
    return [os.path.join(ROOT, 'README.md')] + sorted(
        os.path.join(docs, f) for f in os.listdir(docs) if f.endswith('.md'))


def _cells(line):
    """A table row's cells (``\\|`` inside a cell is not a border)."""
    return re.split(r'(?<!\\)\|', line.strip())[1:-1]


@pytest.mark.parametrize('path', _markdown_files(),
                         ids=lambda p: os.path.basename(p))
def test_tables_render(path):
    """Every run of table rows starts with a header and a |---| line, and
    all its rows have the header's number of cells (a blank line inside a
    table, or a row without a header, renders as a paragraph of pipes)."""
    lines = open(path).read().splitlines()
    in_code, block, bad = False, [], []
    for no, line in enumerate(lines + [''], 1):
        if line.startswith('```'):
            in_code = not in_code
        if not in_code and line.startswith('|'):
            block.append((no, line))
            continue
        if block:
            head = _cells(block[0][1])
            if len(block) < 2 or not re.fullmatch(
                    r'\|(\s*:?-+:?\s*\|)+', block[1][1].strip()):
                bad.append(f'line {block[0][0]}: rows without a header')
            bad += [f'line {n}: {len(_cells(x))} cells, header has '
                    f'{len(head)}' for n, x in block
                    if len(_cells(x)) != len(head)]
            block = []
    assert not bad, bad


def test_tables_check_catches_a_split_table(tmp_path, monkeypatch):
    text = '| a | b |\n|---|---|\n| 1 | 2 |\n\n| 3 | 4 |\n'
    (tmp_path / 'x.md').write_text(text)
    with pytest.raises(AssertionError, match='rows without a header'):
        test_tables_render(str(tmp_path / 'x.md'))


def test_every_variant_and_formula_is_documented():
    """The lists in the docs are read against the code's own lists."""
    from focal_iou_mmdet.models.losses import FORMULAS, IOU_VARIANTS
    losses = open(os.path.join(ROOT, 'docs', 'losses.md')).read()
    readme = open(os.path.join(ROOT, 'README.md')).read()
    para = next(p for p in readme.split('\n\n')
                if '`iou_variant` is one of' in p)
    words = set(re.findall(r'[a-z_0-9]+', para))
    for name in IOU_VARIANTS + FORMULAS:
        assert f"`'{name}'`" in losses, (name, 'docs/losses.md')
        assert name in words, (name, 'README')
