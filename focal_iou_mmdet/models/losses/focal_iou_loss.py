r"""Focal IoU loss: a focal factor around any IoU-based box-regression loss.

The Focal-IoU formula (``formula='focal_iou'``, the default), as in the
authors' code (Focal-IOU-SSD ``multibox_loss.py``, Focal-IOU-Detectron
``net.py``)::

    L = s * (1 - a * c) ** gamma * (1 - V)

``V`` is the chosen IoU variant (:mod:`.box_iou`), ``c`` the variant mapped
onto [0, 1] (IoU: ``c = IoU``; GIoU/DIoU: ``(V + 1) / 2``; CIoU/SIoU:
``(V + 2) / 3``; EIoU: ``(V + 3) / 4``), ``a = confidence_weight = 0.5``,
``gamma = 2`` and ``s`` a per-variant constant.  The focal factor is *not*
detached, so its gradient flows (the authors' "dynamic learning rate");
``detach_focal=True`` detaches it.

``s`` defaults to the authors' constants: 2.477 (IoU), 3.088 (DIoU), 3.3 (CIoU).
These three satisfy ``s = (1 - 0.5 * c(V0)) ** -2`` with ``V0`` = 0.73, 0.72 and
0.70, i.e. they make the focal factor 1 for a well-localised box (V ~ 0.72).
Variants the authors do not cover get the constant of their variant with the
same mapping -- GIoU 3.088 (as DIoU), SIoU 3.3 (as CIoU) -- and EIoU, whose
mapping is new, gets the same rule at the authors' mean ``V0`` = 0.717: 3.49.
A loss given as a config of another registered IoU-style loss gets 1.0.

Two related formulas share the implementation:

- ``formula='focal_eiou'``: ``L = s * IoU.detach() ** gamma * (1 - V)``
  (``gamma`` defaults to 0.5); Zhang et al., "Focal and Efficient IOU Loss
  for Accurate Bounding Box Regression", https://arxiv.org/abs/2101.08158
- ``formula='alpha_iou'``: ``L = s * (1 - IoU ** p + sum_i P_i ** p)`` over
  the variant's penalty terms ``P_i``, ``p = power = 3``; He et al.,
  "Alpha-IoU", NeurIPS 2021, https://arxiv.org/abs/2110.13675
- ``formula='wise_iou'``: Wise-IoU v1-v3's dynamic focusing on ``1 - V``
  (Tong et al. 2023, https://arxiv.org/abs/2301.10051; :mod:`.wise_iou`),
  with a running mean kept as the buffer ``wiou_mean``.
- ``formula='piou_v2'``: PIoU v2's non-monotonic focusing
  ``u(lambda exp(-P)) (1 - V)``, ``u(x) = 3 x exp(-x^2)``, ``lambda =
  piou_lambda = 1.3`` (Liu et al., Neural Networks 2024; with
  ``iou_variant='piou'`` it is the paper's PIoU v2; :mod:`.box_iou_field`).
- ``formula='uiou'``: Unified-IoU (Luo et al., arXiv 2408.06636): ``1 - V``
  of both boxes scaled about their centres by a ratio annealed over the
  epochs (``uiou_ratio``, ``uiou_epochs``, ``uiou_schedule``;
  :mod:`.unified_iou`); needs ``UIoUEpochHook``.

``focal_factor=True`` puts the Focal-IoU factor ``s (1 - a c)^gamma`` on
top of ``wise_iou``, ``piou_v2`` or ``uiou`` as well (a second focusing
mechanism: the "double focusing" ablation).

The variants of the 2023-24 field (MPDIoU, Shape-IoU, NWD) and the
Inner-IoU and Focaler-IoU modifiers of the IoU term are in
:mod:`.box_iou_field`; every formula composes with every variant and
modifier (e.g. the focal factor on Inner-Shape-IoU, Wise-IoU v3 on
Focaler-CIoU).

The IoU variants: GIoU, Rezatofighi et al., CVPR 2019,
https://arxiv.org/abs/1902.09630; DIoU and CIoU, Zheng et al., AAAI 2020,
https://arxiv.org/abs/1911.08287; EIoU (Efficient-IoU) as above; SIoU,
Gevorgyan, https://arxiv.org/abs/2205.12740.

With ``scale=1`` and ``gamma=0`` (or ``confidence_weight=0``) the focal_iou
formula is exactly the plain base loss ``1 - V`` (:class:`.PlainIoULoss`).

``fused=True`` runs the per-box loss through ``torch.compile`` (dynamic
shapes; C++ on CPU, Triton on GPU): same formula, same gradient, fewer
kernels.  The first call of each dtype compiles; if compiling fails the loss
warns once and stays eager.  As for any compiled graph, a backward with
``retain_graph``/``create_graph`` (e.g. gradcheck) needs
``torch._functorch.config.donated_buffer = False``.

Numerics: fp16/bf16 inputs are computed in float32 and the loss is returned in
float32 (float64 stays float64).  Rows whose weight is 0 are replaced by a
dummy box before any arithmetic, so a NaN/inf there reaches neither the loss
nor the gradient of other rows.
"""
from typing import Optional, Tuple, Union

import torch
from mmdet.models.losses.utils import weight_reduce_loss
from mmdet.registry import MODELS
from torch import Tensor, nn

from .box_iou import (REFERENCE_SCALE, IoUTerms, confidence, geometry,
                      iou_terms)
from .box_iou_field import piou_v2_focusing
from .fused import compiled_per_box
from .ignored_rows import without_ignored, zero_loss
from .loss_args import (base_variant, bool_arg, check_focal_args,
                        check_focal_factor, check_reduction, check_uiou_args,
                        check_wiou_args,
                        checked_inputs, real_arg, variant_options)
from .unified_iou import scaled_about_centres, uiou_ratio
from .wise_iou import (bad_mean, distance_factor, finite_rows, focusing,
                       update_running_mean)

FORMULAS = ('focal_iou', 'focal_eiou', 'alpha_iou', 'wise_iou', 'piou_v2',
            'uiou')

#: ``V0`` behind the authors' constants (see module docstring); used only to
#: document and test how the constants of the other variants were chosen.
REFERENCE_SCALE_V0 = 0.717


@MODELS.register_module()
class FocalIoULoss(nn.Module):
    """Focal IoU loss around any IoU variant (see the module docstring).

    Args:
        iou_variant (str | dict): the base variant ``V``: one of
            :data:`.box_iou.IOU_VARIANTS` (the table in ``docs/losses.md``),
            or the config (or registered name) of another IoU-style loss in
            ``MODELS`` (e.g. ``dict(type='BoundedIoULoss')``), evaluated per
            box (``reduction_override='none'``, ``V = 1 - loss``, the focal
            confidence ``c`` the plain IoU).
        formula (str): one of :data:`FORMULAS` (module doc); default
            ``'focal_iou'``.
        confidence_weight (float): ``a`` in ``(1 - a * c) ** gamma``, in
            [0, 1), focal_iou formula.  Default 0.5.
        gamma (float, optional): focal exponent >= 0.  Default: 2.0 for
            focal_iou, 0.5 for focal_eiou.
        scale (float, optional): constant ``s`` > 0.  Default: the authors'
            per-variant constant (:data:`REFERENCE_SCALE`) for focal_iou,
            else 1.
        detach_focal (bool): detach the focal factor.  Default False.
        power (float): Alpha-IoU's exponent ``p`` > 0, alpha_iou formula.
            Default 3.0.
        ciou_gate (float, optional): gate CIoU's trade-off weight at
            ``IoU > ciou_gate`` (mmdet's form uses 0.5).  Default None (the
            authors' form).
        eps (float): added to denominators.  Default 1e-6.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``.
        loss_weight (float): multiplies the reduced loss.
        fused (bool): compute the per-box loss with ``torch.compile`` (a
            custom base loss stays eager).  Default False.
        mpdiou_size ((W, H)): the input image size, for ``'mpdiou'``.
        shape_scale (float): Shape-IoU's scale ``s`` >= 0.  Default 0.
        nwd_constant (float): NWD's ``C`` > 0.  Default 12.8 (AI-TOD).
        inner_ratio (float, optional): Inner-IoU's ratio ``r`` > 0.
        focaler_interval ((d, u), optional): Focaler-IoU's interval.
        wiou_version (int): Wise-IoU 1, 2 or 3 (``formula='wise_iou'``).
        wiou_alpha, wiou_delta (float): v3's ``alpha`` (1.9), ``delta`` (3).
        wiou_momentum (float): the running mean's momentum.  Default 0.01.
        piou_lambda (float): PIoU v2's ``lambda`` > 0.  Default 1.3.
        interp_alpha (float | str): InterpIoU's interpolation weight in
            [0, 1), or ``'dynamic'``.  Default 0.99.
        uiou_ratio ((start, end)): UIoU's box scale at the first epoch and
            from ``uiou_epochs`` on.  Default (2.0, 0.5).
        uiou_epochs (int): epochs over which the ratio anneals.  Default
            300 (set it to your schedule's).
        uiou_schedule (str): ``'linear'``, ``'cosine'`` or ``'fraction'``.
        focal_factor (bool): the focal factor on top of ``wise_iou``,
            ``piou_v2`` or ``uiou``.  Default False.
        (The field's variants and modifiers: :mod:`.box_iou_field`;
        Wise-IoU and its running mean: :mod:`.wise_iou`.)
    """

    def __init__(self,
                 iou_variant: Union[str, dict] = 'iou',
                 formula: str = 'focal_iou',
                 confidence_weight: float = 0.5,
                 gamma: Optional[float] = None,
                 scale: Optional[float] = None,
                 detach_focal: bool = False,
                 power: float = 3.0,
                 ciou_gate: Optional[float] = None,
                 eps: float = 1e-6,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0,
                 fused: bool = False,
                 mpdiou_size: Optional[Tuple[float, float]] = None,
                 shape_scale: float = 0.0,
                 nwd_constant: float = 12.8,
                 inner_ratio: Optional[float] = None,
                 focaler_interval: Optional[Tuple[float, float]] = None,
                 wiou_version: int = 3,
                 wiou_alpha: float = 1.9,
                 wiou_delta: float = 3.0,
                 wiou_momentum: float = 1e-2,
                 piou_lambda: float = 1.3,
                 interp_alpha: Union[float, str] = 0.99,
                 uiou_ratio: Tuple[float, float] = (2.0, 0.5),
                 uiou_epochs: int = 300,
                 uiou_schedule: str = 'linear',
                 focal_factor: bool = False) -> None:
        super().__init__()
        if formula not in FORMULAS:
            raise ValueError(f'formula must be one of {FORMULAS}, got '
                             f'{formula!r}')
        check_reduction('reduction', reduction, allow_none=False)
        if gamma is None:
            gamma = 0.5 if formula == 'focal_eiou' else 2.0
        check_focal_args(confidence_weight, gamma, power, eps, ciou_gate,
                          loss_weight)
        self.iou_variant, self.base_loss = base_variant(iou_variant, formula)
        self.options = variant_options(
            self.iou_variant, formula, mpdiou_size, shape_scale,
            nwd_constant, inner_ratio, focaler_interval, interp_alpha)
        self._set_dynamic_formulas(formula, (wiou_version, wiou_alpha,
                                             wiou_delta, wiou_momentum),
                                   piou_lambda, (uiou_ratio, uiou_epochs,
                                                 uiou_schedule))
        self.focal_factor = check_focal_factor(focal_factor, formula)
        if scale is None:
            scale = REFERENCE_SCALE.get(self.iou_variant, 1.0) \
                if self.focal_factor else 1.0
        self.formula, self.scale = formula, real_arg('scale', scale, 0.0,
                                                     False)
        self.confidence_weight, self.gamma, self.power = float(
            confidence_weight), float(gamma), float(power)
        self.detach_focal = bool_arg('detach_focal', detach_focal)
        self.ciou_gate, self.eps, self.reduction = ciou_gate, eps, reduction
        self.loss_weight, self.fused = loss_weight, bool_arg('fused', fused)

    def _set_dynamic_formulas(self, formula, wiou, piou_lambda, uiou):
        """The arguments of Wise-IoU (a running mean, in state_dict: saved
        in checkpoints, restored on resume), PIoU v2 and UIoU (the epoch,
        set by :class:`~focal_iou_mmdet.engine.hooks.UIoUEpochHook`)."""
        if formula == 'wise_iou':
            check_wiou_args(self.iou_variant, *wiou)
            self.register_buffer('wiou_mean', torch.tensor(1.0))
        self.wiou = (int(wiou[0]), float(wiou[1]), float(wiou[2]),
                     float(wiou[3]))
        self.piou_lambda = real_arg('piou_lambda', piou_lambda, 0.0, False)
        self.uiou = check_uiou_args(formula, self.iou_variant, *uiou)
        self.epoch: Optional[int] = None

    @property
    def needs_epoch(self) -> bool:
        """Whether the loss follows the training epoch (formula uiou)."""
        return self.formula == 'uiou'

    def set_epoch(self, epoch: int) -> None:
        """The current training epoch (0-based; UIoU's schedule)."""
        self.epoch = int(epoch)

    def extra_repr(self) -> str:
        return (f'iou_variant={self.iou_variant!r}, formula={self.formula!r}'
                f', confidence_weight={self.confidence_weight}, '
                f'gamma={self.gamma}, scale={self.scale}, '
                f'loss_weight={self.loss_weight}')

    # ------------------------------------------------------------------ #
    def per_box_loss(self, pred: Tensor, target: Tensor,
                     wiou_mean: Optional[Tensor] = None) -> Tensor:
        """Unreduced, unweighted loss of shape ``pred.shape[:-1]``."""
        if self.base_loss is not None:
            return self._custom_loss(pred, target)
        if self.formula == 'uiou':
            pred, target = scaled_about_centres(pred, target,
                                                self.uiou_ratio())
        terms = iou_terms(pred, target, self.iou_variant, self.eps,
                          self.ciou_gate, self.options)
        if self.formula == 'alpha_iou':
            return self.scale * self._power_loss(terms)
        v = terms.value(self.iou_variant)
        base = 1 - v
        if self.formula == 'piou_v2':
            base = piou_v2_focusing(geometry(pred, target), self.piou_lambda,
                                    self.eps) * base
        elif self.formula == 'wise_iou':
            base = self._wise_iou(pred, target, base, wiou_mean)
        if self.formula in ('focal_iou', 'focal_eiou') or self.focal_factor:
            return self._modulated(base, confidence(v, self.iou_variant),
                                   terms.iou)
        return self.scale * base

    def uiou_ratio(self) -> float:
        """UIoU's box scale at the current epoch (:mod:`.unified_iou`)."""
        if self.epoch is None:
            if self.training:
                raise RuntimeError(
                    "formula='uiou' follows the training epoch: add "
                    "custom_hooks=[dict(type='UIoUEpochHook')] to the "
                    'config (or call set_epoch)')
            return self.uiou[0][1]  # not training: the schedule's end
        (start, end), epochs, schedule = self.uiou
        return uiou_ratio(self.epoch, start, end, epochs, schedule)

    def _wise_iou(self, pred, target, base: Tensor, mean) -> Tensor:
        version, alpha, delta, _ = self.wiou
        loss = distance_factor(pred, target, self.eps) * base
        if version == 1:
            return loss
        return loss * focusing(self._plain_l_iou(pred, target), mean,
                               version, alpha, delta)

    def _plain_l_iou(self, pred: Tensor, target: Tensor) -> Tensor:
        """``1 - IoU`` of the boxes, detached (Wise-IoU's outlier degree)."""
        return (1 - iou_terms(pred, target, 'iou', self.eps).iou).detach()

    def _per_box(self, pred: Tensor, target: Tensor) -> Tensor:
        """:meth:`per_box_loss`, compiled when ``fused``."""
        mean = getattr(self, 'wiou_mean', None)
        if mean is not None:
            mean = mean.to(pred.dtype)
        if not self.fused or self.base_loss is not None:
            return self.per_box_loss(pred, target, mean)
        return compiled_per_box(self, pred, target, mean)

    @torch.no_grad()
    def _update_wiou_mean(self, pred, target, weight) -> None:
        """Wise-IoU's running mean, from this batch's weighted boxes, before
        the loss (:mod:`.wise_iou`; non-finite rows never enter it)."""
        keep = finite_rows(pred, target, weight)
        p, t = without_ignored(pred.detach().float(), target.detach().float(),
                                keep)
        l_iou = self._plain_l_iou(p, t)
        keep = keep & torch.isfinite(l_iou)
        update_running_mean(self.wiou_mean, l_iou, keep, self.wiou[3])

    def _load_from_state_dict(self, state_dict, prefix, *args):
        """Refuses a bad Wise-IoU mean (:func:`.wise_iou.bad_mean`)."""
        why = bad_mean(state_dict.get(prefix + 'wiou_mean'), prefix)
        if why:
            args[-1].append(why)  # error_msgs
            return
        super()._load_from_state_dict(state_dict, prefix, *args)

    def loss_of_value(self, value: Tensor) -> Tensor:
        """The focal loss as a function of the variant's ``V`` alone (base
        ``1 - V``), for simulations that step along ``V``'s gradient."""
        return self._modulated(1 - value, confidence(value,
                                                     self.iou_variant), value)

    def _modulated(self, base: Tensor, c: Tensor, iou: Tensor) -> Tensor:
        """The focal formulas, written once: ``s (1 - a c)^gamma base``
        (focal_iou, ``c`` the variant's confidence) or ``s IoU^gamma base``
        (focal_eiou, the IoU term detached)."""
        if self.formula == 'focal_eiou':
            q = iou.detach().clamp(min=0, max=1)
            return self.scale * q.pow(self.gamma) * base
        if self.gamma == 0 or self.confidence_weight == 0:
            return self.scale * base
        if self.detach_focal:
            c = c.detach()
        return self.scale * (1 - self.confidence_weight * c).pow(
            self.gamma) * base

    def _power_loss(self, terms: IoUTerms) -> Tensor:
        a, eps = self.power, self.eps
        loss = 1 - terms.iou.clamp(min=eps).pow(a)
        for p in terms.penalties:
            loss = loss + p.clamp(min=eps).pow(a)
        return loss

    def _custom_loss(self, pred: Tensor, target: Tensor) -> Tensor:
        base = self.base_loss(pred, target, reduction_override='none')
        if base.dim() == pred.dim():  # per-coordinate loss, e.g. (n, 4)
            base = base.sum(-1)
        iou = iou_terms(pred, target, 'iou', self.eps).iou
        return self._modulated(base, iou, iou)

    # ------------------------------------------------------------------ #
    def forward(self,
                pred: Tensor,
                target: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                **kwargs) -> Tensor:
        """Forward, with mmdet's loss API.

        Args:
            pred (Tensor): predicted boxes (x1, y1, x2, y2), shape (n, 4).
            target (Tensor): target boxes, shape (n, 4).
            weight (Tensor, optional): shape (n,) or (n, 4) (averaged over the
                last dim, as mmdet's IoU losses do).
            avg_factor (float, optional): divide the sum by this instead of
                n; must be > 0 when some box has weight (ValueError).
            reduction_override (str, optional): ``'none'``, ``'mean'`` or
                ``'sum'``.
        """
        check_reduction('reduction_override', reduction_override,
                         allow_none=True)
        reduction = reduction_override or self.reduction
        # every argument is checked before any state changes
        weight, empty = checked_inputs(pred, target, weight, avg_factor)
        if self.formula == 'wise_iou' and self.training:
            self._update_wiou_mean(pred, target, weight)
        if empty:
            return zero_loss(pred, reduction)

        out_dtype = torch.float32 if pred.dtype in (
            torch.float16, torch.bfloat16) else pred.dtype
        pred_c = pred.to(out_dtype)
        target_c = target.to(out_dtype)
        if weight is not None:
            weight = weight.to(out_dtype)
            pred_c, target_c = without_ignored(pred_c, target_c, weight > 0)

        loss = self._per_box(pred_c, target_c)
        loss = weight_reduce_loss(loss, weight, reduction, avg_factor)
        return self.loss_weight * loss


__all__ = ['FocalIoULoss', 'REFERENCE_SCALE', 'REFERENCE_SCALE_V0',
           'FORMULAS']
