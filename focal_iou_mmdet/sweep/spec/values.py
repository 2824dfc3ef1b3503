"""What a value in a sweep spec may be.  A spec is data that people share
like configs: its names become folder names, its paths and environment
values reach configs and generated shell scripts.  So names are plain path
components, paths and environment values hold no control characters or
quoting, numbers are finite, seeds fit numpy's and torch's seed range."""
import math
import re
from typing import Any, Dict

from ...utils.display import short_message

#: a detector or sweep name: a plain path component
NAME = re.compile(r'[A-Za-z0-9][A-Za-z0-9._-]*')
#: characters a path or an environment value may not hold: control
#: characters, quotes, backslash, and what a shell or a config template
#: would read as code ($, backtick, braces)
UNSAFE = re.compile(r'[\x00-\x1f\x7f\'"\\`${}]')
#: seeds as numpy and torch take them
SEED_RANGE = (0, 2**32)


class SweepSpecError(ValueError):
    """A sweep spec that cannot be planned; the message names the key (one
    line, any overlong value in it cut: :func:`...utils.display.short_message`)."""

    def __init__(self, message='', *args):
        super().__init__(short_message(message), *args)


def check_name(what: str, name) -> str:
    """A name that becomes a folder: letters, digits, ., _, - (not a
    leading dot: never ``.`` or ``..``)."""
    text = str(name)
    if not isinstance(name, (str, int)) or isinstance(name, bool) or \
            not NAME.fullmatch(text):
        raise SweepSpecError(
            f'{what} {name!r}: use letters, digits, ., _, - (starting with '
            'a letter or digit; it names a folder)')
    return text


def check_path(what: str, path, template: bool = False) -> str:
    """A path (``template``: a config name whose ``{axis}`` placeholders
    the plan fills)."""
    if not isinstance(path, str) or not path:
        raise SweepSpecError(f'{what} must be a path (a string), got '
                             f'{path!r}')
    bad = UNSAFE.search(re.sub(r'{\w+}', '', path) if template else path)
    if bad:
        raise SweepSpecError(f'{what} {path!r}: the character {bad.group()!r}'
                             ' is not allowed in a path here')
    return path


def check_env(env) -> Dict[str, str]:
    """``env:`` values as strings, each a safe path or plain value (its
    names and value types are the schema's rule, :mod:`.schema`, checked
    before this)."""
    return {key: check_path(f'env: {key}', str(value))
            for key, value in (env or {}).items()}


def check_number(what: str, value) -> None:
    """Axis and option values: a float must be finite; a mapping or a list
    goes through only as a whole (the plan checks what the key takes)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise SweepSpecError(f'{what}: {value!r} is not a finite number')
    if isinstance(value, dict):
        for k, v in value.items():
            check_number(f'{what}.{k}', v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            check_number(what, v)


def check_alias_value(axis: str, value: Any, where: str) -> None:
    """``seed``: an integer in [0, 2**32); ``epochs``: an integer > 0
    (None: the config's own value)."""
    if value is None or axis not in ('seed', 'epochs'):
        return
    if isinstance(value, bool) or not isinstance(value, int) or (
            axis == 'epochs' and value <= 0):
        need = 'an integer > 0' if axis == 'epochs' else 'an integer'
        raise SweepSpecError(f'{where}: {axis} must be {need}, got '
                             f'{value!r} ({type(value).__name__})')
    if axis == 'seed' and not SEED_RANGE[0] <= value < SEED_RANGE[1]:
        raise SweepSpecError(f'{where}: seed {value} is outside [0, 2**32)')
