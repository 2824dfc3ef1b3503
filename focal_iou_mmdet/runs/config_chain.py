"""The config files a run reads: its own config and the ``_base_`` chain
behind it, found by parsing each file (never running it), as mmengine
resolves them -- a path relative to the file that names it, an absolute
path, or ``package::path`` (``mmdet::``: another package's config, known
by that package's version; ``focal_iou_mmdet::``: this package's shipped
configs).

A run's *code* (:func:`chain_identity`) is the package and the config
files its runs share: every file of the chain but the run's own, which
defines the arm; so two arms that differ only in their own file train the
same code, and an edit to a base they share is a change of code.
"""
import ast
import hashlib
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

from .code_identity import PACKAGE_DIR, code_hash, file_sha256
from .config_lookup import config_root_of, shipped_config_roots

OWN_PACKAGE = 'focal_iou_mmdet'


class ConfigChainError(ValueError):
    """A ``_base_`` that cannot be followed; says which file and why."""


@dataclass(frozen=True)
class ConfigChain:
    """``files``: the local config files, the run's own first, then its
    bases depth-first (absolute, each once); ``bases``: per file, its
    ``_base_`` entries as written with what each names (a path, or
    ``package::path`` for another package); ``packages``: the other
    packages whose configs it inherits."""
    files: Tuple[str, ...]
    bases: Dict[str, Tuple[Tuple[str, str], ...]] = field(compare=False)
    packages: Tuple[str, ...] = ()


def base_node(path: str, source: str):
    """The value node of the top-level ``_base_ = ...`` of ``source``
    (None: no ``_base_``)."""
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as e:
        raise ConfigChainError(f'config {path}: not Python ({e.msg}, line '
                               f'{e.lineno})') from None
    node = None
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == '_base_'
                for t in stmt.targets):
            node = stmt.value
    return node


def read_bases(path: str) -> List[str]:
    """The ``_base_`` entries of the config file ``path`` (a literal string
    or list of strings, as mmengine requires)."""
    with open(path, encoding='utf-8') as f:
        node = base_node(path, f.read())
    if node is None:
        return []
    try:
        value = ast.literal_eval(node)
    except ValueError:
        raise ConfigChainError(f'config {path}: _base_ is not a literal '
                               'string or list of strings') from None
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, (list, tuple)) or not all(
            isinstance(v, str) for v in values):
        raise ConfigChainError(f'config {path}: _base_ must be a string or '
                               f'a list of strings, got {value!r}')
    return list(values)


def _resolve(entry: str, owner: str) -> str:
    """What a ``_base_`` entry of ``owner`` names: an absolute path, or
    ``package::path`` of another package."""
    if '::' in entry:
        package, rel = entry.split('::', 1)
        if package != OWN_PACKAGE:
            return entry
        for root in shipped_config_roots():
            if osp.isfile(osp.join(root, rel)):
                return osp.realpath(osp.join(root, rel))
        raise ConfigChainError(f'config {owner}: base {entry!r} not found in '
                               'the shipped configs')
    path = osp.realpath(osp.join(osp.dirname(owner), entry))
    if not osp.isfile(path):
        raise ConfigChainError(f'config {owner}: base {entry!r} not found '
                               f'({path})')
    return path


def config_chain(path: str) -> ConfigChain:
    """The chain of the config file ``path`` (module doc)."""
    files: List[str] = []
    bases: Dict[str, Tuple[Tuple[str, str], ...]] = {}
    packages: List[str] = []
    todo = [osp.realpath(path)]
    while todo:
        current = todo.pop()
        if current in bases:
            continue
        files.append(current)
        found = tuple((e, _resolve(e, current)) for e in read_bases(current))
        bases[current] = found
        for entry, target in found:
            if '::' in target:
                package = target.split('::', 1)[0]
                if package not in packages:
                    packages.append(package)
        todo += [t for _, t in reversed(found) if '::' not in t]
    return ConfigChain(tuple(files), bases, tuple(packages))


def package_versions(packages) -> Dict[str, str]:
    """The installed version of each package (``'not installed'``)."""
    from importlib import metadata
    out = {}
    for p in packages:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = 'not installed'
    return out


def shared_files(chain: ConfigChain) -> Dict[str, str]:
    """``{name: sha256}`` of the chain's files but the run's own: a
    shipped config by its path under its tree, any other by its path
    without the leading separator."""
    out = {}
    for path in chain.files[1:]:
        out[display_name(path)] = file_sha256(path)
    return out


def display_name(path: str) -> str:
    """A config file as notes name it: its path under the shipped tree,
    else its absolute path."""
    root = config_root_of(path)
    return path if root is None else 'configs/' + osp.relpath(
        osp.realpath(path), root).replace(os.sep, '/')


def chain_identity(chain: ConfigChain) -> dict:
    """The code a run of this chain trains with: ``{'version', 'hash',
    'configs': {name: sha256}, 'packages': {name: version}}``; the hash
    covers the package, the shared config files and the other packages'
    versions (module doc)."""
    from ..version import __version__
    configs = shared_files(chain)
    packages = package_versions(chain.packages)
    digest = hashlib.sha256(code_hash((), PACKAGE_DIR).encode())
    for name in sorted(configs):
        digest.update(f'\0{name}\0{configs[name]}'.encode())
    for name in sorted(packages):
        digest.update(f'\0package:{name}\0{packages[name]}'.encode())
    return dict(version=__version__, hash=digest.hexdigest(),
                configs=configs, packages=packages)


def identity_difference(a: dict, b: dict) -> List[str]:
    """What differs between two :func:`chain_identity` records: config
    files by name, packages with both versions, or this package."""
    out = []
    ca, cb = a.get('configs') or {}, b.get('configs') or {}
    out += [n for n in sorted(set(ca) | set(cb)) if ca.get(n) != cb.get(n)]
    pa, pb = a.get('packages') or {}, b.get('packages') or {}
    out += [f'{n} {pa.get(n)} -> {pb.get(n)}' for n in sorted(set(pa) |
                                                                set(pb))
            if pa.get(n) != pb.get(n)]
    if not out and a.get('hash') != b.get('hash'):
        out.append(f'the {OWN_PACKAGE} package' + (
            f' {a.get("version")} -> {b.get("version")}'
            if a.get('version') != b.get('version') else ''))
    return out


__all__ = ['ConfigChain', 'ConfigChainError', 'base_node', 'chain_identity',
           'config_chain', 'display_name', 'identity_difference',
           'package_versions', 'read_bases', 'shared_files']
