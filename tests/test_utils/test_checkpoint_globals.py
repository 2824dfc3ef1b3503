"""weights_only=True loads mmengine checkpoints once focal_iou_mmdet is
imported, and still refuses anything foreign."""
import builtins
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from helpers import ROOT
from mmengine.logging import HistoryBuffer, MessageHub


def _mmengine_like_checkpoint(path):
    """What mmengine's Runner.save_checkpoint writes (message hub with
    HistoryBuffers, numpy values in runtime info)."""
    hub = MessageHub.get_instance('ckpt_test')
    for i in range(5):
        hub.update_scalar('train/loss', np.float64(1.0 / (i + 1)))
        hub.update_scalar('train/lr', 0.01)
    hub.update_info('epoch', 3)
    hub.update_info('eta', np.float64(12.5))
    hub.update_info('dataset_meta', dict(classes=('a', 'b'),
                                         palette=[(1, 2, 3)]))
    torch.save(
        dict(meta=dict(epoch=3, iter=30, seed=np.int64(0),
                       hist=np.arange(4, dtype=np.float32)),
             state_dict=dict(w=torch.ones(2)),
             message_hub=hub.state_dict()), path)


LOAD = """
import sys, torch
{imp}
ck = torch.load(sys.argv[1], weights_only=True)
hb = ck['message_hub']['log_scalars']['train/loss']
print(type(hb).__name__, round(hb.mean(), 4), ck['meta']['hist'].sum())
"""


@pytest.mark.parametrize('with_package', [True, False])
def test_mmengine_checkpoint_loads_only_with_package(tmp_path, with_package):
    path = tmp_path / 'ckpt.pth'
    _mmengine_like_checkpoint(path)
    imp = 'import focal_iou_mmdet.engine' if with_package else ''
    out = subprocess.run([sys.executable, '-c', LOAD.format(imp=imp), path],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    if with_package:
        assert out.returncode == 0, out.stderr
        assert out.stdout.split() == ['HistoryBuffer', '0.4567', '6.0']
    else:
        assert out.returncode != 0
        assert 'Weights only load failed' in out.stderr


class _Evil:

    def __reduce__(self):
        return (os.system, ('echo pwned',))


class _EvalEvil:

    def __reduce__(self):
        return (builtins.eval, ('1+1', ))


class _GetattrEvil:
    """Pickles as getattr(HistoryBuffer, '__init__') -- not a statistic."""

    def __reduce__(self):
        return (getattr, (HistoryBuffer, '__init__'))


class _GetattrOther:

    def __reduce__(self):
        return (getattr, (np.ndarray, 'tofile'))


@pytest.mark.parametrize('payload', [_Evil, _EvalEvil, _GetattrEvil,
                                     _GetattrOther, lambda: np.array([object()])])
def test_foreign_objects_are_still_refused(tmp_path, payload):
    import focal_iou_mmdet.engine  # noqa: F401
    path = tmp_path / 'evil.pth'
    with open(path, 'wb') as f:
        torch.save(dict(state_dict=dict(w=torch.ones(1)), x=payload()), f,
                   pickle_protocol=2)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)


def test_weights_only_stays_the_default(tmp_path):
    import focal_iou_mmdet.engine  # noqa: F401
    path = tmp_path / 'evil.pth'
    torch.save(dict(x=_Evil()), path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)  # no weights_only argument: still refused
