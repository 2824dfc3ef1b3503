"""A sweep's report, split by job: collecting the runs' results
(:mod:`.rows`), the statistics (:mod:`.comparisons`, with the image
bootstrap adapter :mod:`.bootstrap`), and rendering (:mod:`.render`,
:mod:`.figures`).  The metrics are whatever the runs' evaluator wrote (COCO
or VOC, :mod:`...runs.metric_families`); tables, verdicts and plots name the
primary one.  A partial sweep reports what has finished and lists what is
missing."""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

from ...runs import RunStatus
from ..display import relpath
from ..spec import Run, SweepSpec
from ..state import counts
from .comparisons import summarize
from .figures import plot
from .render import text_table, write_csv, write_markdown
from .rows import collect
from .verdicts import family_header, verdicts


def _missing(rows: List[dict], states: Dict[str, RunStatus]) -> List[str]:
    out = []
    for r in rows:
        if r['state'] == 'done' and r['primary'] is None:
            out.append(f'- `{r["run_id"]}`: done, but its scalars.json has '
                       'no validation metrics (nothing evaluated?)')
        elif r['state'] != 'done':
            msg = states[r['run_id']].first_message_line()
            out.append(f'- `{r["run_id"]}`: {r["state"]}' + (
                f' ({msg})' if r['state'] == 'unreadable' else ''))
    return out


def report(spec: SweepSpec, runs: Sequence[Run],
           out_dir: Optional[str] = None, correction: bool = True,
           sequential: Optional[bool] = None) -> Dict[str, object]:
    """Print the table and verdicts; write results.csv, results.md and the
    plots (into ``out_dir``, default the sweep's folder); return their
    paths and the group statistics.  A folder that cannot be written to
    (a read-only work root) is reported; the table is still printed.
    ``sequential`` (default: whether the sweep ran ``--until-decided``)
    gives the anytime-valid verdicts; ``correction`` Holm's over all."""
    out_dir = out_dir or spec.work_dir
    if sequential is None:
        from ..until_decided import ran_until_decided
        sequential = ran_until_decided(spec)
    rows = collect(spec, runs)
    stats = summarize(spec, rows, sequential)
    states = {row['run_id']: row['_status'] for row in rows}
    c = counts(row['_status'] for row in rows)
    missing = _missing(rows, states)
    said = verdicts(spec, stats, rows, correction)
    if said:
        said = [family_header(stats, correction, sequential)] + said
    print(text_table(spec, stats, rows))
    if said:
        print('\n'.join(said))
    if missing:
        print(f'not in the table: {len(missing)} of {len(rows)} runs:\n'
              + '\n'.join('  ' + m[2:] for m in missing[:10])
              + ('\n  ...' if len(missing) > 10 else ''))
    try:
        os.makedirs(out_dir, exist_ok=True)
        csv_path = write_csv(rows, osp.join(out_dir, 'results.csv'))
        figures = plot(spec, stats, rows, out_dir)
        md_path = write_markdown(spec, rows, stats, c, missing, said,
                                  figures, osp.join(out_dir, 'results.md'))
    except OSError as e:
        print(f'error: cannot write the report files to {out_dir}: '
              f'{e.strerror or e} (printed only; --out-dir writes them '
              'elsewhere)')
        return dict(csv=None, md=None, figures=[], stats=stats,
                    error=str(e))
    for p in [csv_path, md_path] + figures:
        print(f'wrote {relpath(p)}')
    return dict(csv=csv_path, md=md_path, figures=figures, stats=stats)


__all__ = ['collect', 'report', 'summarize', 'verdicts']
