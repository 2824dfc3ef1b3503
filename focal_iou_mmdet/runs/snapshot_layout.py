"""Where a run's config chain (:mod:`.config_chain`) lies in a code
snapshot (:mod:`.code_snapshot`): the shipped config tree as
``configs/``, every other config file of the chain (a user's own, in a
folder of theirs) as ``user_configs/<name>``, under a stable name (its
file name, with a short hash of its folder where two share one).

A user file's copy is its source with the value of its ``_base_`` replaced
by the snapshot's names for the same files (``./other.py``,
``../configs/cpu/retinanet...py``; ``mmdet::`` entries stay), written as
a Python literal: every other byte is the user's.  So the run reads, from
the snapshot, the configs as they were planned, wherever they lived.
"""
import hashlib
import os.path as osp
from dataclasses import dataclass
from typing import Dict, Optional

from .config_chain import ConfigChain, ConfigChainError, base_node
from .config_lookup import config_root_of

USER_CONFIGS = 'user_configs'


@dataclass(frozen=True)
class SnapshotLayout:
    """``config_root``: the shipped tree the chain uses (None: none);
    ``user_configs``: name -> content of the copies; ``entry``: the run's
    own config inside the snapshot (a relative path)."""
    config_root: Optional[str]
    user_configs: Dict[str, bytes]
    entry: str


def _names(paths) -> Dict[str, str]:
    """A stable name per user file: its file name, or with a short hash
    of its folder where two files share a name."""
    paths = sorted(paths)
    count: Dict[str, int] = {}
    for p in paths:
        count[osp.basename(p)] = count.get(osp.basename(p), 0) + 1
    out = {}
    for p in paths:
        stem, ext = osp.splitext(osp.basename(p))
        tag = hashlib.sha256(osp.dirname(p).encode()).hexdigest()[:8]
        out[p] = osp.basename(p) if count[osp.basename(p)] == 1 else \
            f'{stem}-{tag}{ext}'
    return out


def _rewritten(path: str, chain: ConfigChain, names: Dict[str, str],
               root: Optional[str]) -> bytes:
    """The user file's source, its ``_base_`` value naming the snapshot's
    copies (module doc)."""
    with open(path, 'rb') as f:
        raw = f.read()
    node = base_node(path, raw.decode('utf-8'))
    if node is None:
        return raw
    entries = []
    for entry, target in chain.bases[path]:
        if '::' in target:
            entries.append(entry)
        elif target in names:
            entries.append('./' + names[target])
        else:
            entries.append('../configs/' + osp.relpath(target, root).replace(
                osp.sep, '/'))
    lines = raw.split(b'\n')
    start = sum(len(x) + 1 for x in lines[:node.lineno - 1]) + \
        node.col_offset
    end = sum(len(x) + 1 for x in lines[:node.end_lineno - 1]) + \
        node.end_col_offset
    return raw[:start] + repr(entries).encode() + raw[end:]


def snapshot_layout(chain: ConfigChain) -> SnapshotLayout:
    """The chain's layout in a snapshot (module doc); ConfigChainError for
    a chain over two shipped trees."""
    roots = {config_root_of(p) for p in chain.files} - {None}
    if len(roots) > 1:
        raise ConfigChainError(f'config {chain.files[0]}: its bases come '
                               f'from two config trees ({sorted(roots)})')
    root = roots.pop() if roots else None
    user = [p for p in chain.files if config_root_of(p) is None]
    names = _names(user)
    own = chain.files[0]
    entry = f'{USER_CONFIGS}/{names[own]}' if own in names else \
        'configs/' + osp.relpath(own, root).replace(osp.sep, '/')
    return SnapshotLayout(root, {names[p]: _rewritten(p, chain, names, root)
                                 for p in user}, entry)


__all__ = ['USER_CONFIGS', 'SnapshotLayout', 'snapshot_layout']
