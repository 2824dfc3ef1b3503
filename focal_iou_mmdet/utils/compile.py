"""Inductor options for the ``fused=True`` losses' compiled kernels.

Inductor's CPU kernels otherwise fix their thread use from the first input
they are compiled for, so a dynamic-shape kernel first compiled for small
inputs runs large ones slower than it could (figures in the README's
benchmark section).  ``cpp.dynamic_threads`` decides at run time instead.
The options apply only inside the ``with`` block around our own compiled
calls (compiling happens in the first one), not to anyone else's.
(DIoU-NMS's kernel does without: its blocks are small, and deciding the
threads at run time made small inputs slower there.)
"""


def compile_options():
    """A context manager with the inductor options of our kernels."""
    import torch._inductor.config as inductor_config
    return inductor_config.patch({'cpp.dynamic_threads': True})


__all__ = ['compile_options']
