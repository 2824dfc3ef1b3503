"""Reading a sweep spec file as data: a regular file of at most
:data:`MAX_BYTES`, UTF-8, YAML or JSON.  YAML tags (``!!python/...``,
``!!binary``, ...) and aliases (``*a``: the "billion laughs" bomb) are
refused while the file is composed, before any value is built; a spec in
Python is refused (it would run as code)."""
import json
import os
import stat
from typing import Any

import yaml
from yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent

from .values import SweepSpecError

MAX_BYTES = 1 << 20
#: the YAML nodes a spec may hold in all
MAX_YAML_NODES = 50_000


class _DataLoader(yaml.SafeLoader):
    """SafeLoader without tags or aliases, and with a node budget."""

    def __init__(self, stream):
        super().__init__(stream)
        self.nodes = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            raise SweepSpecError(f'a YAML alias (*{event.anchor}) at line '
                                 f'{event.start_mark.line + 1}: write the '
                                 'value out')
        explicit = (isinstance(event, ScalarEvent) and event.tag and
                    not any(event.implicit)) or (
            isinstance(event, CollectionStartEvent) and event.tag and
            not event.implicit)
        if explicit:
            raise SweepSpecError(f'a YAML tag {event.tag!r} at line '
                                 f'{event.start_mark.line + 1}: a spec holds '
                                 'plain values only')
        self.nodes += 1
        if self.nodes > MAX_YAML_NODES:
            raise SweepSpecError(f'more than {MAX_YAML_NODES} YAML values')
        return super().compose_node(parent, index)


def _read_bytes(path: str) -> bytes:
    """The file's bytes: a regular file (not a FIFO, a device or a
    folder, also behind a symlink) of at most MAX_BYTES."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise SweepSpecError(f'sweep spec {path!r} not found') from None
    except OSError as e:
        raise SweepSpecError(f'sweep spec {path!r}: {e.strerror}') from None
    if not stat.S_ISREG(st.st_mode):
        kind = ('a folder' if stat.S_ISDIR(st.st_mode) else
                'a FIFO' if stat.S_ISFIFO(st.st_mode) else
                'a device' if stat.S_ISCHR(st.st_mode) or
                stat.S_ISBLK(st.st_mode) else 'not a regular file')
        raise SweepSpecError(f'sweep spec {path!r} is {kind}; give a YAML '
                             'or JSON file')
    if st.st_size > MAX_BYTES:
        raise SweepSpecError(f'sweep spec {path!r} is {st.st_size} bytes; a '
                             f'spec is at most {MAX_BYTES} bytes')
    with open(path, 'rb') as f:
        data = f.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise SweepSpecError(f'sweep spec {path!r} is over {MAX_BYTES} '
                             'bytes')
    return data


def read_spec_file(path: str) -> Any:
    """The file's content as plain data (see the module doc)."""
    if path.endswith('.py'):
        raise SweepSpecError(f'sweep spec {path!r}: a spec is data; write '
                             'it as YAML or JSON (a .py file would run as '
                             'code)')
    if not path.endswith(('.yaml', '.yml', '.json')):
        raise SweepSpecError(f'sweep spec {path!r}: use a .yaml or .json '
                             'file')
    raw = _read_bytes(path)
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError as e:
        raise SweepSpecError(
            f'sweep spec {path!r}: not UTF-8 text (byte {raw[e.start]:#x} '
            f'at offset {e.start})') from None
    if path.endswith('.json'):
        try:
            return json.loads(text, parse_constant=_no_constant)
        except SweepSpecError as e:
            raise SweepSpecError(f'sweep spec {path!r}: {e}') from None
        except json.JSONDecodeError as e:
            raise SweepSpecError(
                f'sweep spec {path!r}: JSON error at line {e.lineno}, '
                f'column {e.colno}: {e.msg}') from None
    try:
        return yaml.load(text, Loader=_DataLoader) or {}
    except SweepSpecError as e:
        raise SweepSpecError(f'sweep spec {path!r}: {e}') from None
    except yaml.YAMLError as e:
        mark = getattr(e, 'problem_mark', None)
        where = (f' at line {mark.line + 1}, column {mark.column + 1}'
                 if mark is not None else '')
        what = getattr(e, 'problem', None) or str(e).splitlines()[0]
        raise SweepSpecError(f'sweep spec {path!r}: YAML error{where}: '
                             f'{what}') from None


def _no_constant(name: str):
    raise SweepSpecError(f'{name} is not a finite number')


__all__ = ['MAX_BYTES', 'read_spec_file']
