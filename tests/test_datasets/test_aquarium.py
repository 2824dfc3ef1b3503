"""tools/dataset_converters/aquarium.py on a small Roboflow-style COCO export made from
local files: real Aquarium photos where the copy beside the repository is
present (AQUARIUM_ROOT), generated images otherwise."""
import json
import os
import subprocess
import sys

import pytest
from helpers import AQUARIUM, ROOT, subprocess_env
from PIL import Image

from focal_iou_mmdet.datasets.aquarium import (CLASSES, assign_splits,
                                               clean_name)
from focal_iou_mmdet.datasets.aquarium import main as convert_main
from focal_iou_mmdet.datasets.aquarium import video_of

# Roboflow's split, file stem, boxes (x, y, w, h in the 1024-px export)
FILES = [
    ('train', 'IMG_2274_jpeg_jpg', [(100, 200, 40, 60, 'fish')]),
    ('train', 'IMG_8496_MOV-0_jpg', [(10, 10, 500, 300, 'shark')]),
    ('valid', 'IMG_2277_jpeg_jpg', [(0, 0, 20, 20, 'starfish'),
                                    (300, 400, 200, 100, 'penguin')]),
    ('valid', 'IMG_8496_MOV-3_jpg', [(50, 60, 70, 80, 'stingray')]),
    ('test', 'IMG_8513_MOV-0_jpg', [(5, 6, 7, 8, 'jellyfish')]),
    ('test', 'IMG_2289_jpeg_jpg', []),
]


def _source_images():
    """A few local photos: the shared Aquarium copy's, else generated."""
    folder = os.path.join(AQUARIUM, 'train')
    if os.path.isdir(folder):
        names = sorted(os.listdir(folder))[:len(FILES)]
        return [Image.open(os.path.join(folder, n)).convert('RGB')
                for n in names]
    return [Image.new('RGB', (768, 1024), (20 * i, 80, 160))
            for i in range(len(FILES))]


def _roboflow_export(root):
    """Roboflow's COCO export: a supercategory entry with id 0, class ids in
    its own order, '.rf.<hash>' names, images with their longer side
    1024."""
    cats = [dict(id=0, name='creatures', supercategory='none')] + [
        dict(id=i + 1, name=c, supercategory='creatures')
        for i, c in enumerate(reversed(CLASSES))]
    cat_id = {c['name']: c['id'] for c in cats}
    per_split = {}
    for (split, stem, boxes), img in zip(FILES, _source_images()):
        img = img.resize((768, 1024))
        d = per_split.setdefault(split, dict(images=[], annotations=[],
                                             categories=cats))
        name = f'{stem}.rf.0123456789abcdef{len(d["images"])}.jpg'
        os.makedirs(os.path.join(root, split), exist_ok=True)
        img.save(os.path.join(root, split, name))
        image_id = len(d['images'])
        d['images'].append(dict(id=image_id, file_name=name, width=768,
                                height=1024, license=1))
        for x, y, w, h, cls in boxes:
            d['annotations'].append(dict(
                id=len(d['annotations']), image_id=image_id,
                category_id=cat_id[cls], bbox=[x, y, w, h], area=w * h,
                segmentation=[], iscrowd=0))
    for split, d in per_split.items():
        with open(os.path.join(root, split, '_annotations.coco.json'),
                  'w') as f:
            json.dump(d, f)
    return root


def test_names_and_videos():
    assert clean_name('IMG_2274_jpeg_jpg.rf.abc.jpg') == 'IMG_2274_jpeg_jpg'
    assert video_of('IMG_8496_MOV-3_jpg.rf.abc.jpg') == 'IMG_8496_MOV'
    assert video_of('IMG_2274_jpeg_jpg.rf.abc.jpg') is None
    items = {'a_MOV-1_jpg': ('train', None, []),
             'a_MOV-2_jpg': ('valid', None, []),
             'b_MOV-0_jpg': ('test', None, []),
             'IMG_1_jpeg_jpg': ('valid', None, [])}
    assert assign_splits(items) == {
        'train': ['a_MOV-1_jpg', 'a_MOV-2_jpg'], 'val': ['IMG_1_jpeg_jpg'],
        'test': ['b_MOV-0_jpg']}


def test_converts_a_roboflow_export_into_the_configs_layout(
        tmp_path, monkeypatch, capsys):
    src = _roboflow_export(str(tmp_path / 'export'))
    out = str(tmp_path / 'data' / 'aquarium')
    assert convert_main([src, out]) == 0  # tools/dataset_converters/aquarium.py
    assert '1 video frame(s) moved from valid/test to train' in \
        capsys.readouterr().out

    def load(split):
        with open(os.path.join(out, 'annotations',
                               f'instances_{split}.json')) as f:
            return json.load(f)

    train, val, test = load('train'), load('val'), load('test')
    assert [c['name'] for c in train['categories']] == list(CLASSES)
    assert [c['id'] for c in train['categories']] == list(range(1, 8))
    assert [i['file_name'] for i in train['images']] == [
        '0000_IMG_2274_jpeg_jpg.jpg', '0001_IMG_8496_MOV-0_jpg.jpg',
        '0002_IMG_8496_MOV-3_jpg.jpg']  # the leaked frame moved to train
    assert [i['file_name'] for i in val['images']] == [
        '0000_IMG_2277_jpeg_jpg.jpg']
    assert len(test['images']) == 2  # a video only in test stays there
    for split, coco in (('train', train), ('val', val), ('test', test)):
        for img in coco['images']:
            assert (img['width'], img['height']) == (312, 416)
            with Image.open(os.path.join(out, split, img['file_name'])) as im:
                assert im.size == (312, 416)
    # boxes scaled by 416/1024, classes by name
    starfish, penguin = val['annotations']
    assert starfish['category_id'] == CLASSES.index('starfish') + 1
    assert starfish['bbox'] == [0.0, 0.0, 8.12, 8.12]
    assert penguin['bbox'] == [121.88, 162.5, 81.25, 40.62]
    assert penguin['category_id'] == CLASSES.index('penguin') + 1

    # what the Aquarium configs read, found through AQUARIUM_ROOT
    from mmengine.config import Config

    from mmdet.registry import DATASETS
    from mmdet.utils import register_all_modules
    register_all_modules()
    monkeypatch.setenv('AQUARIUM_ROOT', out + os.sep)
    cfg = Config.fromfile(os.path.join(
        ROOT, 'configs', 'cpu', 'retinanet_r18-c16_fpn_12e_aquarium.py'))
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        ds = DATASETS.build(dict(loader.dataset, pipeline=[]))
        assert len(ds) == {'train': 3, 'val': 1}[
            'train' if loader is cfg.train_dataloader else 'val']
        assert os.path.isfile(ds.get_data_info(0)['img_path'])
    assert os.path.isfile(cfg.val_evaluator.ann_file)


def test_the_tool_says_what_an_export_is(tmp_path):
    """The tool itself (a subprocess, as a user runs it): -h, and a folder
    that is not an export is a one-line error with exit code 2."""
    tool = os.path.join(ROOT, 'tools', 'dataset_converters', 'aquarium.py')
    res = subprocess.run([sys.executable, tool, str(tmp_path),
                          str(tmp_path / 'out')], capture_output=True,
                         text=True, env=subprocess_env(), timeout=120)
    assert res.returncode == 2
    assert res.stdout.startswith('error: ') and \
        '_annotations.coco.json not found' in res.stdout
