"""A deterministic, small-object shapes detection set in COCO and VOC format.

Used by the CPU quickstart: no download, the same bytes for the same
arguments.  Each image is ``img_size`` (128) px square with a smooth,
noisy background and 3-9 labelled shapes of 4 classes with aspect ratios
from 1:3 to 3:1.  Object sides are log-uniform in ``[6, 64]`` px, so most
boxes are COCO-"small" (area < 32^2) at the training size (the images are
not resized).  By default each class has its own hue on a grey background:
finding and naming a shape is easy, so a small detector trained from
scratch for minutes reaches a regime where AP depends on how well it places
boxes.  ``palette='random'`` with clutter strokes (``strokes=(6, 16)``,
``noise=18``, 256 px, sides 8-96) is the harder set of version 2.

    python -m focal_iou_mmdet.datasets.shapes OUT_DIR [--num-train N] ...
"""
import argparse
import hashlib
import json
import math
import os
import os.path as osp
from typing import Dict, List, Tuple

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

CLASSES = ('rectangle', 'ellipse', 'triangle', 'cross')
VERSION = 3  # bump when the generator changes what it writes
VOC_DIR = 'VOCshapes'  # mmdet's VOC layout, under a name that is not VOC2007
# (VOCMetric would print VOC's class names for a folder called VOC2007)


#: ``palette='by_class'``: each class's fill hue (RGB), jittered per shape
CLASS_COLOURS = ((220, 40, 40), (40, 190, 40), (40, 70, 230), (235, 210, 30))


def _background(rng: np.random.Generator, size: int, noise: float,
                strokes: Tuple[int, int], grey: bool) -> Image.Image:
    # smooth colour field: a coarse random grid upsampled
    coarse = rng.uniform(40, 215, size=(4, 4, 3))
    if grey:  # no hue, so a class colour stands out
        coarse = coarse.mean(-1, keepdims=True).repeat(3, -1)
    coarse = coarse.astype(np.uint8)
    img = Image.fromarray(coarse).resize((size, size), Image.BICUBIC)
    arr = np.asarray(img).astype(np.float32)
    arr += rng.normal(0, noise, size=arr.shape)  # texture
    img = Image.fromarray(arr.clip(0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    count = int(rng.integers(*strokes)) if strokes[1] > strokes[0] else 0
    for _ in range(count):  # clutter: unlabelled strokes
        pts = [tuple(rng.uniform(0, size, 2)) for _ in range(3)]
        color = tuple(int(c) for c in rng.integers(0, 256, 3))
        draw.line(pts, fill=color, width=int(rng.integers(1, 4)))
    return img.filter(ImageFilter.GaussianBlur(0.6))


def _shape_points(cls: str, x1, y1, x2, y2, rng) -> List[tuple]:
    w, h = x2 - x1, y2 - y1
    if cls == 'triangle':
        if rng.random() < 0.5:
            return [(x1 + w / 2, y1), (x2, y2), (x1, y2)]
        return [(x1, y1), (x2, y1), (x1 + w / 2, y2)]
    # cross: a plus of two bars, a third of the box thick
    tw, th = w / 3, h / 3
    return [(x1 + tw, y1), (x2 - tw, y1), (x2 - tw, y1 + th), (x2, y1 + th),
            (x2, y2 - th), (x2 - tw, y2 - th), (x2 - tw, y2), (x1 + tw, y2),
            (x1 + tw, y2 - th), (x1, y2 - th), (x1, y1 + th), (x1 + tw, y1 + th)]


def _iou(a, b) -> float:
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1])
    return inter / (union - inter)


def _image(rng: np.random.Generator, size: int, min_side: float,
           max_side: float, noise: float, strokes: Tuple[int, int],
           palette: str):
    by_class = palette == 'by_class'
    img = _background(rng, size, noise, strokes, grey=by_class)
    draw = ImageDraw.Draw(img)
    boxes, labels = [], []
    for _ in range(int(rng.integers(3, 10))):
        for _attempt in range(20):
            side = math.exp(rng.uniform(math.log(min_side), math.log(max_side)))
            ratio = math.exp(rng.uniform(math.log(1 / 3), math.log(3)))
            w = max(4.0, side * math.sqrt(ratio))
            h = max(4.0, side / math.sqrt(ratio))
            if w >= size - 2 or h >= size - 2:
                continue
            x1 = float(rng.uniform(0, size - w))
            y1 = float(rng.uniform(0, size - h))
            box = (round(x1), round(y1), round(x1 + w), round(y1 + h))
            if all(_iou(box, b) < 0.2 for b in boxes):
                break
        else:
            continue
        label = int(rng.integers(len(CLASSES)))
        if by_class:
            color = np.clip(np.array(CLASS_COLOURS[label]) +
                            rng.integers(-25, 26, 3), 0, 255)
        else:
            color = rng.integers(0, 256, 3)
        color = tuple(int(c) for c in color)
        outline = tuple(255 - c for c in color)
        x1, y1, x2, y2 = box
        cls = CLASSES[label]
        if cls == 'rectangle':
            draw.rectangle(box, fill=color, outline=outline)
        elif cls == 'ellipse':
            draw.ellipse(box, fill=color, outline=outline)
        else:
            draw.polygon(_shape_points(cls, x1, y1, x2, y2, rng), fill=color,
                         outline=outline)
        boxes.append(box)
        labels.append(label)
    return img, boxes, labels


def _split(out_dir: str, split: str, num: int, seed: int, size: int,
           min_side: float, max_side: float, **look) -> Dict:
    rng = np.random.default_rng([seed, {'train': 0, 'val': 1}[split]])
    img_dir = osp.join(out_dir, split)
    os.makedirs(img_dir, exist_ok=True)
    images, annotations = [], []
    for i in range(num):
        img, boxes, labels = _image(rng, size, min_side, max_side, **look)
        name = f'{i:05d}.png'
        img.save(osp.join(img_dir, name))
        images.append(dict(id=i + 1, file_name=name, width=size, height=size))
        for box, label in zip(boxes, labels):
            w, h = box[2] - box[0], box[3] - box[1]
            annotations.append(
                dict(id=len(annotations) + 1, image_id=i + 1,
                     category_id=label + 1, bbox=[box[0], box[1], w, h],
                     area=float(w * h), iscrowd=0))
    return dict(
        images=images, annotations=annotations,
        categories=[dict(id=i + 1, name=c) for i, c in enumerate(CLASSES)])


PALETTES = ('random', 'by_class')


def generate_shapes_dataset(out_dir: str, num_train: int = 256,
                            num_val: int = 128, img_size: int = 128,
                            seed: int = 0, min_side: float = 6.0,
                            max_side: float = 64.0, noise: float = 6.0,
                            strokes: Tuple[int, int] = (0, 0),
                            palette: str = 'by_class') -> str:
    """Write (or reuse) the set under ``out_dir``; returns ``out_dir``.

    How hard it looks: ``noise`` (std of the background's pixel noise),
    ``strokes`` (``[low, high)`` unlabelled clutter strokes per image; equal
    bounds: none) and ``palette`` (``'random'``: any fill on a coloured
    background; ``'by_class'``: each class its own hue,
    :data:`CLASS_COLOURS`, on a grey background).

    Layout: ``train/``, ``val/`` (PNG) and ``annotations/instances_{train,
    val}.json``; the same set in mmdet's VOC layout under ``VOCshapes/``
    (:func:`write_voc_layout`).  A ``manifest.json`` records the arguments;
    an existing set with the same manifest is reused, any other is
    regenerated.
    """
    if palette not in PALETTES:
        raise ValueError(f'palette must be one of {PALETTES}, got {palette!r}')
    params = dict(version=VERSION, num_train=num_train, num_val=num_val,
                  img_size=img_size, seed=seed, min_side=min_side,
                  max_side=max_side, noise=noise, strokes=list(strokes),
                  palette=palette)
    manifest = osp.join(out_dir, 'manifest.json')
    if osp.exists(manifest):
        with open(manifest) as f:
            if json.load(f).get('params') == params:
                return out_dir
        os.remove(manifest)
    os.makedirs(osp.join(out_dir, 'annotations'), exist_ok=True)
    digests = {}
    for split, num in (('train', num_train), ('val', num_val)):
        coco = _split(out_dir, split, num, seed, img_size, min_side, max_side,
                      noise=noise, strokes=tuple(strokes), palette=palette)
        text = json.dumps(coco)
        path = osp.join(out_dir, 'annotations', f'instances_{split}.json')
        with open(path + '.tmp', 'w') as f:
            f.write(text)
        os.replace(path + '.tmp', path)
        digests[split] = hashlib.sha1(text.encode()).hexdigest()
        write_voc_layout(out_dir, split, coco)
    # the manifest is written last: a crash mid-way leaves no manifest, so
    # the next call regenerates instead of reusing a partial set
    with open(manifest + '.tmp', 'w') as f:
        json.dump(dict(params=params, sha1=digests), f, indent=1)
    os.replace(manifest + '.tmp', manifest)
    return out_dir


def _voc_xml(image: dict, anns: List[dict]) -> str:
    objects = ''.join(
        '<object><name>{}</name><difficult>0</difficult><bndbox>'
        '<xmin>{}</xmin><ymin>{}</ymin><xmax>{}</xmax><ymax>{}</ymax>'
        '</bndbox></object>'.format(
            CLASSES[a['category_id'] - 1],
            # VOC boxes are 1-based pixel indices; mmdet's XMLDataset
            # subtracts 1, giving back the COCO corners
            a['bbox'][0] + 1, a['bbox'][1] + 1, a['bbox'][0] + a['bbox'][2] + 1,
            a['bbox'][1] + a['bbox'][3] + 1) for a in anns)
    return (f'<annotation><filename>{image["file_name"]}</filename><size>'
            f'<width>{image["width"]}</width><height>{image["height"]}'
            f'</height><depth>3</depth></size>{objects}</annotation>\n')


def write_voc_layout(out_dir: str, split: str, coco: Dict) -> None:
    """The split in mmdet's VOC layout: ``VOCshapes/Annotations/<id>.xml``,
    ``VOCshapes/JPEGImages/<id>.jpg`` (a link to the PNG; mmdet decodes by
    content, its XMLDataset names images ``<id>.jpg``) and
    ``VOCshapes/ImageSets/Main/<split>.txt``."""
    voc = osp.join(out_dir, VOC_DIR)
    for sub in ('Annotations', 'JPEGImages', osp.join('ImageSets', 'Main')):
        os.makedirs(osp.join(voc, sub), exist_ok=True)
    by_image: Dict[int, List[dict]] = {}
    for a in coco['annotations']:
        by_image.setdefault(a['image_id'], []).append(a)
    ids = []
    for image in coco['images']:
        img_id = f'{split}_{osp.splitext(image["file_name"])[0]}'
        ids.append(img_id)
        with open(osp.join(voc, 'Annotations', img_id + '.xml'), 'w') as f:
            f.write(_voc_xml(image, by_image.get(image['id'], [])))
        link = osp.join(voc, 'JPEGImages', img_id + '.jpg')
        if osp.lexists(link):
            os.remove(link)
        os.symlink(osp.join('..', '..', split, image['file_name']), link)
    with open(osp.join(voc, 'ImageSets', 'Main', split + '.txt'), 'w') as f:
        f.write('\n'.join(ids) + '\n')


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('out_dir')
    p.add_argument('--num-train', type=int, default=256)
    p.add_argument('--num-val', type=int, default=128)
    p.add_argument('--img-size', type=int, default=128)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--min-side', type=float, default=6.0)
    p.add_argument('--max-side', type=float, default=64.0)
    p.add_argument('--noise', type=float, default=6.0)
    p.add_argument('--strokes', type=int, nargs=2, default=(0, 0),
                   metavar=('LOW', 'HIGH'))
    p.add_argument('--palette', choices=PALETTES, default='by_class')
    a = p.parse_args(argv)
    generate_shapes_dataset(a.out_dir, a.num_train, a.num_val, a.img_size,
                            a.seed, a.min_side, a.max_side, a.noise,
                            tuple(a.strokes), a.palette)
    print(a.out_dir)


if __name__ == '__main__':
    main()
