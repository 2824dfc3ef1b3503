"""Runs in the user's tracker, for real: a one-run CPU sweep logs to
TensorBoard and MLflow through mmengine's backends, read back with their
own readers (and W&B in offline mode)."""
import glob
import os
import subprocess

import pytest
from helpers import SHAPES_RETINANET, SWEEP, subprocess_env, write_spec

from focal_iou_mmdet.runs import TINY_RUN_OPTIONS as TINY
from focal_iou_mmdet.sweep import SweepSpecError, load_spec
from focal_iou_mmdet.sweep.__main__ import main as sweep_main
from focal_iou_mmdet.sweep.plan import plan


def test_tracking_values_are_checked(tmp_path):
    with pytest.raises(SweepSpecError, match="'neptune' is not one of"):
        load_spec(write_spec(tmp_path / 's.yaml', configs={
            'retinanet': SHAPES_RETINANET}, axes={'loss': ['iou']},
            tracking=['neptune']))


def test_trackers_do_not_count_as_a_changed_spec(tmp_path):
    path = write_spec(tmp_path / 's.yaml', work_dir=str(tmp_path / 'wd'),
                      configs={'retinanet': SHAPES_RETINANET},
                      axes={'loss': ['iou']})
    (run, ) = plan(load_spec(path))
    spec = load_spec(path)
    spec.run_dir(run.id).write_status(
        spec.run_dir(run.id).read_status().started('local', 'h', 1))
    spec.tracking = ['mlflow']
    plan(spec)  # no 'already started with another config'
    text = spec.run_dir(run.id).config_text()
    assert "'type': 'MLflowVisBackend'" in text and \
        "'run_name': 'retinanet_iou'" in text and \
        "'loss.type': 'PlainIoULoss'" in text


@pytest.mark.slow
def test_one_run_logs_to_tensorboard_mlflow_and_wandb(tmp_path, tiny_shapes,
                                                      monkeypatch):
    pytest.importorskip('mlflow')
    pytest.importorskip('tensorboard')
    pytest.importorskip('wandb')
    spec_path = write_spec(
        tmp_path / 'tracked.yaml', name='tracked',
        work_dir=str(tmp_path / 'wd'),
        configs={'retinanet': SHAPES_RETINANET},
        axes={'loss': ['focal-iou'], 'box_head.loss_bbox.gamma': [1.5]},
        options=dict(TINY, epochs=1),
        tracking=['tensorboard', 'wandb'])
    out = subprocess.run(SWEEP + ['run', spec_path, '--tracking', 'mlflow'],
                         capture_output=True, text=True, timeout=600,
                         env=subprocess_env(OMP_NUM_THREADS='1',
                                            SHAPES_ROOT=tiny_shapes,
                                            WANDB_MODE='offline',
                                            WANDB_SILENT='true'))
    assert out.returncode == 0, out.stdout + out.stderr
    run_dir = load_spec(spec_path).run_dir('retinanet_focal-iou_gamma1.5')
    from tensorboard.backend.event_processing.event_accumulator import \
        EventAccumulator
    events = glob.glob(os.path.join(run_dir.path, '*', 'vis_data',
                                    'events.out.tfevents.*'))
    assert events
    acc = EventAccumulator(os.path.dirname(events[0]))
    acc.Reload()
    assert 'coco/bbox_mAP' in acc.Tags()['scalars']
    import mlflow
    monkeypatch.setenv('MLFLOW_ALLOW_FILE_STORE', 'true')
    mlflow.set_tracking_uri('file://' + str(tmp_path / 'wd' / 'mlruns'))
    runs = mlflow.search_runs(experiment_names=['tracked'])
    assert len(runs) == 1
    row = runs.iloc[0]
    # the report's files as artifacts of a run "report" beside it
    assert sweep_main(['report', spec_path, '--log-to', 'mlflow']) == 0
    mlflow.set_tracking_uri('file://' + str(tmp_path / 'wd' / 'mlruns'))
    rep = mlflow.search_runs(experiment_names=['tracked'],
                             filter_string="tags.mlflow.runName = 'report'")
    names = [a.path for a in mlflow.MlflowClient().list_artifacts(
        rep.iloc[0]['run_id'])]
    assert 'results.md' in names and 'results.csv' in names
    assert row['tags.mlflow.runName'] == 'retinanet_focal-iou_gamma1.5'
    assert row['params.box_head.loss_bbox.gamma'] == '1.5'
    assert row['params.loss.type'] == 'FocalIoULoss'
    assert row['params.loss.gamma'] == '1.5'
    assert 0 <= row['metrics.coco/bbox_mAP'] <= 1
    # W&B in offline mode: its local run file names the run and the metric
    offline = glob.glob(os.path.join(run_dir.path, '*', 'vis_data', 'wandb',
                                     'offline-run-*', 'run-*.wandb'))
    assert offline, os.listdir(run_dir.path)
    with open(offline[0], 'rb') as f:
        data = f.read()
    assert b'retinanet_focal-iou_gamma1.5' in data
    assert b'coco/bbox_mAP' in data
