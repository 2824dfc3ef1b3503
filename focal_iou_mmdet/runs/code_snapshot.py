"""A sweep's own copy of the code its runs train with, so that a checkout
edited (or a package upgraded) while runs wait in a queue changes nothing
for them (submitit keeps such a snapshot for the same reason).

``<sweep folder>/_code/<key>/`` holds a copy of this package, the shipped
config tree the runs' configs come from (``configs/``) and ``train.py``, a
fixed script that trains with the code beside it (Python puts a script's
own folder first on ``sys.path``).  ``<key>`` is a content hash of both,
so the same code is copied once.  A run's generated config names its
base config inside the snapshot by a relative path (the folder can move);
its record says which snapshot (:func:`snapshot_of`).  Configs from
elsewhere (a user's own file, ``mmdet::``) are not copied."""
import os
import os.path as osp
import shutil
import tempfile
from typing import Optional

from .code_identity import PACKAGE_DIR, SHORT, code_hash
from .config_lookup import shipped_config_roots

#: the snapshots' folder in a sweep folder
SNAPSHOTS = '_code'
#: the training script of a snapshot
TRAIN_SCRIPT = 'train.py'
_TRAIN_SOURCE = (
    '"""Written by the sweep\'s plan: trains with the code beside this '
    'file."""\n'
    'from focal_iou_mmdet import register_all_modules\n'
    'from focal_iou_mmdet.utils import run_mmdet_tool\n\n'
    'register_all_modules()\n'
    "run_mmdet_tool('train.py')\n")


def config_root_of(path: str) -> Optional[str]:
    """The shipped config tree that holds ``path`` (None: elsewhere)."""
    real = osp.realpath(path)
    for root in shipped_config_roots():
        root = osp.realpath(root)
        if real.startswith(root + os.sep):
            return root
    return None


def snapshot_key(config_root: str) -> str:
    """The content hash (short) of this package and ``config_root``."""
    configs = [osp.join(d, f) for d, _, fs in os.walk(config_root)
               for f in fs if f.endswith('.py')]
    return code_hash(configs)[:SHORT]


def _ignore(_dir, names):
    return [n for n in names if n == '__pycache__' or n.endswith('.pyc')]


def take_snapshot(work_dir: str, config_root: str) -> str:
    """``<work_dir>/_code/<key>`` holding this package, ``config_root`` and
    the training script (copied once; written to a temporary folder and
    renamed, so a snapshot is whole or absent)."""
    key = snapshot_key(config_root)
    dest = osp.join(work_dir, SNAPSHOTS, key)
    if osp.isfile(osp.join(dest, TRAIN_SCRIPT)):
        return dest
    os.makedirs(osp.dirname(dest), exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f'.{key}.', dir=osp.dirname(dest))
    try:
        shutil.copytree(PACKAGE_DIR, osp.join(tmp, 'focal_iou_mmdet'),
                        ignore=_ignore)
        shutil.copytree(config_root, osp.join(tmp, 'configs'),
                        ignore=_ignore)
        with open(osp.join(tmp, TRAIN_SCRIPT), 'w') as f:
            f.write(_TRAIN_SOURCE)
        os.rename(tmp, dest)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not osp.isfile(osp.join(dest, TRAIN_SCRIPT)):  # no one else's
            raise
    return dest


def snapshot_base(snapshot: str, config_root: str, base: str) -> str:
    """Where ``base`` (a file under ``config_root``) is in ``snapshot``."""
    rel = osp.relpath(osp.realpath(base), osp.realpath(config_root))
    return osp.join(snapshot, 'configs', rel)


def snapshot_of(run_path: str, key: Optional[str]) -> Optional[str]:
    """The snapshot ``key`` of the run at ``run_path`` (its sweep
    folder's ``_code/<key>``), if it is there."""
    if not key:
        return None
    path = osp.join(osp.dirname(run_path), SNAPSHOTS, key)
    return path if osp.isfile(osp.join(path, TRAIN_SCRIPT)) else None


__all__ = ['SNAPSHOTS', 'TRAIN_SCRIPT', 'config_root_of', 'snapshot_base',
           'snapshot_key', 'snapshot_of', 'take_snapshot']
