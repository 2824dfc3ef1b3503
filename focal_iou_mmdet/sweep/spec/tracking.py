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

A spec names trackers from this closed list only, by name or as a
mapping with the tracker's declared options (:data:`TRACKER_OPTIONS`),
e.g. ``{type: wandb, project: ablations, mode: offline}``; no other
backend type, no path.  Every file a tracker writes lies in the sweep's
folder: event files and W&B's offline runs in each run's own folder, the
MLflow file store in ``<work_dir>/mlruns``.  A remote MLflow server comes
from ``$MLFLOW_TRACKING_URI`` of the person who runs the sweep, never from
the spec.
"""
import os
import os.path as osp
from typing import Any, Dict, List

from .values import NAME, SweepSpecError

#: each tracker and the options a spec may give it (name -> check)
_LABEL = (lambda v: isinstance(v, str) and NAME.fullmatch(v) is not None,
          'a plain name (letters, digits, ., _, -)')
_TAGS = (lambda v: isinstance(v, dict) and all(
    isinstance(k, str) and NAME.fullmatch(k) and isinstance(
        x, (str, int, float, bool)) for k, x in v.items()),
         'a mapping of plain names to scalars')
_TAG_LIST = (lambda v: isinstance(v, list) and all(
    isinstance(x, str) and NAME.fullmatch(x) for x in v),
             'a list of plain names')
TRACKER_OPTIONS = {
    'tensorboard': {},
    'mlflow': {'experiment': _LABEL, 'tags': _TAGS},
    'wandb': {'project': _LABEL, 'entity': _LABEL, 'tags': _TAG_LIST,
              'mode': (lambda v: v in ('online', 'offline', 'disabled'),
                       "'online', 'offline' or 'disabled'")},
}
TRACKERS = tuple(TRACKER_OPTIONS)


def _tracker(item) -> Dict[str, Any]:
    """One tracker as ``{type: name, option: value, ...}``, checked."""
    if isinstance(item, str):
        item = {'type': item}
    if not isinstance(item, dict) or item.get('type') not in TRACKERS:
        what = item.get('type') if isinstance(item, dict) else item
        raise SweepSpecError(f'tracking: {what!r} is not one of '
                             f'{list(TRACKERS)}')
    allowed = TRACKER_OPTIONS[item['type']]
    for key, value in item.items():
        if key == 'type':
            continue
        if key not in allowed:
            raise SweepSpecError(
                f'tracking: {item["type"]} takes no option {key!r} (it '
                f'takes: {sorted(allowed) or "none"})')
        ok, need = allowed[key]
        if not ok(value):
            raise SweepSpecError(f'tracking: {item["type"]}.{key} must be '
                                 f'{need}, got {value!r}')
    return dict(item)


def check_tracking(value) -> List[Dict[str, Any]]:
    """The spec's ``tracking:`` (a name, a mapping, or a list of them), as
    one checked mapping per tracker (the first of a type counts)."""
    if value is None:
        return []
    out: Dict[str, Dict[str, Any]] = {}
    for item in (value if isinstance(value, list) else [value]):
        t = _tracker(item)
        out.setdefault(t['type'], t)
    return list(out.values())


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
    if any(t['type'] == 'mlflow' for t in check_tracking(trackers)) and \
            not os.environ.get('MLFLOW_TRACKING_URI'):
        return {'MLFLOW_ALLOW_FILE_STORE': 'true'}
    return {}


def vis_backends(trackers: List[Any], sweep: str, work_dir: str,
                 run_id: str, params: Dict[str, str]) -> List[dict]:
    """``visualizer.vis_backends`` for one run: mmengine's local backend,
    then one per tracker, every path derived here (module doc)."""
    out = [dict(type='LocalVisBackend')]
    for t in check_tracking(trackers):
        if t['type'] == 'tensorboard':
            out.append(dict(type='TensorboardVisBackend'))
        elif t['type'] == 'mlflow':
            out.append(dict(
                type='MLflowVisBackend', exp_name=t.get('experiment', sweep),
                run_name=run_id, params=params,
                tags=dict(t.get('tags', {}), sweep=sweep, run_id=run_id),
                tracking_uri=os.environ.get('MLFLOW_TRACKING_URI') or
                'file://' + osp.join(osp.abspath(work_dir), 'mlruns'),
                tracked_config_keys=['randomness', 'train_cfg']))
        elif t['type'] == 'wandb':
            kwargs = dict(project=t.get('project', sweep), group=sweep,
                          name=run_id, config=params,
                          tags=[sweep] + t.get('tags', []))
            kwargs.update({k: t[k] for k in ('entity', 'mode') if k in t})
            out.append(dict(type='WandbVisBackend', init_kwargs=kwargs))
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
