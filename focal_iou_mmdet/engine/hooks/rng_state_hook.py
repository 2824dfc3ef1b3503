"""Save the RNG states in every checkpoint and restore them on resume.

mmengine 0.10.7 restores model, optimizer, schedulers and loop counters, but
no random-number-generator state: a resumed run re-seeds Python, numpy and
torch from ``randomness.seed`` and then draws different augmentations (e.g.
mmcv's ``RandomFlip`` uses numpy) than the uninterrupted run would.  With this
hook, a run killed after epoch k and resumed ends with the same weights as an
uninterrupted run (tested bitwise on CPU with ``num_workers=0``; with
``num_workers > 0`` each worker re-seeds itself, which matches too only
without ``persistent_workers``).

The states are plain tuples, ints and tensors/ndarrays, so the checkpoint
still loads with ``torch.load(weights_only=True)``.
"""
import random

import numpy as np
import torch
from mmengine.hooks import Hook
from mmdet.registry import HOOKS


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Checkpoint and restore Python, numpy and torch (CPU and CUDA) RNG
    states (key ``'rng_state'`` of the checkpoint)."""

    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = dict(python=random.getstate(),
                     numpy=np.random.get_state(),
                     torch=torch.get_rng_state())
        if torch.cuda.is_available():
            state['cuda'] = torch.cuda.get_rng_state_all()
        checkpoint['rng_state'] = state

    def __init__(self) -> None:
        self._pending = None

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        # Stash now, restore in before_train: Runner.resume() may still
        # re-seed after loading (when the checkpoint's seed differs).
        if runner._resume:  # a plain load_from starts a new run: no restore
            self._pending = checkpoint.get('rng_state')

    def before_train(self, runner) -> None:
        state, self._pending = self._pending, None
        if not state:
            return
        version, internal, gauss = state['python']
        random.setstate((version, tuple(internal), gauss))
        np.random.set_state(state['numpy'])
        torch.set_rng_state(state['torch'])
        if 'cuda' in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state['cuda'])
