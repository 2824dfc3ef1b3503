"""Tell epoch-following losses the training epoch (Unified-IoU's annealed
box scale, ``FocalIoULoss(formula='uiou')``).

Before each training epoch, every module of the model that says
``needs_epoch`` gets ``set_epoch(runner.epoch)``.  The runner's epoch is
restored from the checkpoint on ``--resume``, so a resumed run continues
the schedule from where it stopped.  Add it to a config with
``custom_hooks = [dict(type='UIoUEpochHook')]``.
"""
from mmengine.hooks import Hook
from mmdet.registry import HOOKS


@HOOKS.register_module()
class UIoUEpochHook(Hook):
    """Sets the current epoch on the losses that follow it."""

    priority = 'NORMAL'

    def before_train_epoch(self, runner) -> None:
        model = runner.model
        for module in model.modules():
            if getattr(module, 'needs_epoch', False):
                module.set_epoch(runner.epoch)
