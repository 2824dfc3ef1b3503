"""A content hash of the package's Python files and of config files, the
same wherever the checkout lies: what a run's code identity
(:mod:`.config_chain`) and a code snapshot's key (:mod:`.code_snapshot`)
are made of."""
import hashlib
import os
import os.path as osp
from typing import Dict, Iterable, Optional

#: the package whose code is hashed (this installation's)
PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))
#: characters of the hash shown in tables and notes
SHORT = 12


def _update(digest, path: str, name: str) -> None:
    digest.update(name.encode() + b'\0')
    with open(path, 'rb') as f:
        digest.update(f.read())
    digest.update(b'\0')


def file_sha256(path: str) -> str:
    """sha256 (hex) of a file's content, read in blocks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def code_hash(configs: Iterable[str] = (),
              package_dir: Optional[str] = None,
              user_configs: Optional[Dict[str, bytes]] = None) -> str:
    """sha256 (hex) over the package's ``*.py`` files (relative path and
    content, in sorted order), the given config files (their content,
    named by basename, so a moved checkout hashes the same) and
    ``user_configs`` (name -> content: a snapshot's copies of configs from
    outside the shipped tree)."""
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
    for name in sorted(user_configs or {}):
        digest.update(f'user-config:{name}'.encode() + b'\0'
                      + user_configs[name] + b'\0')
    return digest.hexdigest()


__all__ = ['PACKAGE_DIR', 'SHORT', 'code_hash', 'file_sha256']
