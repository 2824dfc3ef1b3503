"""The device a benchmark measures on, named as its figures should be."""
import torch


def describe_device(device: torch.device) -> str:
    """``'NVIDIA H100 80GB HBM3'`` for a GPU, ``'CPU, 2 threads'`` else."""
    if device.type == 'cuda':
        return torch.cuda.get_device_name(device)
    return f'CPU, {torch.get_num_threads()} threads'


def synchronize(device: torch.device) -> None:
    """Wait for the device's queued work (a no-op on CPU), so that a timing
    covers the work, not its launch."""
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
