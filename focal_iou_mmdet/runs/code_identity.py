"""Which code a run trained with: the package's version and a content
hash of its Python files and of the config files the run used, so that a
checkout edited while runs wait in a queue shows in the results instead
of silently mixing two codes in one comparison."""
import hashlib
import os
import os.path as osp
from typing import Iterable, Optional

#: the package whose code is hashed (this installation's)
PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))
#: characters of the hash shown in tables and notes
SHORT = 12


def _update(digest, path: str, name: str) -> None:
    digest.update(name.encode() + b'\0')
    with open(path, 'rb') as f:
        digest.update(f.read())
    digest.update(b'\0')


def code_hash(configs: Iterable[str] = (),
              package_dir: Optional[str] = None) -> str:
    """sha256 (hex) over the package's ``*.py`` files (relative path and
    content, in sorted order) and the given config files (their content,
    named by basename, so a moved checkout hashes the same)."""
    root = package_dir or PACKAGE_DIR
    digest = hashlib.sha256()
    files = []
    for d, dirs, names in os.walk(root):
        dirs[:] = sorted(x for x in dirs if x != '__pycache__')
        files += [osp.join(d, n) for n in names if n.endswith('.py')]
    for path in sorted(files):
        _update(digest, path, osp.relpath(path, root).replace(os.sep, '/'))
    for path in sorted(set(configs)):
        _update(digest, path, 'config:' + osp.basename(path))
    return digest.hexdigest()


def code_identity(configs: Iterable[str] = ()) -> dict:
    """``{'version': ..., 'hash': ...}`` of this installation."""
    from ..version import __version__
    return dict(version=__version__, hash=code_hash(configs))


__all__ = ['PACKAGE_DIR', 'SHORT', 'code_hash', 'code_identity']
