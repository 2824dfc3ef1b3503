"""The embedded shapes set: valid COCO json, small-object dominated,
deterministic, reused, regenerated when its arguments change."""
import json
import os

import pytest
from pycocotools.coco import COCO

from focal_iou_mmdet.datasets import SHAPES_CLASSES, generate_shapes_dataset


@pytest.fixture(scope='module')
def shapes(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('shapes'))
    generate_shapes_dataset(root, num_train=40, num_val=12, seed=3)
    return root


def test_coco_json_loads_with_pycocotools(shapes):
    for split, n in (('train', 40), ('val', 12)):
        coco = COCO(os.path.join(shapes, 'annotations',
                                 f'instances_{split}.json'))
        assert len(coco.getImgIds()) == n
        assert [c['name'] for c in coco.loadCats(coco.getCatIds())] == list(
            SHAPES_CLASSES)
        for img in coco.loadImgs(coco.getImgIds()):
            assert os.path.exists(os.path.join(shapes, split,
                                               img['file_name']))
            anns = coco.loadAnns(coco.getAnnIds(imgIds=img['id']))
            assert 1 <= len(anns) <= 9
            for a in anns:
                x, y, w, h = a['bbox']
                assert w >= 4 and h >= 4 and a['area'] == w * h
                assert x >= 0 and y >= 0 and x + w <= img['width'] + 1 \
                    and y + h <= img['height'] + 1


def test_small_objects_dominate_and_shapes_vary(shapes):
    anns = json.load(open(os.path.join(
        shapes, 'annotations', 'instances_train.json')))['annotations']
    small = sum(a['area'] < 32**2 for a in anns) / len(anns)
    assert small >= 0.5, small
    ratios = [a['bbox'][2] / a['bbox'][3] for a in anns]
    assert min(ratios) < 0.5 and max(ratios) > 2
    assert {a['category_id'] for a in anns} == {1, 2, 3, 4}


def test_deterministic_reused_and_regenerated(shapes, tmp_path):
    other = str(tmp_path / 'again')
    generate_shapes_dataset(other, num_train=40, num_val=12, seed=3)
    manifest = lambda r: json.load(open(os.path.join(r, 'manifest.json')))  # noqa
    assert manifest(other)['sha1'] == manifest(shapes)['sha1']
    with open(os.path.join(shapes, 'train', '00000.png'), 'rb') as a, \
            open(os.path.join(other, 'train', '00000.png'), 'rb') as b:
        assert a.read() == b.read()
    # same arguments: reused, nothing rewritten
    stamp = os.path.getmtime(os.path.join(other, 'annotations',
                                          'instances_train.json'))
    generate_shapes_dataset(other, num_train=40, num_val=12, seed=3)
    assert os.path.getmtime(os.path.join(
        other, 'annotations', 'instances_train.json')) == stamp
    # other seed: regenerated, different content
    generate_shapes_dataset(other, num_train=40, num_val=12, seed=4)
    assert manifest(other)['sha1'] != manifest(shapes)['sha1']


@pytest.mark.parametrize('split', ['train', 'val'])
def test_voc_layout_reads_back_the_coco_boxes(shapes, split):
    """mmdet's VOCDataset (XML, 1-based corners) gives the same boxes and
    labels as the COCO json, image by image."""
    import numpy as np
    from mmdet.datasets import VOCDataset
    ds = VOCDataset(data_root=shapes, ann_file=f'VOCshapes/ImageSets/Main/'
                    f'{split}.txt', data_prefix=dict(sub_data_root='VOCshapes/'),
                    metainfo=dict(classes=SHAPES_CLASSES), pipeline=[],
                    test_mode=True)
    coco = COCO(os.path.join(shapes, 'annotations',
                             f'instances_{split}.json'))
    assert len(ds) == len(coco.getImgIds())
    for i, img_id in enumerate(sorted(coco.getImgIds())):
        info = ds.get_data_info(i)
        img = coco.loadImgs(img_id)[0]
        assert info['img_path'].endswith(
            f'{split}_{os.path.splitext(img["file_name"])[0]}.jpg')
        assert os.path.realpath(info['img_path']) == os.path.realpath(
            os.path.join(shapes, split, img['file_name']))
        anns = coco.loadAnns(coco.getAnnIds(imgIds=img_id))
        want = np.array([[a['bbox'][0], a['bbox'][1], a['bbox'][0] +
                          a['bbox'][2], a['bbox'][1] + a['bbox'][3]]
                         for a in anns], dtype=np.float32).reshape(-1, 4)
        got = np.array([x['bbox'] for x in info['instances']],
                       dtype=np.float32).reshape(-1, 4)
        np.testing.assert_array_equal(got, want)
        assert [x['bbox_label'] for x in info['instances']] == [
            a['category_id'] - 1 for a in anns]


def _centre_colours(root, split='train'):
    """(label, RGB at the box centre) of every rectangle and ellipse (their
    centre is inside the fill)."""
    import numpy as np
    from PIL import Image
    coco = json.load(open(os.path.join(root, 'annotations',
                                       f'instances_{split}.json')))
    files = {i['id']: i['file_name'] for i in coco['images']}
    out = []
    for a in coco['annotations']:
        if SHAPES_CLASSES[a['category_id'] - 1] not in ('rectangle',
                                                        'ellipse'):
            continue
        x, y, w, h = a['bbox']
        img = np.asarray(Image.open(os.path.join(root, split,
                                                 files[a['image_id']])))
        out.append((a['category_id'] - 1,
                    img[int(y + h / 2), int(x + w / 2)].astype(float)))
    return out


@pytest.mark.parametrize('palette,by_class', [('by_class', True),
                                              ('random', False)])
def test_palette_decides_whether_a_class_has_its_own_hue(tmp_path, palette,
                                                        by_class):
    import numpy as np
    from focal_iou_mmdet.datasets.shapes import CLASS_COLOURS
    root = str(tmp_path / palette)
    generate_shapes_dataset(root, num_train=30, num_val=2, palette=palette)
    near = [np.abs(rgb - CLASS_COLOURS[label]).max() <= 25 + 20
            for label, rgb in _centre_colours(root)]
    share = sum(near) / len(near)
    # shapes may cover each other's centre (overlap up to IoU 0.2)
    assert (share >= 0.8) if by_class else (share <= 0.2), share


def test_unknown_palette_is_named(tmp_path):
    with pytest.raises(ValueError, match="'rainbow'"):
        generate_shapes_dataset(str(tmp_path), num_train=1, num_val=1,
                                palette='rainbow')
