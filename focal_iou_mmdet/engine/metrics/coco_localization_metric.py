"""mmdet's COCO box metric plus the localization measures of a run's match
(:mod:`...evaluation.coco_match`), logged at every evaluation so that a
sweep's convergence figure shows how localization converges too."""
import contextlib
import json
import os.path as osp
import tempfile
import threading
from typing import Dict

from mmdet.evaluation.metrics import CocoMetric
from mmdet.evaluation.metrics import coco_metric as mmdet_coco_metric
from mmdet.registry import METRICS
from mmengine.logging import MMLogger

from ...evaluation.coco_match import RunMatch

#: the extra keys this metric logs (under ``coco/``), from the match's
#: metrics of the same name
EXTRA_KEYS = {'bbox_mAP_90': 'AP90', 'bbox_mAP_75-95': 'AP75-95',
              'bbox_tp_IoU': 'tp_IoU', 'bbox_oLRP': 'oLRP',
              'bbox_oLRP_loc': 'oLRP_loc'}
#: decimals of the extra values (mmdet logs its APs to 3)
DECIMALS = 4
#: the evaluators ``backend=`` can name ('auto': faster-coco-eval where
#: it is installed, else pycocotools)
BACKENDS = ('auto', 'faster-coco-eval', 'pycocotools')
_SWAP = threading.Lock()


def evaluator_class(backend: str):
    """The COCOeval class of ``backend`` (:data:`BACKENDS`)."""
    if backend not in BACKENDS:
        raise ValueError(f'backend={backend!r}: use one of {BACKENDS}')
    if backend != 'pycocotools':
        try:
            from faster_coco_eval import COCOeval_faster
            return COCOeval_faster
        except ImportError:
            if backend == 'faster-coco-eval':
                raise ImportError('backend=faster-coco-eval: pip install '
                                  'faster-coco-eval') from None
    from pycocotools.cocoeval import COCOeval
    return COCOeval


@contextlib.contextmanager
def _evaluating_with(cls):
    """mmdet's CocoMetric evaluating with ``cls`` for the duration (the
    name its module looks up; one evaluation at a time)."""
    with _SWAP:
        own = mmdet_coco_metric.COCOeval
        mmdet_coco_metric.COCOeval = cls
        try:
            yield
        finally:
            mmdet_coco_metric.COCOeval = own


@METRICS.register_module()
class CocoLocalizationMetric(CocoMetric):
    """``CocoMetric`` (every argument the same) whose bbox results also
    hold AP at IoU 0.90, AP over IoU .75:.95, the true positives' mean IoU
    and optimal LRP with its localisation component (Oksuz et al., ECCV
    2018 / TPAMI 2022), from the same detections matched once more to the
    ground truth (a second ``COCOeval.evaluate``).

    ``backend``: the COCOeval that computes mmdet's metrics --
    faster-coco-eval's ``COCOeval_faster`` (the same numbers, tested, in
    a fraction of the time) or pycocotools'; ``'auto'`` takes
    faster-coco-eval where it is installed.

    Example::

        val_evaluator = dict(type='CocoLocalizationMetric',
                             ann_file='annotations/instances_val.json',
                             metric='bbox', backend='auto')
    """

    def __init__(self, *args, backend: str = 'auto', **kwargs):
        self.evaluator = evaluator_class(backend)
        self.backend = backend
        super().__init__(*args, **kwargs)

    def compute_metrics(self, results: list) -> Dict[str, float]:
        if 'bbox' not in self.metrics or self.format_only:
            with _evaluating_with(self.evaluator):
                return super().compute_metrics(results)
        own_prefix = self.outfile_prefix
        tmp_dir = tempfile.TemporaryDirectory() if own_prefix is None \
            else None
        if tmp_dir is not None:
            self.outfile_prefix = osp.join(tmp_dir.name, 'results')
        try:
            with _evaluating_with(self.evaluator):
                out = super().compute_metrics(results)
            with open(f'{self.outfile_prefix}.bbox.json') as f:
                dets = json.load(f)
        finally:
            self.outfile_prefix = own_prefix
            if tmp_dir is not None:
                tmp_dir.cleanup()
        if not dets:
            return out
        found = RunMatch.from_detections(self._coco_api, dets,
                                         areas=('all',)).metrics()
        for key, name in EXTRA_KEYS.items():
            value = found[name]
            out[key] = -1.0 if value != value else round(value, DECIMALS)
        MMLogger.get_current_instance().info(
            'localization: ' + ', '.join(f'{k} {out[k]}' for k in EXTRA_KEYS))
        return out
