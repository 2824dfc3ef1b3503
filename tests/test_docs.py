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
