import os
import sys

import pytest
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.abspath(os.path.join(ROOT, '..', 'shared'))
AQUARIUM = os.path.join(SHARED, 'datasets', 'aquarium')

# The tests import the working tree, not a stale installed copy.
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


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
