"""Run mmdet's own command-line tools with this package registered.

mmdet ships ``tools/train.py`` and ``tools/test.py`` inside its wheel
(``mmdet/.mim/tools``); our tools run those files unchanged, so arguments,
defaults and behaviour are exactly mmdet's.
"""
import os
import os.path as osp
import runpy
import sys
from typing import List, Optional, Sequence


def _mmdet_mim_file(kind: str, name: str) -> str:
    import mmdet
    path = osp.join(osp.dirname(mmdet.__file__), '.mim', kind, name)
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'mmdet {kind[:-1]} {name!r} not found at {path}: mmdet must be '
            'installed from its wheel (pip install mmdet==3.3.0)')
    return path


def mmdet_tool_path(name: str) -> str:
    """Path of ``mmdet/.mim/tools/<name>`` in the installed mmdet."""
    return _mmdet_mim_file('tools', name)


def mmdet_config_path(name: str) -> str:
    """Path of an mmdet config, e.g. ``'ssd/ssd300_coco.py'`` (what
    ``'mmdet::ssd/ssd300_coco.py'`` names in a ``_base_``)."""
    return _mmdet_mim_file('configs', name)


#: where a CocoMetric validation writes its detections
#: (``<prefix>.bbox.json``): set by the sweep's worker to a file in the
#: run's folder at train time, so that no generated config holds the
#: folder's absolute path (a sweep folder can move)
PREDICTIONS_PREFIX_ENV = 'FOCAL_IOU_PREDICTIONS_PREFIX'
_COCO_METRICS = ('CocoMetric', 'mmdet.CocoMetric', 'CocoLocalizationMetric')


def _on_config_load(prefix: Optional[str], checks: Sequence) -> None:
    """Make every config mmengine loads in this process pass ``checks``
    (each raises ValueError: the tool stops with that one line) and, with
    a ``prefix``, send a CocoMetric validation's detections there (a
    value, never config source: the path is not pasted into any file)."""
    from mmengine.config import Config
    load = Config.fromfile

    def fromfile(*args, **kwargs):
        cfg = load(*args, **kwargs)
        for check in checks:
            try:
                check(cfg)
            except ValueError as e:
                sys.exit(f'error: {e}')
        evaluator = cfg.get('val_evaluator')
        if prefix and isinstance(evaluator, dict) and \
                evaluator.get('type') in _COCO_METRICS:
            evaluator['outfile_prefix'] = prefix
        return cfg
    Config.fromfile = staticmethod(fromfile)


def _launcher(argv: List[str]) -> str:
    for i, arg in enumerate(argv):
        if arg == '--launcher' and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith('--launcher='):
            return arg.split('=', 1)[1]
    return 'none'


def _with_cfg_options(argv: List[str], options: List[str]) -> List[str]:
    """Append ``options`` to the ``--cfg-options`` of ``argv``."""
    if not options:
        return argv
    if '--cfg-options' not in argv:
        return argv + ['--cfg-options'] + options
    i = argv.index('--cfg-options') + 1
    while i < len(argv) and not argv[i].startswith('--'):
        i += 1
    return argv[:i] + options + argv[i:]


def run_mmdet_tool(name: str, argv: Optional[List[str]] = None,
                   config_checks: Sequence = ()) -> None:
    """Run mmdet's ``tools/<name>`` as ``__main__`` with ``argv``.

    On a machine without CUDA, a ``--launcher pytorch|slurm`` run first
    starts a gloo process group (:mod:`.cpu_dist`).  With
    :data:`PREDICTIONS_PREFIX_ENV` set, a CocoMetric validation dumps its
    detections there.  Each of ``config_checks`` sees every config the
    tool loads, before anything is built; a ValueError ends the tool with
    its message.  A distributed run
    exits the process through :func:`_leave_distributed_run` when the tool
    returns, so call this only as a program's entry point.
    """
    from .checkpoint_globals import allow_mmengine_checkpoint_globals
    from .cpu_dist import init_cpu_process_group
    allow_mmengine_checkpoint_globals()  # --resume, whatever the config
    prefix = os.environ.get(PREDICTIONS_PREFIX_ENV)
    if prefix or config_checks:
        _on_config_load(prefix, list(config_checks))
    argv = list(sys.argv[1:] if argv is None else argv)
    argv = _with_cfg_options(argv, init_cpu_process_group(_launcher(argv)))
    path = mmdet_tool_path(name)
    sys.argv = [path] + argv
    runpy.run_path(path, run_name='__main__')
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        _leave_distributed_run(dist)


def _leave_distributed_run(dist) -> None:
    """End a distributed tool run that returned normally, without
    interpreter teardown.

    ``destroy_process_group`` alone is not enough: the DDP wrapper (and
    reference cycles through the runner) keep the gloo group alive, and its
    worker threads can then be destroyed during interpreter finalization
    ("terminate called without an active exception", SIGABRT on one rank of
    a run that had finished).  So all ranks meet at a barrier (no collective
    in flight), the group is destroyed, output and log files are flushed,
    and the process exits at once with status 0.  Neither mmdet nor
    mmengine registers ``atexit`` work that this skips.
    """
    import logging
    dist.barrier()
    dist.destroy_process_group()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
