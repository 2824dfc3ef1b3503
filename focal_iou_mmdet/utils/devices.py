"""The device a benchmark measures on, or a run trains on, named as its
figures and records should be."""
import platform
import subprocess
import sys
from typing import TYPE_CHECKING, Dict, Optional

if TYPE_CHECKING:  # imported where needed: the sweep's worker stays light
    import torch


def describe_device(device: 'torch.device') -> str:
    """``'NVIDIA H100 80GB HBM3'`` for a GPU, ``'CPU, 2 threads'`` else."""
    import torch  # noqa: F811
    if device.type == 'cuda':
        return torch.cuda.get_device_name(device)
    return f'CPU, {torch.get_num_threads()} threads'


def synchronize(device: 'torch.device') -> None:
    """Wait for the device's queued work (a no-op on CPU), so that a timing
    covers the work, not its launch."""
    import torch  # noqa: F811
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


#: asks torch in a process of its own, so that the caller (the sweep's
#: worker) holds no CUDA context on the GPU its run trains on
_ASK_TORCH = ('import torch; print(torch.cuda.get_device_name(0) '
              'if torch.cuda.is_available() else "")')


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``), or what platform says."""
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or 'CPU'


def training_device_name(env: Optional[Dict[str, str]] = None) -> str:
    """What a run started with ``env`` trains on: the first visible GPU's
    name (``torch.cuda.get_device_name``), else ``CPU: <model>``."""
    try:
        out = subprocess.run([sys.executable, '-c', _ASK_TORCH], env=env,
                             capture_output=True, text=True, timeout=120)
        gpu = out.stdout.strip() if out.returncode == 0 else ''
    except (OSError, subprocess.TimeoutExpired):
        gpu = ''
    return gpu or f'CPU: {cpu_model()}'
