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
elsewhere (a user's own file, ``mmdet::``) are not copied.

The code that runs is the code recorded: :func:`verify_snapshot`, called
by :func:`snapshot_of` (every plan, dry runs included, and every start of
training) and by :func:`take_snapshot` when the folder exists already,
re-hashes the snapshot against its key.  It refuses a snapshot that is, or
holds, a symbolic link, one that holds any file besides its ``train.py``
(unchanged), the package's and the configs' ``.py`` files (and the
configs' data files, which Python never imports) and its
``manifest.json``, and one whose content does not hash to its key; the
error names the files that changed (from the manifest of sha256 per file
written with it).  Bytecode caches are removed before training (a planted
``.pyc`` would run instead of its checked source), and the training
process writes none.  ``--refresh-code`` replaces a damaged snapshot.
Checked once per process and snapshot."""
import json
import os
import os.path as osp
import re
import shutil
import tempfile
from typing import Dict, List, Optional

from .code_identity import PACKAGE_DIR, SHORT, code_hash, file_sha256
from .config_lookup import config_root_of
from .snapshot_layout import USER_CONFIGS

#: the snapshots' folder in a sweep folder
SNAPSHOTS = '_code'
#: the training script of a snapshot
TRAIN_SCRIPT = 'train.py'
#: sha256 per file of a snapshot, written with it
MANIFEST = 'manifest.json'
_PARTS = ('focal_iou_mmdet', 'configs')
#: files a config tree may hold that Python never imports (sweep specs)
_DATA = ('.yaml', '.yml', '.json', '.md')
#: a snapshot key: the short content hash
_KEY = re.compile(r'[0-9a-f]{%d}' % SHORT)


class SnapshotError(ValueError):
    """A snapshot that is not the code its key names; says why."""
_TRAIN_SOURCE = (
    '"""Written by the sweep\'s plan: trains with the code beside this '
    'file."""\n'
    'from focal_iou_mmdet import register_all_modules\n'
    'from focal_iou_mmdet.models.box_loss_check import check_box_losses\n'
    'from focal_iou_mmdet.utils import run_mmdet_tool\n\n'
    'register_all_modules()\n'
    "run_mmdet_tool('train.py', config_checks=[check_box_losses])\n")
#: the training scripts earlier versions wrote (their snapshots stay valid)
_EARLIER_TRAIN_SOURCES = (
    '"""Written by the sweep\'s plan: trains with the code beside this '
    'file."""\n'
    'from focal_iou_mmdet import register_all_modules\n'
    'from focal_iou_mmdet.utils import run_mmdet_tool\n\n'
    'register_all_modules()\n'
    "run_mmdet_tool('train.py')\n",)


def snapshot_key(config_root: Optional[str],
                 user_configs: Optional[Dict[str, bytes]] = None) -> str:
    """The content hash (short) of this package, ``config_root`` (None:
    no shipped tree) and the user configs' copies
    (:mod:`.snapshot_layout`)."""
    configs = [osp.join(d, f) for d, _, fs in os.walk(config_root)
               for f in fs if f.endswith('.py')] if config_root else []
    return code_hash(configs, PACKAGE_DIR, user_configs)[:SHORT]


def _ignore(folder, names):
    """Copy folders and ``.py`` files only (what the key hashes)."""
    return [n for n in names if n == '__pycache__' or not (
        n.endswith('.py') or osp.isdir(osp.join(folder, n)))]


def _files(path: str) -> Dict[str, str]:
    """Relative name -> path of every file under ``path``, bytecode caches
    removed first; SnapshotError on a link."""
    out = {}
    for d, dirs, names in os.walk(path):
        if '__pycache__' in dirs:
            try:
                shutil.rmtree(osp.join(d, '__pycache__'))
            except OSError as e:
                raise SnapshotError(f'code snapshot {path}: cannot remove '
                                    f'its bytecode cache ({e})') from None
            dirs.remove('__pycache__')
        for n in dirs + names:
            if osp.islink(osp.join(d, n)):
                raise SnapshotError(
                    f'code snapshot {path} holds a symbolic link, '
                    f'{osp.relpath(osp.join(d, n), path)}: refused (its '
                    'target is not the code recorded)')
        for n in names:
            out[osp.relpath(osp.join(d, n), path).replace(os.sep, '/')] = \
                osp.join(d, n)
    return out


def _changed(path: str, files: Dict[str, str]) -> List[str]:
    """The files whose content differs from the manifest's, or that it
    does not list, or that are missing."""
    try:
        with open(osp.join(path, MANIFEST)) as f:
            listed = json.load(f)
        listed = dict(listed) if isinstance(listed, dict) else {}
    except (OSError, ValueError, TypeError):
        return ['its manifest.json is missing or unreadable']
    names = sorted(set(listed) | set(files) - {MANIFEST})
    return [n for n in names if n not in files or n not in listed
            or file_sha256(files[n]) != listed[n]]


_VERIFIED: Dict[tuple, bool] = {}


def verify_snapshot(path: str, key: str) -> str:
    """``path`` if the snapshot there is the code its ``key`` names (module
    doc), else SnapshotError naming what differs."""
    if osp.islink(path):
        raise SnapshotError(f'code snapshot {path} is a symbolic link: '
                            'refused (run --refresh-code replaces it)')
    files = _files(path)
    odd = sorted(n for n in files if n not in (TRAIN_SCRIPT, MANIFEST) and
                 not (n.split('/')[0] in _PARTS and n.endswith('.py')) and
                 not (n.startswith('configs/') and n.endswith(_DATA)) and
                 not (n.startswith(USER_CONFIGS + '/') and n.count('/') == 1
                      and n.endswith('.py')))
    if odd:
        raise SnapshotError(f'code snapshot {path} holds files no snapshot '
                            f'has: {", ".join(odd[:5])}: refused')
    try:
        with open(files[TRAIN_SCRIPT]) as f:
            train_ok = f.read() in (_TRAIN_SOURCE,) + _EARLIER_TRAIN_SOURCES
    except (KeyError, OSError, UnicodeDecodeError):
        train_ok = False
    configs = [p for n, p in files.items() if n.startswith('configs/')]
    user = {}
    for n, p in files.items():
        if n.startswith(USER_CONFIGS + '/'):
            with open(p, 'rb') as f:
                user[n.split('/', 1)[1]] = f.read()
    digest = code_hash(configs, osp.join(path, 'focal_iou_mmdet'),
                       user)[:SHORT]
    if not train_ok or digest != key:
        changed = _changed(path, files)
        raise SnapshotError(
            f'code snapshot {path} does not hash to its key {key} (now '
            f'{digest}): changed since it was taken: '
            + (', '.join(changed[:8]) or TRAIN_SCRIPT)
            + (f' and {len(changed) - 8} more' if len(changed) > 8 else '')
            + '; refused (run --refresh-code replaces it for runs not '
            'started)')
    _VERIFIED[(osp.realpath(path), key)] = True
    return path


def _write_manifest(tmp: str) -> None:
    files = _files(tmp)
    with open(osp.join(tmp, MANIFEST), 'w') as f:
        json.dump({n: file_sha256(p) for n, p in sorted(files.items())}, f,
                  indent=0)


def take_snapshot(work_dir: str, config_root: Optional[str],
                  replace_damaged: bool = False,
                  user_configs: Optional[Dict[str, bytes]] = None) -> str:
    """``<work_dir>/_code/<key>`` holding this package, ``config_root``
    (None: none), the ``user_configs`` copies and the training script
    (copied once; written to a temporary folder and renamed, so a snapshot
    is whole or absent).  One there already is verified
    (:func:`verify_snapshot`); a damaged one is an error, or with
    ``replace_damaged`` replaced."""
    key = snapshot_key(config_root, user_configs)
    dest = osp.join(work_dir, SNAPSHOTS, key)
    if osp.lexists(dest):
        try:
            return verify_snapshot(dest, key)
        except SnapshotError:
            if not replace_damaged:
                raise
            if osp.islink(dest) or not osp.isdir(dest):
                os.remove(dest)
            else:
                shutil.rmtree(dest)
    os.makedirs(osp.dirname(dest), exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f'.{key}.', dir=osp.dirname(dest))
    try:
        shutil.copytree(PACKAGE_DIR, osp.join(tmp, 'focal_iou_mmdet'),
                        ignore=_ignore)
        if config_root:
            shutil.copytree(config_root, osp.join(tmp, 'configs'),
                            ignore=_ignore)
        if user_configs:
            os.makedirs(osp.join(tmp, USER_CONFIGS))
            for name, content in user_configs.items():
                with open(osp.join(tmp, USER_CONFIGS, name), 'wb') as f:
                    f.write(content)
        with open(osp.join(tmp, TRAIN_SCRIPT), 'w') as f:
            f.write(_TRAIN_SOURCE)
        _write_manifest(tmp)
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
    folder's ``_code/<key>``), if it is there, verified
    (:func:`verify_snapshot`, once per process)."""
    if not key:
        return None
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise SnapshotError(f'run {osp.basename(run_path)}: its record names '
                            f'code snapshot {key!r}, not a snapshot key')
    path = osp.join(osp.dirname(run_path), SNAPSHOTS, key)
    if not osp.lexists(path):
        return None
    if _VERIFIED.get((osp.realpath(path), key)) and not osp.islink(path):
        return path
    return verify_snapshot(path, key)


def compiled_cache_of(snapshot: str) -> str:
    """Where numba keeps the compiled code of a snapshot's runs: beside
    the snapshot (``_code/<key>.compiled``), never in it -- the snapshot
    is verified before each start and holds nothing but its sources, so a
    cache inside would be removed and every run would compile again."""
    return snapshot.rstrip(os.sep) + '.compiled'


__all__ = ['MANIFEST', 'SNAPSHOTS', 'SnapshotError', 'TRAIN_SCRIPT',
           'compiled_cache_of', 'config_root_of', 'snapshot_base', 'snapshot_key', 'snapshot_of',
           'take_snapshot', 'verify_snapshot']
