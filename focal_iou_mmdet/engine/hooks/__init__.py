from .rng_state_hook import RNGStateHook
from .uiou_epoch_hook import UIoUEpochHook

__all__ = ['RNGStateHook', 'UIoUEpochHook']
