"""``fused=True``: a loss's per-box computation through ``torch.compile``
(dynamic shapes; C++ on CPU, Triton on GPU) -- the same formula and
gradient in fewer kernels.  The first call of each dtype compiles; if
compiling fails the loss warns once and stays eager."""
import warnings
import weakref

import torch


#: loss module -> its compiled per_box_loss (kept off the module, so the
#: module still pickles and deep-copies as before)
_COMPILED: 'weakref.WeakKeyDictionary' = weakref.WeakKeyDictionary()



def compile_options():
    """A context manager with the inductor options of our kernels: inductor's
    CPU kernels otherwise fix their thread use from the first input they
    are compiled for, so a dynamic-shape kernel first compiled for small
    inputs runs large ones slower than it could; ``cpp.dynamic_threads``
    decides at run time instead.  They apply only inside the ``with``
    block around our own compiled calls, not to anyone else's.
    (DIoU-NMS's kernel does without: its blocks are small, and deciding
    the threads at run time made small inputs slower there.)"""
    import torch._inductor.config as inductor_config
    return inductor_config.patch({'cpp.dynamic_threads': True})

def compiled_per_box(loss, pred, target, mean):
    """``loss.per_box_loss(pred, target, mean)``, compiled (module doc)."""
    fn = _COMPILED.get(loss)
    if fn is None:
        fn = _COMPILED[loss] = torch.compile(loss.per_box_loss, dynamic=True)
    try:
        with compile_options():
            return fn(pred, target, mean)
    except Exception as e:  # noqa: BLE001  (no compiler: stay correct)
        warnings.warn(f'{type(loss).__name__}(fused=True): torch.compile '
                      f'failed ({type(e).__name__}: '
                      f'{str(e).splitlines()[0][:200]}); using the eager '
                      'implementation')
        loss.fused = False
        return loss.per_box_loss(pred, target, mean)


__all__ = ['compiled_per_box']
