"""Distributed training on CPU-only machines (gloo), same code path as GPU.

mmengine 0.10.7's ``pytorch`` and ``slurm`` launchers call
``torch.cuda.set_device`` (an AttributeError on a CPU-only torch) and its
Runner wraps the model in DDP with ``device_ids=[LOCAL_RANK]``.  The Runner
skips its own initialisation when a process group already exists, and a
``model_wrapper_cfg`` in the config overrides its DDP arguments.  So, when
CUDA is absent, :func:`init_cpu_process_group` sets the same environment
variables mmengine's launcher would (RANK, WORLD_SIZE, LOCAL_RANK,
MASTER_ADDR, MASTER_PORT; from torchrun's or SLURM's variables), starts a
gloo group, and returns the config options DDP needs on CPU.  With CUDA it
does nothing and mmengine's launchers run unchanged (NCCL on GPUs).
"""
import os
import subprocess
from typing import List

import torch

CPU_DDP_OPTIONS = [
    'model_wrapper_cfg.type=MMDistributedDataParallel',
    'model_wrapper_cfg.device_ids=None',
    'env_cfg.dist_cfg.backend=gloo',
]


def _slurm_env() -> None:
    env = os.environ
    env['RANK'] = env['SLURM_PROCID']
    env['WORLD_SIZE'] = env['SLURM_NTASKS']
    env['LOCAL_RANK'] = env.get('SLURM_LOCALID', '0')
    env.setdefault('MASTER_PORT', '29500')
    if 'MASTER_ADDR' not in env:
        nodes = subprocess.check_output(
            ['scontrol', 'show', 'hostname', env['SLURM_NODELIST']], text=True)
        env['MASTER_ADDR'] = nodes.split()[0]


def init_cpu_process_group(launcher: str) -> List[str]:
    """Start a gloo process group for ``launcher`` on a machine without CUDA.

    Returns the ``--cfg-options`` to append (empty when nothing was done).
    """
    if launcher == 'none' or torch.cuda.is_available():
        return []
    import torch.distributed as dist
    if launcher == 'slurm':
        _slurm_env()
    elif launcher != 'pytorch':
        raise ValueError(
            f"launcher {launcher!r} is not supported without CUDA; use "
            "'none', 'pytorch' (torchrun) or 'slurm'")
    for key in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'):
        if key not in os.environ:
            raise RuntimeError(
                f'--launcher {launcher}: environment variable {key} is not '
                'set (start the job with tools/dist_train.sh, torchrun or '
                'srun)')
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo', init_method='env://')
    return list(CPU_DDP_OPTIONS)
