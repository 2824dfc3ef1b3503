"""Does a checkpoint fit a config's model?  mmengine loads a checkpoint of
another architecture with a warning about missing keys and evaluates a
partly random model (AP near 0, exit 0); ``tools/test.py`` refuses a
checkpoint that lacks any of the model's parameters unless asked to load
a partial checkpoint."""
from typing import Tuple

def checkpoint_fit(config: str, checkpoint: str) -> Tuple[int, int, list]:
    """``(parameters of the model found in the checkpoint with their
    shape, parameters of the model, a few missing names)``."""
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    from mmengine.config import Config

    from .checkpoint_globals import load_checkpoint_safely
    register_all_modules()
    model = MODELS.build(Config.fromfile(config).model)
    ckpt = load_checkpoint_safely(checkpoint)
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else {}
    state = {k[len('module.'):] if k.startswith('module.') else k: v
             for k, v in state.items()}
    wanted = dict(model.named_parameters())
    fit = [k for k, v in wanted.items()
           if k in state and tuple(state[k].shape) == tuple(v.shape)]
    missing = [k for k in wanted if k not in set(fit)][:3]
    return len(fit), len(wanted), missing
