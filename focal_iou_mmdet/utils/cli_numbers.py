"""Numeric command-line options, each declared once with its range.

A :class:`Number` is an argparse ``type``: the option's value is parsed
and checked against its range while the command line is read, before
anything runs, and a bad one is one error line naming the option, the
range and the value (argparse's ``argument --jobs: must be ...``), never a
traceback, a silent default or a value handed on to sbatch.  The same
object checks a value given in code (:meth:`Number.check`).
"""
import argparse
import math
from dataclasses import dataclass
from typing import Optional, Union

#: the longest value an error line echoes
SHOWN = 40


def shown(text, limit: int = SHOWN) -> str:
    """``repr(text)``, cut to ``limit`` characters with the count cut."""
    r = repr(text)
    return r if len(r) <= limit else f'{r[:limit]}... ({len(r)} characters)'


@dataclass(frozen=True)
class Number:
    """An int or a float in ``[low, high]`` (``low_open``: ``low``
    excluded; ``high_open`` likewise; None: unbounded on that side)."""
    kind: type = int
    low: Optional[float] = None
    high: Optional[float] = None
    low_open: bool = False
    high_open: bool = False

    @property
    def need(self) -> str:
        """``an integer from 1 to 64``, ``a number > 0 and <= 100``."""
        what = 'an integer' if self.kind is int else 'a number'
        if self.kind is int and self.low is not None and \
                self.high is not None and not self.low_open:
            return f'{what} from {int(self.low):,} to {int(self.high):,}'
        parts = []
        if self.low is not None:
            parts.append(f'{">" if self.low_open else ">="} {self.low:g}')
        if self.high is not None:
            parts.append(f'{"<" if self.high_open else "<="} {self.high:g}')
        return what + (' ' + ' and '.join(parts) if parts else '')

    def _ok(self, v: Union[int, float]) -> bool:
        if not math.isfinite(v):
            return False
        if self.low is not None and (v < self.low or
                                     (self.low_open and v == self.low)):
            return False
        return self.high is None or not (v > self.high or
                                         (self.high_open and v == self.high))

    def __call__(self, text: str) -> Union[int, float]:
        """argparse's ``type``: the value, or ArgumentTypeError."""
        try:
            value = self.kind(str(text).strip())
        except (TypeError, ValueError, OverflowError):
            raise argparse.ArgumentTypeError(
                f'must be {self.need}, got {shown(text)}') from None
        if not self._ok(value):
            raise argparse.ArgumentTypeError(
                f'must be {self.need}, got {shown(text)}')
        return value

    def check(self, flag: str, value) -> Union[int, float]:
        """``value`` given in code, checked alike (ValueError naming
        ``flag``)."""
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or (self.kind is int and not isinstance(value, int)) \
                or not self._ok(value):
            raise ValueError(f'{flag} must be {self.need}, got '
                             f'{shown(value)}')
        return value

    def __repr__(self) -> str:  # argparse names the type in some errors
        return self.need


__all__ = ['Number', 'SHOWN', 'shown']
