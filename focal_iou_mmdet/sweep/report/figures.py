"""The report's figures: training curves and AP by object size."""
import os.path as osp
from collections import OrderedDict
from typing import List, Tuple

from ...analysis.plots import (ForestPanel, plot_ap_by_size,
                               plot_confidence_sequences, plot_forest,
                               plot_paired_curves, plot_training_curves)
from ...analysis.grid_verdicts import ANYTIME
from ...analysis.sequential import sequence_path
from ...analysis.verdicts import level_text
from ..spec import SweepSpec
from ..compare.comparison import value_text
from ..compare.convergence import LOCALIZATION
from ..compare.rows import families, primary_name


def _label(key: Tuple) -> str:
    return ', '.join(value_text(v) for v in key[1:]) or str(key[0])


def plot(spec: SweepSpec, stats: List[dict], rows: List[dict],
         out_dir: str, claims=None) -> List[str]:
    """Training curves of the primary metric; AP by object size where the
    metric family has sizes (COCO); with ``claims``
    (:class:`.claims_section.ClaimsReport`), the forest plot and the paired
    Δ per epoch."""
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
    if claims is not None:
        figures += _claims_figures(claims, out_dir, primary_name(rows))
    paths = _sequence_paths(stats)
    if paths:
        figures.append(plot_confidence_sequences(
            paths, osp.join(out_dir, 'confidence_sequences.png'),
            f'sweep {spec.name}', metric=primary_name(rows),
            level=level_text(_alpha(stats))))
    return figures


def _alpha(stats: List[dict]) -> float:
    """The level the sweep's verdicts were made at."""
    return next(s['comparison'].verdict.alpha for s in stats
                if s.get('comparison') and s['comparison'].verdict)


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


def _cell_labels(comps) -> dict:
    """Each comparison's row label: its cell (``retinanet · shapes``),
    with what it changes where a cell holds several comparisons."""
    cells = [c.cell for c in comps]
    return {id(c): c.cell if cells.count(c.cell) == 1 else
            f'{c.cell} · {c.change}' for c in comps}


def _forest_panels(claims) -> List[ForestPanel]:
    out = []
    for claim in claims.claims:
        for panel in claim.panels:
            rows = [(c, v) for c, v in panel.cells if v is not None]
            if not rows:
                continue
            labels = _cell_labels([c for c, _ in rows])
            agg = panel.aggregate
            out.append(ForestPanel(
                panel.metric,
                [(labels[id(c)], v.mean, v.low, v.high, v.corrected)
                 for c, v in rows],
                agg and (agg.mean, agg.low, agg.high, agg.iqm),
                rows[0][1].interval_name, claims.aggregate_interval))
    return out


def _claims_figures(claims, out_dir: str, metric: str) -> List[str]:
    panels = _forest_panels(claims)
    if not panels:
        return []
    out = [plot_forest(panels, osp.join(out_dir, 'forest_plot.png'))]
    found = [c for c in claims.convergence if c.epochs]
    labels = _cell_labels([c.comparison for c in found])
    series = lambda name, epochs, vs: (  # noqa: E731
        name, epochs, [v.mean for v in vs], [v.low for v in vs],
        [v.high for v in vs])
    curves = [(labels[id(c.comparison)],
               [series(metric, c.epochs, c.per_epoch)] +
               ([series(LOCALIZATION, c.localization_epochs,
                        c.localization)] if c.localization_epochs else []))
              for c in found]
    if curves:
        interval = next((v.interval_name for c in found
                         for v in c.per_epoch if v is not None), '')
        out.append(plot_paired_curves(
            curves, osp.join(out_dir, 'convergence.png'), interval))
    return out
