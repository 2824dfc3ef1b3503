"""tools/train.py and tools/test.py: a config by path or by a shipped
config's name, one clear line for a missing one, and a checkpoint of
another architecture refused instead of evaluated at AP 0."""
import os
import subprocess
import sys

import pytest
import torch
from helpers import ROOT, subprocess_env

from focal_iou_mmdet.runs.config_lookup import (ToolArgumentError,
                                                 with_config_resolved)

RETINANET = 'retinanet_r18-c16_fpn_focal-ciou_12e_shapes.py'
SSD = 'ssd256_r18-c16_focal-ciou_12e_shapes.py'


def _tool(name, *args):
    return subprocess.run([sys.executable, os.path.join(ROOT, 'tools', name)]
                          + list(args), capture_output=True, text=True,
                          cwd=ROOT, env=subprocess_env(), timeout=300)


def test_a_shipped_config_name_is_resolved():
    argv = with_config_resolved([RETINANET, '--work-dir', 'w'])
    assert argv[0] == os.path.join(ROOT, 'configs', 'cpu', RETINANET)
    assert argv[1:] == ['--work-dir', 'w']
    with pytest.raises(ToolArgumentError, match="config 'nope.py' not found"):
        with_config_resolved(['nope.py'])


@pytest.mark.parametrize('tool', ['train.py', 'test.py'])
def test_a_missing_config_is_one_line(tool):
    out = _tool(tool, 'configs/cpu/nope.py', 'ckpt.pth')
    assert out.returncode != 0
    assert out.stderr.strip() == ("error: config 'configs/cpu/nope.py' not "
                                  'found: give a path, or the file name of a'
                                  ' shipped config (e.g. retinanet_r50_fpn_'
                                  'focal-ciou_1x_coco.py)')


def _state_dict_of(config):
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    from mmengine.config import Config

    from focal_iou_mmdet.runs import config_path
    register_all_modules()
    return MODELS.build(Config.fromfile(config_path(config)).model
                        ).state_dict()


def test_a_checkpoint_of_another_architecture_is_refused(tmp_path):
    from focal_iou_mmdet.utils.checkpoint_globals import checkpoint_fit
    ckpt = str(tmp_path / 'ssd.pth')
    torch.save({'state_dict': _state_dict_of(SSD)}, ckpt)
    found, total, missing = checkpoint_fit(
        os.path.join(ROOT, 'configs', 'cpu', RETINANET), ckpt)
    assert 0 < found < total and missing  # the backbone fits, not the head
    out = _tool('test.py', RETINANET, ckpt)
    assert out.returncode != 0 and 'Traceback' not in out.stderr
    assert f'holds {found} of the {total} parameters' in out.stderr
    assert '--allow-partial-checkpoint loads it anyway' in out.stderr
    own = str(tmp_path / 'retinanet.pth')
    torch.save({'state_dict': _state_dict_of(RETINANET)}, own)
    found, total, _ = checkpoint_fit(
        os.path.join(ROOT, 'configs', 'cpu', RETINANET), own)
    assert found == total
