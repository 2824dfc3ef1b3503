"""A run's folder: checkpoints that cannot be resumed from are moved aside
and the newest one that loads is used; saves cut short are removed."""
import os

import pytest
import torch

from focal_iou_mmdet.runs import RunDir
from focal_iou_mmdet.utils.checkpoint_globals import unloadable_reason


def _save(d, epoch):
    path = d.file(f'epoch_{epoch}.pth')
    torch.save({'meta': {'epoch': epoch},
                'state_dict': {'w': torch.full((3, ), float(epoch))}}, path)
    return path


@pytest.fixture
def run_with_checkpoints(tmp_path):
    d = RunDir(str(tmp_path / 'r'))
    os.makedirs(d.path)
    paths = [_save(d, e) for e in (1, 2, 3)]
    with open(d.file(RunDir.LAST_CHECKPOINT), 'w') as f:
        f.write(paths[-1])
    return d, paths


def _break(path, how):
    if how == 'truncated':
        with open(path, 'rb') as f:
            data = f.read()
        with open(path, 'wb') as f:
            f.write(data[:len(data) // 2])
    else:
        with open(path, 'wb') as f:
            f.write(os.urandom(4096))


@pytest.mark.parametrize('how', ['truncated', 'random bytes'])
def test_resume_falls_back_to_the_newest_loadable(run_with_checkpoints,
                                                  how):
    d, paths = run_with_checkpoints
    _break(paths[2], how)
    assert unloadable_reason(paths[2]) is not None
    assert unloadable_reason(paths[1]) is None
    note = d.repair_checkpoint(unloadable_reason)
    assert 'epoch_3.pth does not load' in note
    assert note.endswith('resuming from epoch_2.pth instead')
    with open(d.file(RunDir.LAST_CHECKPOINT)) as f:
        assert f.read() == paths[1]
    assert not os.path.exists(paths[2])  # moved aside, kept for a look
    assert any(n.startswith('epoch_3.pth.unloadable-')
               for n in os.listdir(d.path))
    assert d.repair_checkpoint(unloadable_reason) is None  # now fine


def test_no_loadable_checkpoint_starts_over(run_with_checkpoints):
    d, paths = run_with_checkpoints
    for p in paths:
        _break(p, 'truncated')
    note = d.repair_checkpoint(unloadable_reason)
    assert note.endswith('no checkpoint is left; starting over')
    assert not d.has_checkpoint


def test_a_checkpoint_with_foreign_objects_is_not_loadable(tmp_path):
    path = str(tmp_path / 'epoch_1.pth')
    torch.save({'x': os.getcwd, 'state_dict': {}}, path)
    assert 'Unpickl' in unloadable_reason(path) or 'weights_only' in \
        unloadable_reason(path)


def test_partial_saves_newer_than_the_last_checkpoint_are_removed(
        run_with_checkpoints):
    d, paths = run_with_checkpoints
    with open(d.file(RunDir.LAST_CHECKPOINT), 'w') as f:
        f.write(paths[1])  # the save of epoch 3 was cut short
    _break(paths[2], 'truncated')
    assert d.remove_partial_checkpoints(unloadable_reason) == [
        'epoch_3.pth']
    assert sorted(os.listdir(d.path)) == ['epoch_1.pth', 'epoch_2.pth',
                                          'last_checkpoint']
