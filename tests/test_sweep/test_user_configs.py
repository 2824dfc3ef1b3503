"""A sweep over your own configs, in a folder outside the checkout (a path
with a space), that inherit ours: the snapshot holds them and their
``_base_`` chain, the two arms of a comparison record the same code, an
edit to your base after the plan changes nothing the planned runs train
and is named where it does change the code, and ``mmdet::`` bases are
known by mmdet's version."""
import os
import subprocess

import pytest
from helpers import (SWEEP, fake_coco_run, subprocess_env, write_spec,
                     write_status)
from mmengine.config import Config

from focal_iou_mmdet.runs import TINY_RUN_OPTIONS as TINY
from focal_iou_mmdet.runs import config_chain as chain_module
from focal_iou_mmdet.runs.config_chain import (ConfigChainError,
                                               chain_identity, config_chain,
                                               identity_difference)
from focal_iou_mmdet.runs.config_lookup import config_path
from focal_iou_mmdet.sweep import load_spec
from focal_iou_mmdet.sweep.compare.cost import cost_lines
from focal_iou_mmdet.sweep.compare.comparison import find_comparisons
from focal_iou_mmdet.sweep.compare.rows import collect
from focal_iou_mmdet.sweep.plan import plan
from focal_iou_mmdet.sweep.plan.planner import code_changes
from focal_iou_mmdet.sweep.spec.seed_rounds import sweep_runs

OURS = 'retinanet_r18-c16_fpn_iou_12e_shapes.py'
ARM = ("_base_ = ['./bccd_base.py']\n"
       "model = dict(bbox_head=dict(loss_bbox=dict(type={loss!r})))\n")


def _user_configs(tmp_path):
    """``bccd_base.py`` on our CPU RetinaNet (an absolute path), and one
    file per arm on it (relative)."""
    mine = tmp_path / 'my configs'
    mine.mkdir()
    (mine / 'bccd_base.py').write_text(
        f'_base_ = [{config_path(OURS)!r}]\n'
        'train_cfg = dict(max_epochs=2)\n')
    for loss, cls in (('iou', 'PlainIoULoss'), ('focal-iou', 'FocalIoULoss')):
        (mine / f'retinanet_bccd_{loss}.py').write_text(ARM.format(loss=cls))
    return mine


def _spec(tmp_path, mine, seeds=(0,), name='mine', **extra):
    return load_spec(write_spec(
        tmp_path / f'{name}.yaml', name=name, work_dir=str(tmp_path / 'wd'),
        configs={'retinanet_bccd': str(mine / 'retinanet_bccd_{loss}.py')},
        axes={'loss': ['iou', 'focal-iou'], 'seed': list(seeds)},
        baseline={'loss': 'iou'}, **extra))


def test_the_chain_is_read_without_running_it(tmp_path):
    mine = _user_configs(tmp_path)
    chain = config_chain(str(mine / 'retinanet_bccd_iou.py'))
    assert chain.files[0] == str(mine / 'retinanet_bccd_iou.py')
    assert chain.files[1] == str(mine / 'bccd_base.py')
    assert os.path.realpath(config_path(OURS)) in chain.files
    (mine / 'bad.py').write_text('_base_ = [x for x in "ab"]\n')
    with pytest.raises(ConfigChainError, match='not a literal'):
        config_chain(str(mine / 'bad.py'))
    (mine / 'gone.py').write_text("_base_ = './nowhere.py'\n")
    with pytest.raises(ConfigChainError, match="base './nowhere.py' not "
                       'found'):
        config_chain(str(mine / 'gone.py'))


def test_two_arms_record_the_same_code_and_an_edit_is_named(tmp_path):
    mine = _user_configs(tmp_path)
    iou, focal = (chain_identity(config_chain(
        str(mine / f'retinanet_bccd_{x}.py'))) for x in ('iou', 'focal-iou'))
    assert iou['hash'] == focal['hash']  # they differ in their own file
    (mine / 'retinanet_bccd_focal-iou.py').write_text(
        ARM.format(loss='FocalIoULoss') + '# tuned\n')
    assert chain_identity(config_chain(str(
        mine / 'retinanet_bccd_focal-iou.py')))['hash'] == iou['hash']
    (mine / 'bccd_base.py').write_text(
        (mine / 'bccd_base.py').read_text() + 'x = 1\n')
    edited = chain_identity(config_chain(str(mine / 'retinanet_bccd_iou.py')))
    assert edited['hash'] != iou['hash']
    assert identity_difference(iou, edited) == [str(mine / 'bccd_base.py')]


def test_mmdet_bases_are_known_by_mmdets_version(tmp_path, monkeypatch):
    (tmp_path / 'm.py').write_text(
        "_base_ = 'mmdet::retinanet/retinanet_r50_fpn_1x_coco.py'\n")
    chain = config_chain(str(tmp_path / 'm.py'))
    assert chain.packages == ('mmdet',) and len(chain.files) == 1
    before = chain_identity(chain)
    assert before['packages'] == {'mmdet': '3.3.0'}
    real = chain_module.package_versions
    monkeypatch.setattr(chain_module, 'package_versions', lambda p: {
        k: '3.4.0' for k in real(p)})
    after = chain_identity(chain)
    assert identity_difference(before, after) == ['mmdet 3.3.0 -> 3.4.0']


def test_the_snapshot_holds_your_configs_and_the_run_reads_them(tmp_path):
    mine = _user_configs(tmp_path)
    spec = _spec(tmp_path, mine)
    runs = plan(spec)
    infos = {r.values['loss']: spec.run_dir(r.id).read_info() for r in runs}
    assert infos['iou']['code']['hash'] == infos['focal-iou']['code']['hash']
    d = spec.run_dir(runs[0].id)
    key, entry = infos['iou']['code']['snapshot'], infos['iou']['code'][
        'entry']
    assert entry == 'user_configs/retinanet_bccd_iou.py'
    snap = os.path.join(spec.work_dir, '_code', key)
    assert sorted(os.listdir(os.path.join(snap, 'user_configs'))) == [
        'bccd_base.py', 'retinanet_bccd_iou.py']
    assert f"_base_ = ['../../_code/{key}/{entry}']" in d.config_text()
    # the copies name their bases inside the snapshot
    copy = open(os.path.join(snap, 'user_configs', 'bccd_base.py')).read()
    assert "_base_ = ['../configs/cpu/" + OURS + "']" in copy
    assert Config.fromfile(d.config_file).train_cfg.max_epochs == 2
    # your base edited after the plan: the planned run trains the planned
    # one, and the next run says what changed
    (mine / 'bccd_base.py').write_text(
        (mine / 'bccd_base.py').read_text() + 'train_cfg = dict('
        'max_epochs=5)\n')
    assert Config.fromfile(d.config_file).train_cfg.max_epochs == 2
    [note] = code_changes(spec, sweep_runs(spec))
    assert str(mine / 'bccd_base.py') in note
    # a seed planned now trains the edit: the report warns, naming it
    spec2 = _spec(tmp_path, mine, seeds=(0, 1))
    runs2 = plan(spec2)
    for r in runs2:
        code = spec2.run_dir(r.id).read_info()['code']['hash']
        fake_coco_run(spec2.run_dir(r.id), [0.3])
        write_status(spec2.run_dir(r.id), state='done', attempts=1,
                     sessions=[dict(seconds=1.0, exit=0, code=code)])
    rows = collect(spec2, runs2)
    [line, _] = cost_lines(find_comparisons(spec2, rows), rows)
    assert 'versions of the code' in line
    assert f'changed: {mine / "bccd_base.py"}' in line


@pytest.mark.slow
def test_a_sweep_over_your_configs_trains_without_a_code_warning(
        tmp_path, tiny_shapes):
    mine = _user_configs(tmp_path)
    spec = _spec(tmp_path, mine, options=dict(TINY, epochs=1))
    env = subprocess_env(OMP_NUM_THREADS='1', SHAPES_ROOT=tiny_shapes)
    out = subprocess.run(SWEEP + ['run', spec.path, '--launcher', 'local',
                                  '--jobs', '2'], env=env, cwd=str(tmp_path),
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    rep = subprocess.run(SWEEP + ['report', spec.path], env=env,
                         cwd=str(tmp_path), capture_output=True, text=True,
                         timeout=300)
    assert rep.returncode == 0, rep.stderr
    assert 'versions of the code' not in rep.stdout
    md = open(os.path.join(spec.work_dir, 'results.md')).read()
    assert 'versions of the code' not in md
    codes = {spec.run_dir(r.id).read_status().sessions[-1]['code']
             for r in sweep_runs(spec)}
    assert len(codes) == 1
