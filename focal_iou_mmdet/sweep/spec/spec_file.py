"""Reading a sweep spec file as data: a regular file of at most
:data:`MAX_BYTES`, UTF-8, YAML or JSON.  YAML tags (``!!python/...``,
``!!binary``, ...) and aliases (``*a``: the "billion laughs" bomb) are
refused while the file is composed, before any value is built; a spec in
Python is refused (it would run as code).

Nothing in a spec may silently mean something else:

* a key given twice in one mapping (YAML or JSON) is an error naming the
  key and both lines (the parsers would keep the last), and so are YAML
  1.1's merge and value keys (``<<``, ``=``);
* a plain YAML scalar that YAML 1.1 (what PyYAML reads) and YAML 1.2
  (the current standard, JSON's superset) read differently -- ``017``,
  ``0x1F``, ``0b11``, ``0o17``, ``1:30``, ``1_0``, ``yes``/``no``/``on``/
  ``off``, ``1e3`` -- is an error naming its line and both readings:
  quote it, or write the value plainly;
* nesting too deep for the parser is an error line, not a traceback.
"""
import json
import math
import os
import re
import stat
from json.scanner import py_make_scanner
from typing import Any

import yaml
from yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent

from .values import SweepSpecError

#: YAML 1.2 core schema (yaml.org/spec/1.2.2, 10.3.2), in order
_CORE_12 = (
    (re.compile(r'~|null|Null|NULL|'), lambda t: None),
    (re.compile(r'true|True|TRUE'), lambda t: True),
    (re.compile(r'false|False|FALSE'), lambda t: False),
    (re.compile(r'[-+]?[0-9]+'), int),
    (re.compile(r'0o[0-7]+'), lambda t: int(t[2:], 8)),
    (re.compile(r'0x[0-9a-fA-F]+'), lambda t: int(t[2:], 16)),
    (re.compile(r'[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?'),
     float),
    (re.compile(r'[-+]?\.(inf|Inf|INF)'),
     lambda t: -math.inf if t[0] == '-' else math.inf),
    (re.compile(r'\.nan|\.NaN|\.NAN'), lambda t: math.nan),
)


def yaml12_value(text: str) -> Any:
    """A plain scalar as YAML 1.2's core schema reads it."""
    for pattern, build in _CORE_12:
        if pattern.fullmatch(text):
            return build(text)
    return text


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    return a == b or (isinstance(a, float) and math.isnan(a) and
                      math.isnan(b))

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
        if isinstance(event, ScalarEvent) and event.style is None:
            self._check_reading(event)
        return super().compose_node(parent, index)

    def _check_reading(self, event: ScalarEvent) -> None:
        """A plain scalar must read the same in YAML 1.1 and 1.2."""
        tag = self.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag not in self.yaml_constructors:  # << (merge), = (value)
            raise SweepSpecError(
                f'{event.value!r} at line {event.start_mark.line + 1} is a '
                'YAML 1.1 special key (merge or value): write the keys out')
        v12 = yaml12_value(event.value)
        if tag == 'tag:yaml.org,2002:str' and isinstance(v12, str):
            return
        v11 = self.yaml_constructors[tag](
            self, yaml.ScalarNode(tag, event.value))
        if not _same(v11, v12):
            raise SweepSpecError(
                f'{event.value!r} at line {event.start_mark.line + 1} reads '
                f'as {v11!r} in YAML 1.1 and {v12!r} in YAML 1.2: quote it '
                'for a string, or write the number or true/false plainly')

    def construct_mapping(self, node, deep=False):
        """Duplicate keys and merge keys are errors (module doc)."""
        seen = {}
        for key_node, _ in node.value:
            line = key_node.start_mark.line + 1
            key = self.construct_object(key_node, deep=True)
            try:
                if key in seen:
                    raise SweepSpecError(f'key {key!r} given twice, at lines '
                                         f'{seen[key]} and {line}; keep one')
                seen[key] = line
            except TypeError:  # an unhashable key: the schema refuses it
                continue
        return super().construct_mapping(node, deep)


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
            return _UniqueKeysDecoder().decode(text)
        except SweepSpecError as e:
            raise SweepSpecError(f'sweep spec {path!r}: {e}') from None
        except json.JSONDecodeError as e:
            raise SweepSpecError(
                f'sweep spec {path!r}: JSON error at line {e.lineno}, '
                f'column {e.colno}: {e.msg}') from None
        except RecursionError:
            raise SweepSpecError(f'sweep spec {path!r}: nested too deep '
                                 'to read') from None
    try:
        return yaml.load(text, Loader=_DataLoader) or {}
    except SweepSpecError as e:
        raise SweepSpecError(f'sweep spec {path!r}: {e}') from None
    except RecursionError:
        raise SweepSpecError(f'sweep spec {path!r}: nested too deep to '
                             'read') from None
    except yaml.YAMLError as e:
        mark = getattr(e, 'problem_mark', None)
        where = (f' at line {mark.line + 1}, column {mark.column + 1}'
                 if mark is not None else '')
        what = getattr(e, 'problem', None) or str(e).splitlines()[0]
        raise SweepSpecError(f'sweep spec {path!r}: YAML error{where}: '
                             f'{what}') from None


def _no_constant(name: str):
    raise SweepSpecError(f'{name} is not a finite number')


class _UniqueKeysDecoder(json.JSONDecoder):
    """JSON whose objects may not repeat a key (the error names both
    lines); NaN and Infinity refused."""

    def __init__(self):
        super().__init__(parse_constant=_no_constant)
        plain = self.parse_object

        def parse_object(s_and_end, *args):
            s, start = s_and_end
            obj, end = plain(s_and_end, *args)
            _check_pairs(s, start, end, obj)
            return dict(obj), end

        self.parse_object = parse_object
        self.object_pairs_hook = list
        self.scan_once = py_make_scanner(self)


def _check_pairs(text: str, start: int, end: int, pairs) -> None:
    """A key twice in the object ``text[start:end]``: an error naming the
    key and the lines of its first two places there."""
    seen = set()
    for key, _ in pairs:
        if key in seen:
            mark = re.compile(re.escape(json.dumps(key, ensure_ascii=False))
                              + r'\s*:')
            lines = [text.count('\n', 0, m.start()) + 1
                     for m in mark.finditer(text, start, end)][:2]
            where = f'at lines {lines[0]} and {lines[1]}' if len(
                lines) == 2 else f'near line {text.count(chr(10), 0, start) + 1}'
            raise SweepSpecError(f'key {key!r} given twice, {where}; keep one')
        seen.add(key)


__all__ = ['MAX_BYTES', 'read_spec_file']
