"""Inductor options for the ``fused=True`` losses' compiled kernels.

Inductor's CPU kernels otherwise fix their thread use from the first input
they are compiled for: compiled for 1e3 boxes, a dynamic-shape kernel ran
1e6 boxes at half the speed of one compiled for 1e6 (measured on 2 cores,
CIoU: 95 vs 48 ms).  ``cpp.dynamic_threads`` decides at run time instead.
The options apply only inside the ``with`` block around our own compiled
calls (compiling happens in the first one), not to anyone else's.
(DIoU-NMS's kernel does without: its blocks are small, and deciding the
threads at run time made 1e3 boxes 10% slower there.)
"""


def compile_options():
    """A context manager with the inductor options of our kernels."""
    import torch._inductor.config as inductor_config
    return inductor_config.patch({'cpp.dynamic_threads': True})


__all__ = ['compile_options']
