"""Runs in the user's tracker: TensorBoard, MLflow or W&B, through
mmengine's own visualisation backends (``visualizer.vis_backends`` in each
run's generated config; nothing here writes events itself).

Every run keeps mmengine's ``LocalVisBackend`` (its ``scalars.json`` is
what ``status`` and ``report`` read) and gets, per tracker:

* ``tensorboard``: event files beside it (``<run>/<time>/vis_data/``), so
  ``tensorboard --logdir <work_dir>`` shows the runs by their ids;
* ``mlflow``: one experiment per sweep (its name), one MLflow run per
  training session named by the run id, with the axis values and the
  resolved box-loss config as params and tags; the store is
  ``$MLFLOW_TRACKING_URI`` or the file store ``<work_dir>/mlruns`` (for
  which the runs set ``MLFLOW_ALLOW_FILE_STORE=true``, MLflow 3's opt-in);
* ``wandb``: project and group the sweep's name, the run id as the name,
  the axis values and loss config as the run's config and tags
  (``WANDB_MODE=offline`` keeps it local).

A dict (``{type: ..., ...}``) is passed to mmengine as it is.
"""
import os
import os.path as osp
from typing import Any, Dict, List

from .values import SweepSpecError

TRACKERS = ('tensorboard', 'mlflow', 'wandb')


def check_tracking(value) -> List[Any]:
    """The spec's ``tracking:``: a list of tracker names and backend
    dicts."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, dict):
            if not isinstance(item.get('type'), str):
                raise SweepSpecError(f'tracking: {item!r} needs a type (an '
                                     'mmengine vis backend)')
        elif item not in TRACKERS:
            raise SweepSpecError(f'tracking: {item!r} is not one of '
                                 f'{list(TRACKERS)} nor a backend dict')
    return list(items)


def _flat(prefix: str, value, out: Dict[str, str]) -> Dict[str, str]:
    if isinstance(value, dict):
        for k, v in value.items():
            _flat(f'{prefix}.{k}' if prefix else str(k), v, out)
    else:
        out[prefix] = str(value)[:500]
    return out


def run_params(values: Dict[str, Any], loss: Any) -> Dict[str, str]:
    """The params a tracker shows for a run: its axis values and its
    resolved box-loss config (``loss.*``)."""
    params = {a: ('default' if v is None else str(v))
              for a, v in values.items()}
    return _flat('loss', loss, params) if isinstance(loss, dict) else params


def tracking_env(trackers: List[Any]) -> Dict[str, str]:
    """Environment the training processes need for the trackers."""
    if 'mlflow' in trackers and not os.environ.get('MLFLOW_TRACKING_URI'):
        return {'MLFLOW_ALLOW_FILE_STORE': 'true'}
    return {}


def vis_backends(trackers: List[Any], sweep: str, work_dir: str,
                 run_id: str, params: Dict[str, str]) -> List[dict]:
    """``visualizer.vis_backends`` for one run."""
    out = [dict(type='LocalVisBackend')]
    for t in trackers:
        if isinstance(t, dict):
            out.append(dict(t))
        elif t == 'tensorboard':
            out.append(dict(type='TensorboardVisBackend'))
        elif t == 'mlflow':
            out.append(dict(
                type='MLflowVisBackend', exp_name=sweep, run_name=run_id,
                params=params, tags=dict(sweep=sweep, run_id=run_id),
                tracking_uri=os.environ.get('MLFLOW_TRACKING_URI') or
                'file://' + osp.join(osp.abspath(work_dir), 'mlruns'),
                tracked_config_keys=['randomness', 'train_cfg']))
        elif t == 'wandb':
            out.append(dict(type='WandbVisBackend', init_kwargs=dict(
                project=sweep, group=sweep, name=run_id, config=params,
                tags=[sweep])))
    return out


def log_report(spec, files: List[str], trackers: List[str]) -> List[str]:
    """Log the report's files (results.md, .csv, figures) as artifacts of a
    run named ``report`` in the sweep's experiment (MLflow) or project
    (W&B); returns a line per tracker."""
    said = []
    for t in trackers:
        if t == 'mlflow':
            import mlflow
            os.environ.update(tracking_env(['mlflow']))
            mlflow.set_tracking_uri(
                os.environ.get('MLFLOW_TRACKING_URI') or
                'file://' + osp.join(osp.abspath(spec.work_dir), 'mlruns'))
            mlflow.set_experiment(spec.name)
            with mlflow.start_run(run_name='report'):
                for f in files:
                    mlflow.log_artifact(f)
            said.append(f'logged {len(files)} report files to MLflow '
                        f'experiment {spec.name!r}, run "report"')
        elif t == 'wandb':
            import wandb
            run = wandb.init(project=spec.name, group=spec.name,
                             name='report', job_type='report')
            artifact = wandb.Artifact(f'{spec.name}-report', type='report')
            for f in files:
                artifact.add_file(f)
            run.log_artifact(artifact)
            run.finish()
            said.append(f'logged {len(files)} report files to W&B project '
                        f'{spec.name!r}')
        else:
            raise SweepSpecError(f'--log-to {t!r}: mlflow or wandb')
    return said
