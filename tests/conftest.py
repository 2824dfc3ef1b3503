import os
import sys

import pytest

from helpers import ROOT, random_boxes

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


@pytest.fixture(scope='session')
def slurm_cluster(tmp_path_factory):
    """A running single-node SLURM cluster (see slurm_cluster.py); skipped
    with the reason when the SLURM binaries are absent."""
    from helpers.slurm_cluster import SlurmCluster, missing_binaries
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

