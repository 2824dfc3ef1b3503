"""Stage 6 of a sweep, the report: the comparisons with their verdicts
(:mod:`..compare`), rendered (:mod:`.render`, :mod:`.verdict_lines`,
:mod:`.figures`).  The metrics are whatever the runs' evaluator wrote
(COCO or VOC, :mod:`...runs.metric_families`); tables, verdicts and plots
name the primary one.  A partial sweep reports what has finished; the
notes name every run whose numbers are missing or need a caveat."""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

from ...runs.run_status import RunState
from ...utils.display import relpath
from ..compare.claims import MIN_SUPPORT
from ..compare.comparison import VerdictRule
from ..compare.group_stats import summarize
from ..compare.rows import collect, primary_name, small_name
from ..observe.state import counts
from ..spec import Run, SweepSpec
from .claims_section import claims_report
from .figures import plot
from .render import text_table, write_csv, write_markdown
from .verdict_lines import family_header, precision_note, verdicts


def run_notes(rows: List[dict]) -> List[str]:
    """``- `run`: why`` for each run not in the table or whose numbers
    need a caveat (skipped lines, diverged, nothing evaluated)."""
    out = []
    for r in rows:
        st, done = r['_status'], r['state'] == RunState.DONE
        why = r['_result'].problems(done)
        if not done:
            why.insert(0, r['state'] + (
                f' ({st.first_message_line()})'
                if r['state'] == RunState.UNREADABLE else ''))
        if why:
            out.append(f'- `{r["run_id"]}`: ' + '; '.join(why))
    return out


def _print(spec, stats, rows, said, notes) -> None:
    print(text_table(spec, stats, rows))
    if said:
        print('\n'.join(said))
    if notes:
        print(f'notes on {len(notes)} of {len(rows)} runs:\n'
              + '\n'.join('  ' + m[2:] for m in notes[:10])
              + ('\n  ...' if len(notes) > 10 else ''))


def report(spec: SweepSpec, runs: Sequence[Run],
           out_dir: Optional[str] = None, correction: bool = True,
           min_support: int = MIN_SUPPORT, claims_only: bool = False
           ) -> Dict[str, object]:
    """Print the table and verdicts; write results.csv, results.md and the
    plots (into ``out_dir``, default the sweep's folder); return their
    paths, the group statistics and the comparisons.  A folder that cannot
    be written to (a read-only work root) is reported; the table is still
    printed.  The verdicts follow the sweep's rule
    (:meth:`..compare.comparison.VerdictRule.of`), Holm-corrected unless
    ``correction`` is False.  ``claims_only``: print the claims table
    (:mod:`.claims_section`) and write nothing."""
    out_dir = out_dir or spec.work_dir
    rule = VerdictRule.of(spec, correction)
    rows = collect(spec, list(runs))
    stats, comps = summarize(spec, rows, rule)
    claims = claims_report(stats, comps, rule, primary_name(rows),
                           small_name(rows), min_support, rows)
    if claims_only:
        print('\n'.join(claims.table()) or 'no claims: the sweep has no '
              'comparison (no baseline in its spec)')
        return dict(csv=None, md=None, figures=[], stats=stats,
                    comparisons=comps, claims=claims)
    notes = run_notes(rows)
    said = verdicts(stats, primary_name(rows), small_name(rows) or 'AP_s')
    if said:
        said = [family_header(comps, rule) + ' ' + precision_note(
            comps, primary_name(rows))] + said
    _print(spec, stats, rows, said, notes)
    # the claims, the sweep's cost and any comparison that mixes devices
    cost = [line[2:] for line in claims.cost
            if 'warning' in line or line is claims.cost[-1]]
    print('\n'.join(claims.table() + cost))
    try:
        os.makedirs(out_dir, exist_ok=True)
        csv_path = write_csv(rows, osp.join(out_dir, 'results.csv'))
        figures = plot(spec, stats, rows, out_dir, claims)
        md_path = write_markdown(
            spec, rows, stats, counts(r['_status'] for r in rows), notes,
            said, figures, osp.join(out_dir, 'results.md'), rule, claims)
    except OSError as e:
        print(f'error: cannot write the report files to {out_dir}: '
              f'{e.strerror or e} (printed only; --out-dir writes them '
              'elsewhere)')
        return dict(csv=None, md=None, figures=[], stats=stats,
                    comparisons=comps, error=str(e))
    for p in [csv_path, md_path] + figures:
        print(f'wrote {relpath(p)}')
    return dict(csv=csv_path, md=md_path, figures=figures, stats=stats,
                comparisons=comps, claims=claims)


__all__ = ['collect', 'report', 'run_notes', 'summarize']
