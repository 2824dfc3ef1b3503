"""Ablation sweeps: plan, run (local or one SLURM array), status, report.

    tools/sweep.py plan   SPEC [--force]
    tools/sweep.py run    SPEC --launcher local [--jobs N] [--retry-failed]
                          [--gpus-per-run G]
    tools/sweep.py run    SPEC --launcher slurm --partition P
                          [--gpus-per-run G] [--gpus-per-node N]
                          [--max-parallel K]
                          [--cpus-per-task C] [--gres GRES]
                          [--time-limit-warning S] [--max-attempts K]
                          [sbatch args, e.g. --time=48:00:00]
    tools/sweep.py status SPEC [--all]
    tools/sweep.py report SPEC

Installed from a wheel, the same tool is ``focal-iou-sweep`` (or
``python -m focal_iou_mmdet.sweep``).  SPEC is a YAML/JSON/Python file
(see focal_iou_mmdet/sweep/spec.py and configs/sweeps/).  Every command may be repeated: done runs are never
trained again, interrupted ones resume from their last checkpoint.
"""
import argparse
import os
import sys
import warnings

from .spec import SweepSpecError, expand, load_spec, spec_summary


def _prog_name() -> str:
    """How the user started us: tools/sweep.py, focal-iou-sweep or
    python -m focal_iou_mmdet.sweep."""
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ''
    if name in ('', '__main__.py', '-c'):
        return 'python -m focal_iou_mmdet.sweep'
    return 'tools/sweep.py' if name == 'sweep.py' else name


def parse_args(argv=None):
    # no abbreviations: sbatch's own arguments pass through, and --time=1
    # must not be read as our --time-limit-warning
    p = argparse.ArgumentParser(
        prog=_prog_name(), allow_abbrev=False, description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n'.join(__doc__.splitlines()[2:]))
    p.add_argument('--work-root', default='work_dirs',
                   help="where a spec without 'work_dir' puts its runs")
    sub = p.add_subparsers(dest='command', required=True)
    s = sub.add_parser('plan', help='check the spec, write one config per run')
    s.add_argument('spec')
    s.add_argument('--force', action='store_true',
                   help='overwrite the configs of runs that already started')
    s = sub.add_parser('run', help='plan, then train the pending runs',
                       allow_abbrev=False)
    s.add_argument('spec')
    s.add_argument('--launcher', choices=['local', 'slurm'], default='local')
    s.add_argument('--jobs', type=int, default=1,
                   help='local: runs at a time (default 1)')
    s.add_argument('--retry-failed', action='store_true')
    s.add_argument('--force', action='store_true',
                   help='overwrite the configs of started runs; rebuild '
                   'unreadable run status files')
    s.add_argument('--partition', help='slurm: the partition')
    s.add_argument('--gpus-per-run', type=int, default=1,
                   help='GPUs (ranks) per run (default 1); local: each run '
                   'gets its own through CUDA_VISIBLE_DEVICES, a run over '
                   'several starts them with torchrun; slurm: srun tasks')
    s.add_argument('--gpus-per-node', type=int,
                   help='slurm: ranks per node (default: min(G, 8))')
    s.add_argument('--max-parallel', type=int,
                   help='slurm: array throttle %%K')
    s.add_argument('--cpus-per-task', type=int, default=5,
                   help='slurm: CPUs per rank (default 5, as mmdet)')
    s.add_argument('--gres', default=None,
                   help="slurm: default gpu:<ranks per node>; '' for a cluster "
                   'without GPUs')
    s.add_argument('--job-name')
    s.add_argument('--time-limit-warning', type=int, default=300,
                   metavar='S',
                   help='slurm: seconds before a task\'s time limit at which '
                   'it stops and requeues itself (default 300)')
    s.add_argument('--max-attempts', type=int, default=5,
                   help='slurm: starts of one run in all (time limits, '
                   'preemptions, requeues) before it is marked failed '
                   '(default 5)')
    s = sub.add_parser('status', help='progress table with counts and ETA')
    s.add_argument('spec')
    s.add_argument('--all', action='store_true', help='list every run')
    s = sub.add_parser('report', help='results.csv, results.md, plots')
    s.add_argument('spec')
    s.add_argument('--out-dir', help='where the files go (default: the '
                   "sweep's folder)")
    args, extra = p.parse_known_args(argv)
    if extra and not (args.command == 'run' and args.launcher == 'slurm'):
        p.error(f'unrecognized arguments: {" ".join(extra)}')
    if args.command == 'run' and args.launcher == 'slurm' and \
            not args.partition:
        p.error('--launcher slurm needs --partition')
    args.sbatch_args = extra
    return args


def main(argv=None) -> int:
    warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
    args = parse_args(argv)
    try:
        spec = load_spec(args.spec, args.work_root)
        if args.command in ('plan', 'run'):
            from .plan import plan
            runs = plan(spec, force=args.force)
            print(spec_summary(spec, runs), flush=True)
        else:
            runs = expand(spec)
    except SweepSpecError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    except OSError as e:  # e.g. a read-only work root for plan/run
        print(f'error: cannot write the sweep\'s run folders: '
              f'{e.filename or ""}: {e.strerror or e}', file=sys.stderr)
        return 2
    if args.command == 'run':
        if args.launcher == 'local':
            from .local import run_local
            try:
                final = run_local(spec, runs, args.jobs, args.retry_failed,
                                  force=args.force,
                                  gpus_per_run=args.gpus_per_run)
            except ValueError as e:  # e.g. more GPUs per run than visible
                print(f'error: {e}', file=sys.stderr)
                return 2
            return 0 if not (final['failed'] or final['pending'] or
                             final['unreadable']) else 1
        from .slurm import SlurmOptions, submit_slurm
        opts = SlurmOptions(
            partition=args.partition, gpus_per_run=args.gpus_per_run,
            gpus_per_node=args.gpus_per_node,
            cpus_per_task=args.cpus_per_task, gres=args.gres,
            max_parallel=args.max_parallel, job_name=args.job_name,
            time_limit_warning_s=args.time_limit_warning,
            max_attempts=args.max_attempts,
            extra_args=list(args.sbatch_args))
        try:
            submit_slurm(spec, runs, opts, args.retry_failed, args.force)
        except RuntimeError as e:
            print(f'error: {e}', file=sys.stderr)
            return 2
    elif args.command == 'status':
        from .report import status_table
        print(status_table(spec, runs, args.all))
    elif args.command == 'report':
        from .report import report
        out = report(spec, runs, args.out_dir)
        return 1 if out.get('error') else 0
    return 0


if __name__ == '__main__':
    sys.exit(main())
