"""The declared schema of a sweep spec: every key, its type and its range
(pydantic v2, strict).  A spec is data: nothing in it may reach Python
source, a shell script or a path outside the work root, so

* keys of ``axes``, ``options``, ``baseline``, ``exclude`` and ``zip`` are
  dotted identifiers (``[A-Za-z_][A-Za-z0-9_]*`` joined by dots, ASCII),
  unique when case is ignored;
* names (the sweep's, the detectors') are plain folder names, unique when
  case is ignored (a case-insensitive file system would merge them);
* values are scalars (a bool, an int, a finite float, a string without
  control characters, or null), or lists and mappings of them, at most
  :data:`MAX_DEPTH` deep and :data:`MAX_NODES` in all;
* ``env`` is an allow-list (:data:`ENV_ALLOWED`): a few names whose values
  cannot name code or a path (thread counts, flags, log levels), each value
  checked against its own pattern; every other name is refused, the
  allowed ones named in the error.  Data roots go under ``options:``
  (``train_dataloader.dataset.data_root``) or the launching environment;
  ``tracking`` is a closed list (:mod:`.tracking`).

:func:`validate` checks a mapping against it and raises
:class:`.values.SweepSpecError` with one line naming the key and the
value.
"""
import math
import re
from typing import Any, Dict, List, Optional, Union

from pydantic import (BaseModel, ConfigDict, StrictFloat, StrictStr,
                      ValidationError, field_validator)
from pydantic_core import PydanticCustomError

from .values import NAME, SweepSpecError

#: an axis, option or baseline key
DOTTED = re.compile(r'[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*')
_COUNT = (r'[1-9][0-9]{0,3}', 'a thread count, 1-9999')
_FLAG = (r'[01]', '0 or 1')
#: the environment variables a spec may set: name -> (the value's
#: pattern, what it is).  None of these values names code or a path.
ENV_ALLOWED = {
    'OMP_NUM_THREADS': _COUNT, 'MKL_NUM_THREADS': _COUNT,
    'OPENBLAS_NUM_THREADS': _COUNT, 'NUMEXPR_NUM_THREADS': _COUNT,
    'VECLIB_MAXIMUM_THREADS': _COUNT,
    'CUDA_LAUNCH_BLOCKING': _FLAG,
    'CUBLAS_WORKSPACE_CONFIG': (r':(4096|16):[0-9]{1,2}',
                                'cuBLAS determinism, :4096:8 or :16:8'),
    'PYTORCH_CUDA_ALLOC_CONF': (
        r'[a-z_]+:[A-Za-z0-9.]+(,[a-z_]+:[A-Za-z0-9.]+)*',
        'allocator options, e.g. expandable_segments:True'),
    'NCCL_DEBUG': (r'VERSION|WARN|INFO|TRACE', 'an NCCL log level'),
    'NCCL_P2P_DISABLE': _FLAG, 'NCCL_IB_DISABLE': _FLAG,
    'TORCH_NCCL_ASYNC_ERROR_HANDLING': (r'[0-3]', '0-3'),
    'TORCH_DISTRIBUTED_DEBUG': (r'OFF|INFO|DETAIL', 'OFF, INFO or DETAIL'),
}
#: what a run's record may carry on top: the plan's own (:mod:`.tracking`)
RUN_ENV_ALLOWED = dict(ENV_ALLOWED,
                       MLFLOW_ALLOW_FILE_STORE=(r'true', 'true'))


def check_run_env(env: Any) -> Dict[str, str]:
    """A run record's ``env`` (the worker reads it back from the run
    folder, which may have been sent by someone else): the allow-list
    again, ValueError naming the first name or value outside it."""
    if not isinstance(env, dict):
        raise ValueError(f'the run record\'s env is not a mapping: {env!r}')
    for k, v in env.items():
        rule = RUN_ENV_ALLOWED.get(k)
        if rule is None or not re.fullmatch(rule[0], str(v)):
            raise ValueError(f'the run record sets {k}={v!r}, outside the '
                             f'allowed environment ({", ".join(ENV_ALLOWED)})'
                             ': refused')
    return {str(k): str(v) for k, v in env.items()}
#: control characters (newlines included): never in a spec string
CONTROL = re.compile(r'[\x00-\x1f\x7f-\x9f\u2028\u2029]')
MAX_DEPTH, MAX_NODES, MAX_STRING = 4, 20_000, 1_000


def _bad(message: str) -> PydanticCustomError:
    """A check's error, whose message names its own place."""
    return PydanticCustomError('spec', '{message}', {'message': message})


def _walk(value: Any, where: str, depth: int = 0, count=None) -> None:
    """Scalars, lists and mappings only, within the declared limits."""
    count = [0] if count is None else count
    count[0] += 1
    if count[0] > MAX_NODES:
        raise _bad(f'more than {MAX_NODES} values in all')
    if depth > MAX_DEPTH:
        raise _bad(f'{where}: nested deeper than {MAX_DEPTH} levels')
    if isinstance(value, float) and not math.isfinite(value):
        raise _bad(f'{where}: {value!r} is not a finite number')
    if isinstance(value, str):
        if len(value) > MAX_STRING or CONTROL.search(value):
            raise _bad(f'{where}: {value[:60]!r}: a string of at most '
                             f'{MAX_STRING} characters without control '
                             'characters (newlines, tabs, ...)')
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _walk(v, f'{where}[{i}]', depth + 1, count)
    elif isinstance(value, dict):
        for k, v in value.items():
            _key(k, where)
            _walk(v, f'{where}.{k}', depth + 1, count)
    elif not (value is None or isinstance(value, (bool, int, float))):
        raise _bad(f'{where}: {type(value).__name__} is not a spec '
                         'value (scalars, lists and mappings only)')


def _key(key: Any, where: str) -> str:
    if not isinstance(key, str) or not key.isascii() or \
            not DOTTED.fullmatch(key):
        raise _bad(f'{where}: key {key!r} is not a dotted identifier '
                         '(letters, digits and _, joined by dots)')
    return key


def _unique_keys(mapping: Dict[str, Any], where: str) -> Dict[str, Any]:
    """Keys checked, and unique when case is ignored."""
    seen: Dict[str, str] = {}
    for k in mapping:
        _key(k, where)
        if k.lower() in seen:
            raise _bad(f'{where}: keys {seen[k.lower()]!r} and {k!r} '
                             'differ only in case')
        seen[k.lower()] = k
    return mapping


_MAPS = {'axes': 'axis names to lists of values',
         'options': 'config keys to values',
         'baseline': 'an axis to its baseline value, e.g. {loss: iou}',
         'env': 'variable names to values'}


def _mapping(value: Any, field: str) -> None:
    if not isinstance(value, dict):
        raise _bad(f"'{field}' must map {_MAPS[field]}; got the "
                   f'{type(value).__name__} {str(value)[:60]!r}')


def _list(value: Any, message: str) -> list:
    """``value`` as a list (None: empty), or the error ``message``."""
    if value is None:
        return []
    if not isinstance(value, list):
        hint = (f'; write [{value}]' if isinstance(value, str) else '')
        raise _bad(f'{message}, got the {type(value).__name__} '
                   f'{str(value)[:60]!r}{hint}')
    return value


def _name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.isascii() or \
            not NAME.fullmatch(value):
        raise _bad(f'{what} {value!r}: use letters, digits, ., _, - '
                         '(starting with a letter or digit; it names a '
                         'folder)')
    return value


class SpecSchema(BaseModel):
    """The keys of a spec (see the module doc and :mod:`.sweep_spec`)."""
    model_config = ConfigDict(extra='forbid', strict=True)

    name: Optional[StrictStr] = None
    work_dir: Optional[StrictStr] = None
    configs: Union[Dict[StrictStr, StrictStr], List[StrictStr], StrictStr]
    axes: Any = None
    zip: Any = None
    exclude: Any = None
    options: Any = None
    baseline: Any = None
    env: Any = None
    tracking: Union[List[Any], StrictStr, Dict[StrictStr, Any], None] = None
    #: the sweep's error level: every interval, verdict and plan uses it
    alpha: Optional[StrictFloat] = None

    @field_validator('alpha')
    @classmethod
    def _alpha(cls, v):
        if v is not None and not 0.001 <= v <= 0.2:
            raise _bad(f'alpha: {v!r} must be in [0.001, 0.2] (0.05: 95% '
                       'intervals)')
        return v

    @field_validator('name')
    @classmethod
    def _sweep_name(cls, v):
        return None if v is None else _name(v, 'name')

    @field_validator('configs')
    @classmethod
    def _configs(cls, v):
        if isinstance(v, dict):
            lowered: Dict[str, str] = {}
            for k in v:
                _name(k, 'detector')
                if k.lower() in lowered:
                    raise _bad(f'detectors {lowered[k.lower()]!r} and '
                                     f'{k!r} differ only in case (their run '
                                     'folders would be one on macOS)')
                lowered[k.lower()] = k
        for k, c in (v.items() if isinstance(v, dict) else
                     enumerate(v if isinstance(v, list) else [v])):
            _walk(c, f'configs.{k}')
        return v

    @field_validator('axes', 'options', 'baseline')
    @classmethod
    def _mappings(cls, v, info):
        if v is not None:
            _mapping(v, info.field_name)
            _unique_keys(v, info.field_name)
            _walk(v, info.field_name)
        return v

    @field_validator('zip')
    @classmethod
    def _zip(cls, v):
        for group in _list(v, "'zip' must be a list of groups of axes"):
            for k in _list(group, 'each zip group must be a list of axes'):
                _key(k, 'zip')
        return v

    @field_validator('exclude')
    @classmethod
    def _exclude(cls, v):
        for entry in _list(v, "'exclude' (a list of mappings axis -> "
                           'value(s)) must be a list'):
            if not isinstance(entry, dict) or not entry:
                raise _bad(f'exclude entry {entry!r}: expected a mapping '
                           'axis -> value(s)')
            _unique_keys(entry, 'exclude')
            _walk(entry, 'exclude')
        return v

    @field_validator('env')
    @classmethod
    def _env(cls, v):
        _mapping(v or {}, 'env')
        for k, value in (v or {}).items():
            if k not in ENV_ALLOWED:
                raise _bad(f'env: {k!r} is not a variable a spec may set; '
                           f'allowed: {", ".join(ENV_ALLOWED)} (a data root '
                           "goes under options:, e.g. train_dataloader."
                           'dataset.data_root)')
            if isinstance(value, (bool, list, dict, float)) or \
                    value is None:
                raise _bad(f'env: {k}={value!r}: a value must be a string '
                           'or an integer')
            pattern, what = ENV_ALLOWED[k]
            if not re.fullmatch(pattern, str(value)):
                raise _bad(f'env: {k}={value!r}: must be {what}')
        return v

    @field_validator('tracking')
    @classmethod
    def _tracking(cls, v):
        _walk(v, 'tracking')
        return v


def validate(data: Any, source: str) -> Dict[str, Any]:
    """``data`` checked against :class:`SpecSchema`; the mapping with the
    keys it gave (one :class:`SweepSpecError` line otherwise)."""
    if not isinstance(data, dict):
        raise SweepSpecError(f'sweep spec {source!r}: expected a mapping at '
                             f'the top, got {type(data).__name__}')
    try:
        SpecSchema.model_validate(data)
    except ValidationError as e:
        raise SweepSpecError(f'sweep spec {source!r}: {_first(e)}') from None
    return data


_TYPE_NAMES = ('str', 'int', 'float', 'bool', 'list', 'dict')


def _first(error: ValidationError) -> str:
    """One line: where, what, and the value (shortened)."""
    err = error.errors(include_url=False)[0]
    where = '.'.join(str(p) for p in err['loc']
                     if '[' not in str(p) and p not in _TYPE_NAMES)
    msg = err['msg']
    if err['type'] == 'spec':
        return msg
    if err['type'] == 'extra_forbidden':
        known = ', '.join(SpecSchema.model_fields)
        return f'unknown key {where!r} (known: {known})'
    value = repr(err.get('input'))
    value = value if len(value) <= 80 else value[:77] + '...'
    return f'{where}: {msg} (got {value})'


__all__ = ['DOTTED', 'ENV_ALLOWED', 'MAX_DEPTH', 'MAX_NODES',
           'RUN_ENV_ALLOWED', 'check_run_env',
           'SpecSchema', 'validate']
