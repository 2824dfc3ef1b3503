"""A loss comparison (the quickstart, ``tools/compare_losses.py``) as a
one-axis sweep built in code: configs that differ in their ``{loss}`` token,
over seeds, through the same plan -> run -> report as any sweep."""
import os.path as osp
from typing import Any, Dict, Optional, Sequence

from ..runs.run_status import RunState
from .launchers import Launcher
from .plan import plan
from .report import report
from .observe.state import SweepState
from .spec.expansion import spec_summary
from .spec.sweep_spec import SweepSpec, make_spec


def comparison_spec(name: str, work_dir: str, detector: str, template: str,
                    losses: Sequence[str], seeds: Sequence[int], epochs: int,
                    options: Optional[Dict[str, Any]] = None,
                    env: Optional[Dict[str, str]] = None,
                    source: str = '<in code>') -> SweepSpec:
    """``losses[0]`` is the baseline; ``template`` names the configs with a
    ``{loss}`` placeholder (``baseline`` fills it with nothing)."""
    return make_spec(dict(
        name=name, work_dir=work_dir, configs={detector: template},
        axes=dict(loss=list(losses), seed=list(seeds)),
        options=dict(options or {}, epochs=epochs),
        baseline=dict(loss=losses[0]), env=dict(env or {})),
        source, osp.dirname(work_dir))


def run_comparison(spec: SweepSpec, launcher: Launcher
                   ) -> Dict[str, object]:
    """Plan, train what is not done yet with ``launcher`` (resuming
    interrupted runs) and report.  Raises RuntimeError when a run
    failed."""
    runs = plan(spec)
    print(spec_summary(spec, runs), flush=True)
    launcher.launch(SweepState(spec, runs))
    out = report(spec, runs)
    final = SweepState(spec, runs).counts()
    if final[RunState.FAILED] or final[RunState.PENDING]:
        raise RuntimeError(
            f'{final["failed"]} run(s) failed, {final["pending"]} did not '
            f'finish; see the run folders under {spec.work_dir}')
    return out
