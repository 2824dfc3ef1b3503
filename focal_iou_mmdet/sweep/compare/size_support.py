"""How many ground-truth boxes stand behind AP_s, AP_m and AP_l: counted
from the annotation file a run was evaluated on (read from the config
mmengine dumped when it trained, never executed), with COCO's area ranges
and rules (``area`` field, crowd boxes left out, as pycocotools'
COCOeval)."""
import json
from typing import Dict, Optional, Tuple

from ...runs.config_dump import ConfigDumpError, read_literal

#: COCO's size ranges: AP_s < 32^2 <= AP_m < 96^2 <= AP_l (pixels^2)
SIZE_RANGES = (('small', 0.0, 32.0 ** 2), ('medium', 32.0 ** 2, 96.0 ** 2),
               ('large', 96.0 ** 2, float('inf')))
#: the columns a run's row gets (results.csv)
SUPPORT_COLUMNS = tuple(f'{what}_{size}' for size, _, _ in SIZE_RANGES
                        for what in ('boxes', 'images'))


def count_sizes(annotations: dict) -> Dict[str, int]:
    """``{'boxes_small': n, 'images_small': m, ...}`` of a COCO
    annotation dict: non-crowd boxes of each size, and images holding at
    least one."""
    out = {c: 0 for c in SUPPORT_COLUMNS}
    images = {size: set() for size, _, _ in SIZE_RANGES}
    for ann in annotations.get('annotations', []):
        if ann.get('iscrowd', 0):
            continue
        area = ann.get('area')
        if area is None:
            w, h = ann['bbox'][2:4]
            area = w * h
        for size, low, high in SIZE_RANGES:
            if low <= area < high:
                out[f'boxes_{size}'] += 1
                images[size].add(ann.get('image_id'))
    for size, found in images.items():
        out[f'images_{size}'] = len(found)
    return out


class SizeSupport:
    """Support counts per run, each annotation file read once."""

    def __init__(self):
        self._counts: Dict[str, Tuple[Optional[dict], Optional[str]]] = {}

    def of(self, dumped_config: str) -> Tuple[Optional[dict], Optional[str]]:
        """``(counts, None)`` or ``(None, why not)`` for the run whose
        dumped config is ``dumped_config``."""
        try:
            ann = read_literal(dumped_config, ['val_evaluator', 'ann_file'])
        except (ConfigDumpError, OSError, ValueError, KeyError) as e:
            return None, f'no size support ({e})'
        if not isinstance(ann, str):
            return None, f'no size support (ann_file {ann!r})'
        if ann not in self._counts:
            try:
                with open(ann) as f:
                    self._counts[ann] = (count_sizes(json.load(f)), None)
            except (OSError, ValueError, KeyError, TypeError,
                    IndexError) as e:
                self._counts[ann] = (None, f'no size support ({ann}: {e})')
        return self._counts[ann]


__all__ = ['SIZE_RANGES', 'SUPPORT_COLUMNS', 'SizeSupport', 'count_sizes']
