"""Find a config by path or by file name, as users name them
(``retinanet_r50_fpn_focal-ciou_1x_coco.py``)."""
import os
import os.path as osp


def shipped_config_roots():
    """Where the package's own configs are: this repo's ``configs/`` and
    the installed package's ``.mim/configs/``."""
    pkg = osp.dirname(osp.dirname(osp.abspath(__file__)))
    return (osp.join(osp.dirname(pkg), 'configs'),
            osp.join(pkg, '.mim', 'configs'))


def config_path(name: str) -> str:
    """``name`` as a path, else the file of that name under this repo's
    ``configs/`` or the installed package's ``.mim/configs/``."""
    if osp.isfile(name):
        return osp.abspath(name)
    for root in shipped_config_roots():
        for dirpath, _, files in os.walk(root):
            if osp.basename(name) in files:
                return osp.join(dirpath, osp.basename(name))
    raise FileNotFoundError(f'config {name!r} not found as a path nor under '
                            'configs/')
