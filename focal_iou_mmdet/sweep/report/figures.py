"""The report's figures: training curves and AP by object size."""
import os.path as osp
from collections import OrderedDict
from typing import List, Tuple

from ...analysis.plots import (plot_ap_by_size, plot_confidence_sequences,
                               plot_training_curves)
from ...analysis.grid_verdicts import ANYTIME
from ...analysis.sequential import sequence_path
from ..spec import SweepSpec
from ..compare.comparison import value_text
from ..compare.rows import families, primary_name


def _label(key: Tuple) -> str:
    return ', '.join(value_text(v) for v in key[1:]) or str(key[0])


def plot(spec: SweepSpec, stats: List[dict], rows: List[dict],
         out_dir: str) -> List[str]:
    """Training curves of the primary metric; AP by object size where the
    metric family has sizes (COCO)."""
    fams = families(rows)
    sizes_of = fams[0].sizes if len(fams) == 1 else ()
    curves, sizes = OrderedDict(), OrderedDict()
    for det in spec.axes['detector']:
        groups = [s for s in stats if s['key'][0] == det]
        curves[det] = [(_label(s['key']), s['results']) for s in groups]
        sizes[det] = [(_label(s['key']), {m: s.get(m, (None, None))
                                          for m in sizes_of})
                      for s in groups]
    title = f'sweep {spec.name} (mean over seeds)'
    baselines = {_label(s['baseline']) for s in stats if s.get('baseline')}
    figures = [plot_training_curves(
        curves, osp.join(out_dir, 'training_curves.png'), title,
        metric=primary_name(rows), keep=baselines)]
    if sizes_of:
        figures.append(plot_ap_by_size(
            sizes, osp.join(out_dir, 'ap_by_size.png'), f'sweep {spec.name}',
            keep=baselines))
    paths = _sequence_paths(stats)
    if paths:
        figures.append(plot_confidence_sequences(
            paths, osp.join(out_dir, 'confidence_sequences.png'),
            f'sweep {spec.name}', metric=primary_name(rows)))
    return figures


def _sequence_paths(stats: List[dict]) -> list:
    """The comparisons of a sweep run ``--until-decided``, each with its
    confidence sequence seed by seed."""
    out = []
    for s in stats:
        comp = s.get('comparison')
        if comp is None or comp.verdict is None or \
                comp.verdict.kind != ANYTIME:
            continue
        out.append((comp.label, comp.verdict.corrected) + tuple(
            list(a) for a in sequence_path(comp.differences(),
                                           comp.verdict.alpha)))
    return out
