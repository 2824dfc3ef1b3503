import contextlib
import os
import subprocess
import sys

import pytest
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.abspath(os.path.join(ROOT, '..', 'shared'))
# The Aquarium copy beside this repository (CI has it); AQUARIUM_ROOT, the
# variable the configs read, points elsewhere.  Tests that need it skip
# where it is absent.
AQUARIUM = os.environ.get('AQUARIUM_ROOT') or os.path.join(
    SHARED, 'datasets', 'aquarium')

# The tests import the working tree, not a stale installed copy.
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def _memoize_mmdet_model_index():
    """Speed only: mmengine re-reads every metafile of mmdet's model index
    (about 200 YAML files, ~0.5 s) for each ``mmdet::`` base of each config
    it loads.  The files do not change during a test session, so each is
    parsed once; mmengine's own lookup logic runs unchanged."""
    import functools

    import mmengine.config.utils as utils
    load = utils.load
    cached = functools.lru_cache(maxsize=None)(load)
    utils.load = lambda path, *args, **kwargs: (
        cached(path) if isinstance(path, str) and path.endswith('.yml')
        and not args and not kwargs else load(path, *args, **kwargs))


_memoize_mmdet_model_index()


def random_boxes(n, seed=0, dtype=torch.float64, overlap=True):
    """``n`` pairs of valid xyxy boxes (sizes 4..60); overlapping when
    ``overlap`` (the target is the prediction jittered)."""
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g, dtype=torch.float64) * 100
    wh = torch.rand(n, 2, generator=g, dtype=torch.float64) * 56 + 4
    pred = torch.cat([xy, xy + wh], -1)
    if overlap:
        jitter = (torch.rand(n, 4, generator=g, dtype=torch.float64) - 0.5)
        target = pred + jitter * torch.cat([wh, wh], -1) * 0.6
        x1 = torch.min(target[:, 0], target[:, 2] - 1)
        y1 = torch.min(target[:, 1], target[:, 3] - 1)
        target = torch.stack([x1, y1, target[:, 2], target[:, 3]], -1)
    else:
        xy2 = torch.rand(n, 2, generator=g, dtype=torch.float64) * 100
        wh2 = torch.rand(n, 2, generator=g, dtype=torch.float64) * 56 + 4
        target = torch.cat([xy2, xy2 + wh2], -1)
    return pred.to(dtype), target.to(dtype)


@pytest.fixture
def boxes():
    return random_boxes(64)


@pytest.fixture(scope='session')
def tiny_shapes(tmp_path_factory):
    """A generated shapes set of 8 train / 4 val images (its root, with a
    trailing separator, as SHAPES_ROOT wants it)."""
    from focal_iou_mmdet.datasets import generate_shapes_dataset
    root = tmp_path_factory.mktemp('shapes')
    generate_shapes_dataset(str(root), num_train=8, num_val=4)
    return str(root) + os.sep


def subprocess_env(**extra):
    """The environment of a tool run as a user would: unbuffered output, the
    installed package (no PYTHONPATH into the checkout)."""
    env = dict(os.environ, PYTHONUNBUFFERED='1', **extra)
    env.pop('PYTHONPATH', None)
    return env


_HOLD_LOCK = """import fcntl, os, socket, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
os.write(fd, f"{os.getpid()} {socket.gethostname()}\\n".encode())
print("locked", flush=True)
time.sleep(120)
"""


@contextlib.contextmanager
def lock_held_elsewhere(path):
    """Another live process holds an flock on ``path`` (and wrote its pid
    and host into it, as our worker does); yields that process."""
    proc = subprocess.Popen([sys.executable, '-c', _HOLD_LOCK, str(path)],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == 'locked'
        yield proc
    finally:
        proc.kill()
        proc.wait()


@pytest.fixture(scope='session')
def slurm_cluster(tmp_path_factory):
    """A running single-node SLURM cluster (see slurm_cluster.py); skipped
    with the reason when the SLURM binaries are absent."""
    from slurm_cluster import SlurmCluster, missing_binaries
    missing = missing_binaries()
    if missing:
        pytest.skip(f'SLURM binaries absent: {missing} (.ci/run installs '
                    'slurmctld slurmd slurm-client munge)')
    cluster = SlurmCluster(str(tmp_path_factory.mktemp('slurm'))).start()
    yield cluster
    cluster.stop()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Under ``pytest -n N --dist loadgroup`` (``make test``): every test
    that uses the SLURM cluster runs in one worker (the cluster is started
    once, and two clusters would compete for munge and the node), and those
    tests come first: the time-limit test spends most of its wall-clock time
    waiting for SLURM, while the other worker runs the rest. ``tryfirst``:
    xdist's own hook turns the ``xdist_group`` mark into the node id's
    ``@slurm`` suffix, so the mark must be there before it runs."""
    slurm = [item for item in items if 'slurm_cluster' in getattr(
        item, 'fixturenames', ())]
    for item in slurm:
        item.add_marker(pytest.mark.xdist_group('slurm'))
    rest = [item for item in items if item not in slurm]
    items[:] = slurm + rest


def pytest_collection_finish(session):
    """Fail loudly where the grouping above is silently ignored (pytest 9
    with pytest-xdist 3.8 does this; tools/setup.sh installs pytest<9):
    two workers would start two clusters that fight over munge."""
    if not getattr(session.config.option, 'loadgroup', False):
        return
    lost = [item.nodeid for item in session.items
            if 'slurm_cluster' in getattr(item, 'fixturenames', ())
            and not item.nodeid.endswith('@slurm')]
    if lost:
        raise pytest.UsageError(
            f'--dist loadgroup did not group {lost} (pytest '
            f'{pytest.__version__}): install pytest<9 (bash tools/setup.sh)')

