"""Ablation sweeps: plan, run (local, or SLURM arrays), status, report,
seeds, cancel.

Installed from a wheel, the same tool is ``focal-iou-sweep`` (or
``python -m focal_iou_mmdet.sweep``; ``tools/sweep.py`` in a checkout).
SPEC is a YAML or JSON file (configs/sweeps/ has examples; docs/sweeps.md
says what it holds).  Every command may be repeated: done runs are never
trained again, interrupted ones resume from their last checkpoint.
``run --launcher slurm`` hands the options it does not know to sbatch
(e.g. ``--time=48:00:00``).
"""
import argparse
import dataclasses
import os
import sys
import textwrap
import warnings

from .launchers import LAUNCHERS
from .spec import SweepSpecError, load_spec
from .spec.expansion import spec_summary
from ..utils.cli_numbers import Number
from ..utils.display import short_message
from .spec.seed_rounds import (MAX_SEEDS, POINTS, POLL, POWER,
                               PRECISION, SEEDS_PER_ROUND, UntilDecided,
                               sweep_runs)


def _prog_name() -> str:
    """How the user started us: tools/sweep.py, focal-iou-sweep or
    python -m focal_iou_mmdet.sweep."""
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ''
    if name in ('', '__main__.py', '-c'):
        return 'python -m focal_iou_mmdet.sweep'
    return 'tools/sweep.py' if name == 'sweep.py' else name


#: ``run`` options that mean something with --until-decided only
_SEQUENTIAL_OPTIONS = ('--max-seeds', '--seeds-per-round', '--precision',
                       '--poll')


class _OptionRecorder:
    """Adds a launcher's options to ``run``'s parser and notes which are
    whose (``owners``: flag -> (dest, default, launcher names)); an option
    two launchers share (``--gpus-per-run``) is added once, its help
    joining both launchers' words.  One launcher's options are refused
    with another."""

    def __init__(self, parser, owners: dict, name: str):
        self.parser, self.owners, self.name = parser, owners, name

    def add_argument(self, *names, **kwargs):
        flag = names[0]
        if flag not in self.owners:
            action = self.parser.add_argument(*names, **kwargs)
            self.owners[flag] = (action.dest, action.default, [], action)
        elif kwargs.get('help'):
            action = self.owners[flag][3]
            action.help = f'{action.help}; {kwargs["help"]}' if \
                action.help else kwargs['help']
        self.owners[flag][2].append(self.name)


def _check_run_options(p, args) -> None:
    """Options of another launcher, or sequential options without
    --until-decided, are errors, not silently ignored."""
    for flag, (dest, default, names, _) in p.launcher_options.items():
        if args.launcher not in names and getattr(args, dest) != default:
            p.error(f'{flag} is an option of --launcher '
                    f'{" and ".join(names)}, not of --launcher '
                    f'{args.launcher}')
    if args.until_decided:
        try:
            args.sequential = UntilDecided(args.max_seeds,
                                           args.seeds_per_round,
                                           args.precision, poll=args.poll)
        except ValueError as e:
            p.error(str(e))
        return
    for flag in _SEQUENTIAL_OPTIONS:
        dest = flag[2:].replace('-', '_')
        if getattr(args, dest) != getattr(UntilDecided, dest):
            p.error(f'{flag} is an option of --until-decided')


def _add_run_parser(sub, owners: dict) -> None:
    s = sub.add_parser('run', help='plan, then train the pending runs',
                       allow_abbrev=False)
    s.add_argument('spec')
    s.add_argument('--launcher', choices=list(LAUNCHERS),
                   default=next(iter(LAUNCHERS)))
    s.add_argument('--retry-failed', action='store_true')
    s.add_argument('--force', action='store_true',
                   help='overwrite the configs of started runs; rebuild '
                   'unreadable run status files')
    s.add_argument('--refresh-code', action='store_true',
                   help='runs not started yet take the code installed now '
                   '(a new snapshot in the sweep folder)')
    for name, launcher in LAUNCHERS.items():
        launcher.add_arguments(_OptionRecorder(s, owners, name))
    s.add_argument('--tracking', nargs='+', default=[], metavar='TRACKER',
                   help='also log every run to these trackers: tensorboard, '
                   "mlflow, wandb (added to the spec's tracking:)")
    s.add_argument('--until-decided', action='store_true',
                   help='add seeds in rounds to the comparisons still '
                   'undecided (anytime-valid), until each is decided')
    s.add_argument('--max-seeds', type=MAX_SEEDS,
                   default=UntilDecided.max_seeds,
                   help='--until-decided: seeds per comparison at most '
                   f'(default {UntilDecided.max_seeds})')
    s.add_argument('--seeds-per-round', type=SEEDS_PER_ROUND,
                   default=UntilDecided.seeds_per_round,
                   help='--until-decided: seeds added per round (default 1)')
    s.add_argument('--precision', type=PRECISION, default=None,
                   help="--until-decided: call a comparison 'equivalent' "
                   'once its interval lies within ±P points')
    s.add_argument('--poll', type=POLL, default=UntilDecided.poll,
                   metavar='SECONDS',
                   help='--until-decided with a launcher that submits and '
                   'returns (slurm): check a round every SECONDS (default '
                   '30)')


def _add_seeds_parser(sub) -> None:
    s = sub.add_parser('seeds', help='seeds each comparison needs, from the '
                       'finished pilot seeds')
    s.add_argument('spec')
    s.add_argument('--delta', type=POINTS, required=True,
                   help='the difference to detect (primary metric, points)')
    s.add_argument('--power', type=POWER, default=0.8)
    s.add_argument('--sigma', type=POINTS, default=None,
                   help='the sd of the paired differences, when there are '
                   'no pilot runs (e.g. from a paper)')
    s.add_argument('--max-seeds', type=MAX_SEEDS,
                   default=UntilDecided.max_seeds,
                   help='seeds per comparison at most, as run '
                   f'--until-decided takes it (default {UntilDecided.max_seeds})')


def build_parser() -> argparse.ArgumentParser:
    # no abbreviations: a launcher's own arguments pass through, and
    # --time=1 must not be read as our --time-limit-warning
    p = argparse.ArgumentParser(
        prog=_prog_name(), allow_abbrev=False,
        description=' '.join(__doc__.split('\n\n')[0].split()),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--work-root', default='work_dirs',
                   help="where a spec without 'work_dir' puts its runs")
    sub = p.add_subparsers(dest='command', required=True)
    s = sub.add_parser('plan', help='check the spec, write one config per run')
    s.add_argument('spec')
    s.add_argument('--force', action='store_true',
                   help='overwrite the configs of runs that already started')
    s.add_argument('--refresh-code', action='store_true',
                   help='runs not started yet take the code installed now '
                   '(a new snapshot in the sweep folder)')
    s.add_argument('--dry-run', action='store_true',
                   help='list the runs and which are planned already; check '
                   'and write nothing (fast: no torch, no mmdet)')
    p.launcher_options = {}
    _add_run_parser(sub, p.launcher_options)
    s = sub.add_parser('status', help='progress table with counts and ETA')
    s.add_argument('spec')
    s.add_argument('--all', action='store_true', help='list every run')
    s = sub.add_parser('report', help='results.csv, results.md, plots')
    s.add_argument('spec')
    s.add_argument('--out-dir', help='where the files go (default: the '
                   "sweep's folder)")
    s.add_argument('--no-correction', action='store_true',
                   help='verdicts without Holm\'s correction for the '
                   'number of comparisons')
    s.add_argument('--log-to', nargs='+', default=[],
                   choices=['mlflow', 'wandb'],
                   help='also log the report files as artifacts of a run '
                   '"report" in the sweep\'s experiment / project')
    s.add_argument('--min-support', type=Number(int, 0, 10**9), default=500,
                   help='note an AP_s/m/l with fewer ground-truth boxes of '
                   'that size behind it (default 500)')
    s.add_argument('--claims-only', action='store_true',
                   help='print the claims table only; write nothing')
    _add_seeds_parser(sub)
    s = sub.add_parser('cancel', help="stop the sweep's queued and running "
                       'runs (they resume next time)')
    s.add_argument('spec')
    p.epilog = usage_text(sub) + '\n\n' + __doc__.split('\n\n', 1)[1]
    return p


def usage_text(sub) -> str:
    """Every command's usage, from its own parser (so it cannot drift)."""
    return 'commands:\n' + '\n'.join(textwrap.fill(
        ' '.join(parser.format_usage().split()[1:]), 79,
        initial_indent='  ', subsequent_indent=' ' * 6,
        break_on_hyphens=False)
        for parser in sub.choices.values())


def parse_args(argv=None):
    p = build_parser()
    args, extra = p.parse_known_args(argv)
    if extra and not (args.command == 'run' and
                      LAUNCHERS[args.launcher].takes_extra_args):
        p.error(f'unrecognized arguments: {" ".join(extra)}')
    args.launcher_obj = None
    if args.command == 'seeds':
        from .compare.seed_advice import check_seed_options
        try:
            check_seed_options(args.delta, args.power, args.sigma,
                               args.max_seeds)
        except ValueError as e:
            p.error(str(e))
    if args.command == 'run':
        _check_run_options(p, args)
        try:
            args.launcher_obj = LAUNCHERS[args.launcher].from_args(args,
                                                                   extra)
        except ValueError as e:  # e.g. more GPUs per run than visible
            p.error(str(e))
        if args.until_decided and args.launcher_obj.dry_run:
            p.error('--until-decided trains round after round; it has no '
                    'dry run (drop --dry-run)')
    return args


def _load(args):
    """The spec and its runs (planned and written for plan/run)."""
    spec = load_spec(args.spec, args.work_root)
    if args.command not in ('plan', 'run'):
        return spec, sweep_runs(spec)
    if args.command == 'plan' and args.dry_run:
        runs = sweep_runs(spec)
        planned = sum(1 for r in runs
                      if os.path.exists(spec.run_dir(r.id).config_file))
        print(spec_summary(spec, runs) + f'\n{planned} of {len(runs)} runs '
              'planned already (--dry-run: nothing checked or written)')
        return spec, runs
    from .plan import plan
    if getattr(args, 'tracking', None):
        from .spec.tracking import check_tracking
        spec.tracking = check_tracking(spec.tracking + args.tracking)
    dry = args.command == 'run' and args.launcher_obj.dry_run
    from .plan.planner import code_changes
    changes = code_changes(spec, sweep_runs(spec))  # before plan() records
    runs = plan(spec, force=args.force, write=not dry,
                runs=sweep_runs(spec), refresh_code=args.refresh_code)
    if changes:
        print('\n'.join(changes), flush=True)
    print(spec_summary(spec, runs) + (
        '\n(--dry-run: checked, nothing written)' if dry else ''),
        flush=True)
    return spec, runs


def _cancel(spec, runs) -> int:
    from .observe.state import SweepState, launcher_of
    statuses = SweepState(spec, runs).statuses()
    said = []
    for name, launcher in LAUNCHERS.items():
        said += launcher.cancel({d: s for d, s in statuses.items()
                                 if s.is_active and launcher_of(s) == name})
    print('\n'.join(said) if said else
          f'sweep {spec.name!r}: nothing queued or running')
    return 0


def _run(args, spec, runs) -> int:
    if not args.until_decided:
        from .observe.state import SweepState
        return args.launcher_obj.launch(SweepState(spec, runs),
                                        args.retry_failed, args.force)
    from .until_decided import run_until_decided
    opts = dataclasses.replace(args.sequential, alpha=spec.alpha)
    return run_until_decided(spec, args.launcher_obj, opts,
                             args.retry_failed, args.force)


def main(argv=None) -> int:
    warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
    args = parse_args(argv)
    try:
        spec, runs = _load(args)
        return _dispatch(args, spec, runs)
    except (SweepSpecError, ValueError) as e:
        print(f'error: {short_message(e)}', file=sys.stderr)
        return 2
    except OSError as e:  # e.g. a read-only work root for plan/run
        print(f'error: cannot write the sweep\'s run folders: '
              f'{e.filename or ""}: {e.strerror or e}', file=sys.stderr)
        return 2


def _dispatch(args, spec, runs) -> int:
    if args.command == 'plan':
        return 0
    if args.command == 'run':
        return _run(args, spec, runs)
    if args.command == 'status':
        from .observe.status_view import status_table
        print(status_table(spec, runs, args.all))
    elif args.command == 'report':
        from .report import report
        out = report(spec, runs, args.out_dir, not args.no_correction,
                     args.min_support, args.claims_only)
        if args.log_to and not out.get('error'):
            from .spec.tracking import log_report
            files = [out['md'], out['csv']] + list(out['figures'])
            print('\n'.join(log_report(spec, files, args.log_to)))
        return 1 if out.get('error') else 0
    elif args.command == 'seeds':
        from .compare.seed_advice import plan_seeds
        print('\n'.join(plan_seeds(spec, runs, args.delta, args.power,
                                   args.sigma, args.max_seeds)))
    elif args.command == 'cancel':
        return _cancel(spec, runs)
    return 0


if __name__ == '__main__':
    sys.exit(main())
