"""Local GPU scheduling: which GPUs a sweep sees and how runs share them
(fake device lists; the CPU path is the real local sweep in
test_sweep.py)."""
import pytest

from focal_iou_mmdet.sweep.launchers.gpu_pool import GpuPool, visible_gpus
from focal_iou_mmdet.sweep.launchers.local import LocalTask, worker_command


@pytest.mark.parametrize('env,count,expected', [
    ({}, 0, []),                                     # no CUDA
    ({'CUDA_VISIBLE_DEVICES': '0,1'}, 0, []),        # set, but no CUDA
    ({}, 4, ['0', '1', '2', '3']),
    ({'CUDA_VISIBLE_DEVICES': '3,5'}, 2, ['3', '5']),
    ({'CUDA_VISIBLE_DEVICES': ' 6, 7 ,'}, 2, ['6', '7']),
    ({'CUDA_VISIBLE_DEVICES': 'GPU-aa,GPU-bb'}, 2, ['GPU-aa', 'GPU-bb']),
    ({'CUDA_VISIBLE_DEVICES': '0,1,9'}, 2, ['0', '1']),  # 9 invalid
])
def test_visible_gpus(env, count, expected):
    assert visible_gpus(env, count) == expected


def test_visible_gpus_on_this_machine():
    import torch
    assert visible_gpus() == ([] if not torch.cuda.is_available() else
                              visible_gpus(device_count=torch.cuda
                                           .device_count()))


@pytest.mark.parametrize('n,per_run,capacity', [
    (8, 1, 8), (8, 2, 4), (8, 3, 2), (1, 1, 1), (4, 4, 1)])
def test_capacity_and_disjoint_sets(n, per_run, capacity):
    pool = GpuPool([str(i) for i in range(n)], per_run)
    assert pool.capacity == capacity
    held = [pool.acquire() for _ in range(capacity)]
    assert all(len(h) == per_run for h in held)
    flat = [g for h in held for g in h]
    assert len(set(flat)) == len(flat)            # never one GPU twice
    assert pool.acquire() is None                 # full
    pool.release(held[0])
    again = pool.acquire()
    assert again == held[0]                       # the freed set, reused
    assert pool.acquire() is None


def test_lowest_free_ids_first_after_out_of_order_release():
    pool = GpuPool(['4', '5', '6', '7'], 1)
    a, b, c, d = (pool.acquire() for _ in range(4))
    assert [a, b, c, d] == [['4'], ['5'], ['6'], ['7']]
    pool.release(c)
    pool.release(a)
    assert pool.acquire() == ['4'] and pool.acquire() == ['6']


def test_simulated_sweep_never_shares_a_gpu():
    """Runs start and end in an interleaved order; at every moment the
    GPUs in use are disjoint and at most capacity runs are active."""
    import random
    rng = random.Random(0)
    pool = GpuPool([str(i) for i in range(6)], 2)
    active, started = [], 0
    while started < 40 or active:
        if started < 40 and (not active or rng.random() < 0.6):
            got = pool.acquire()
            if got is not None:
                active.append(got)
                started += 1
                continue
        if active:
            pool.release(active.pop(rng.randrange(len(active))))
        in_use = [g for run in active for g in run]
        assert len(in_use) == len(set(in_use)) and len(active) <= 3


@pytest.mark.parametrize('gpus,per_run,message', [
    (['0', '1'], 3, '--gpus-per-run 3 but only 2 GPU'),
    (['0'], 0, 'must be >= 1'),
    (['0', '0'], 1, 'duplicate'),
])
def test_bad_requests_are_clear_errors(gpus, per_run, message):
    with pytest.raises(ValueError, match=message):
        GpuPool(gpus, per_run)


def test_release_of_a_foreign_gpu_is_refused():
    pool = GpuPool(['0', '1'], 1)
    with pytest.raises(ValueError, match="'0' was not handed out"):
        pool.release(['0'])


def test_worker_command_uses_torchrun_for_several_gpus():
    assert worker_command('/r', [])[-3:] == ['/r', '--launcher', 'local']
    assert worker_command('/r', ['3'])[-3:] == ['/r', '--launcher', 'local']
    assert worker_command('/r', ['2', '3'])[-5:] == [
        '/r', '--launcher', 'local', '--nproc', '2']


def test_torchrun_train_command(tmp_path):
    from focal_iou_mmdet.runs import RunDir
    args = RunDir(str(tmp_path / 'r')).train_args()
    cmd = LocalTask(4).train_command('/py', args)
    assert cmd[:4] == ['/py', '-m', 'torch.distributed.run',
                       '--nproc_per_node=4']
    assert cmd[4].startswith('--master_port=') and cmd[5:7] == [
        '--no-python', '/py']
    assert cmd[-2:] == ['--launcher', 'pytorch'] and '--resume' in cmd
    assert LocalTask(1).train_command('/py', args)[:2] == ['/py', '-c']
