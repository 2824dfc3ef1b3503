"""Packs ``configs/`` and ``tools/`` into ``focal_iou_mmdet/.mim/`` at build
time, where ``mim train focal_iou_mmdet <config>`` looks for them (as mmdet's
own setup.py does).  Metadata lives in pyproject.toml."""
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = os.path.dirname(os.path.abspath(__file__))


class BuildWithMim(build_py):

    def run(self):
        super().run()
        mim = os.path.join(self.build_lib, 'focal_iou_mmdet', '.mim')
        for name in ('configs', 'tools'):
            src = os.path.join(ROOT, name)
            dst = os.path.join(mim, name)
            if os.path.isdir(dst):
                shutil.rmtree(dst)
            shutil.copytree(
                src, dst,
                ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))


setup(cmdclass={'build_py': BuildWithMim})
