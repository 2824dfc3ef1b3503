"""A sweep's effective states: a running record whose process is gone
reads as pending, the file untouched."""
from helpers import lock_held_elsewhere, write_status
from helpers.sweep_specs import cpu_spec

from focal_iou_mmdet.runs import RunDir
from focal_iou_mmdet.sweep.plan import plan
from focal_iou_mmdet.sweep.observe.state import effective_states


def test_stale_running_status_reads_as_pending(tmp_path):
    spec = cpu_spec(tmp_path, axes={'loss': ['iou']}, exclude=[],
                    configs={'retinanet':
                             'retinanet_r18-c16_fpn_{loss}_12e_shapes.py'})
    (run,) = plan(spec)
    d = spec.run_dir(run.id)
    write_status(d, state='running', attempts=1)
    # a live holder of the run's lock (another process): running
    with lock_held_elsewhere(d.file(RunDir.LOCK)):
        assert effective_states([d])[d].state == 'running'
        assert not d.lock().acquire()
    # its process died: the run is pending again and says why
    st = effective_states([d])[d]
    assert st.state == 'pending' and 'gone' in st.stale
    assert d.read_status().state == 'running'  # the file is not rewritten
