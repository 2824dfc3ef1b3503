"""The evaluator metric families a run can report, found from its records.

mmdet's evaluators write their results under a prefix: ``CocoMetric`` as
``coco/bbox_mAP``, ``coco/bbox_mAP_50`` ... (``-1`` where the set has no
object of a size), ``VOCMetric`` as ``pascal_voc/mAP`` and one
``pascal_voc/AP<thr>`` per IoU threshold (``AP50`` with the default 0.5).
A run's family is detected from what its validation records hold; tables,
verdicts and plots name the family's primary metric.
"""
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple


@dataclass(frozen=True)
class MetricFamily:
    """One evaluator's metrics: evaluator keys -> short names, in report
    order, plus patterned keys (e.g. VOC's AP per IoU threshold)."""
    name: str
    description: str
    primary: str                    # short name of the headline metric
    keys: Dict[str, str]            # fixed keys -> short names
    pattern: Optional[str] = None   # regex of further keys, group 1 = short
    small: Optional[str] = None     # the small-object metric, if any
    sizes: Tuple[str, ...] = field(default_factory=tuple)

    def primary_key(self) -> str:
        return next(k for k, v in self.keys.items() if v == self.primary)

    def short_names(self, record: dict) -> Dict[str, str]:
        """Evaluator key -> short name for the keys of ``record``, fixed
        keys first, patterned ones in sorted order."""
        out = {k: v for k, v in self.keys.items() if k in record}
        if self.pattern:
            for key in sorted(record):
                m = re.fullmatch(self.pattern, key)
                if m and key not in out:
                    out[key] = m.group(1)
        return out

    def matches(self, record: dict) -> bool:
        return self.primary_key() in record


COCO_METRICS = MetricFamily(
    name='coco', description='COCO box AP (CocoMetric)', primary='AP',
    keys={
        'coco/bbox_mAP': 'AP',
        'coco/bbox_mAP_50': 'AP50',
        'coco/bbox_mAP_75': 'AP75',
        'coco/bbox_mAP_s': 'AP_s',
        'coco/bbox_mAP_m': 'AP_m',
        'coco/bbox_mAP_l': 'AP_l',
        # CocoLocalizationMetric's (engine/metrics)
        'coco/bbox_mAP_90': 'AP90',
        'coco/bbox_mAP_75-95': 'AP75-95',
        'coco/bbox_tp_IoU': 'tp_IoU',
        'coco/bbox_oLRP': 'oLRP',
        'coco/bbox_oLRP_loc': 'oLRP_loc',
    },
    small='AP_s', sizes=('AP_s', 'AP_m', 'AP_l'))

VOC_METRICS = MetricFamily(
    name='voc', description='Pascal VOC box mAP (VOCMetric)', primary='mAP',
    keys={'pascal_voc/mAP': 'mAP'}, pattern=r'pascal_voc/(AP\d+)')

FAMILIES: List[MetricFamily] = [COCO_METRICS, VOC_METRICS]


def family_of(record: dict) -> Optional[MetricFamily]:
    """The family whose primary metric ``record`` holds (None: not a
    validation record of a known evaluator)."""
    return next((f for f in FAMILIES if f.matches(record)), None)
