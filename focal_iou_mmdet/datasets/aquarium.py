"""Convert Roboflow's public Aquarium export into what the Aquarium configs
read.

Source: "Aquarium Combined" on Roboflow Universe / public.roboflow.com
(https://public.roboflow.com/object-detection/aquarium), licence CC BY 4.0
(credit Roboflow).  Download the **COCO JSON** export (e.g. the
"raw-1024" version) and unzip it: it has ``train/``, ``valid/`` and
``test/``, each with its images and ``_annotations.coco.json``.

    python tools/dataset_converters/aquarium.py EXPORT_DIR data/aquarium [--max-side 416]

writes the layout of ``configs/_base_/datasets/aquarium_detection.py``::

    data/aquarium/annotations/instances_{train,val,test}.json
    data/aquarium/{train,val,test}/NNNN_<name>.jpg

- the 7 classes get ids 1..7 in :data:`CLASSES` order; Roboflow's extra
  supercategory entry ("creatures") is dropped;
- every image is resized so that its longer side is ``max_side`` px (0
  keeps the size), boxes scaled with it;
- frames of one source video (``<video>_MOV-<k>``) that Roboflow put into
  train *and* valid/test are moved to train, so that the evaluation splits
  share no video with training;
- Roboflow's ``.rf.<hash>`` suffix is dropped from file names, and files are
  numbered in name order.
"""
import argparse
import json
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Tuple

from PIL import Image

CLASSES = ('fish', 'jellyfish', 'penguin', 'puffin', 'shark', 'starfish',
           'stingray')
#: Roboflow's split folders -> ours
SPLITS = {'train': 'train', 'valid': 'val', 'test': 'test'}
ANNOTATIONS = '_annotations.coco.json'


class AquariumExportError(ValueError):
    """The source folder is not a Roboflow COCO export of Aquarium."""


def clean_name(file_name: str) -> str:
    """``IMG_2274_jpeg_jpg.rf.<hash>.jpg`` -> ``IMG_2274_jpeg_jpg``."""
    stem = osp.splitext(osp.basename(file_name))[0]
    return stem.split('.rf.')[0]


def video_of(file_name: str) -> Optional[str]:
    """The source video of a frame (``IMG_8496_MOV-3_jpg`` ->
    ``IMG_8496_MOV``), None for a photo."""
    m = re.match(r'(.+_MOV)-\d+', clean_name(file_name))
    return m.group(1) if m else None


def _load_split(src: str, split: str) -> dict:
    path = osp.join(src, split, ANNOTATIONS)
    if not osp.isfile(path):
        raise AquariumExportError(
            f'{path} not found: EXPORT_DIR must be the unzipped Roboflow '
            "COCO export (folders 'train', 'valid', 'test', each with "
            f'{ANNOTATIONS})')
    with open(path) as f:
        coco = json.load(f)
    ids = {}
    for cat in coco['categories']:
        if cat['name'] in CLASSES:
            ids[cat['id']] = CLASSES.index(cat['name']) + 1
    missing = set(CLASSES) - {c['name'] for c in coco['categories']}
    if missing:
        raise AquariumExportError(
            f'{path}: categories {sorted(missing)} missing (is this the '
            'Aquarium export?)')
    by_image: Dict[int, List[dict]] = {}
    for ann in coco['annotations']:
        if ann['category_id'] not in ids:
            raise AquariumExportError(
                f'{path}: annotation {ann["id"]} has category '
                f'{ann["category_id"]}, which is not one of {CLASSES}')
        by_image.setdefault(ann['image_id'], []).append(
            dict(ann, category_id=ids[ann['category_id']]))
    return {img['file_name']: (split, img, by_image.get(img['id'], []))
            for img in coco['images']}


def assign_splits(items: Dict[str, tuple]) -> Dict[str, List[str]]:
    """Our split -> source file names; val/test frames of a video that also
    has frames in train go to train."""
    train_videos = {video_of(n) for n, (s, _, _) in items.items()
                    if s == 'train'} - {None}
    out: Dict[str, List[str]] = {v: [] for v in SPLITS.values()}
    for name, (split, _, _) in items.items():
        ours = SPLITS[split]
        if ours != 'train' and video_of(name) in train_videos:
            ours = 'train'
        out[ours].append(name)
    for names in out.values():
        names.sort(key=clean_name)
    return out


def _scaled(img: Image.Image, max_side: int) -> Tuple[Image.Image, float]:
    if not max_side or max(img.size) == max_side:
        return img, 1.0
    scale = max_side / max(img.size)
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    return img.resize(size, Image.BILINEAR), scale


def convert_aquarium(src: str, out: str, max_side: int = 416) -> Dict[str, dict]:
    """Convert the export in ``src`` into ``out``; returns per split the
    numbers of images, boxes and small boxes (area < 32^2 after resizing)."""
    items: Dict[str, tuple] = {}
    for split in SPLITS:
        items.update(_load_split(src, split))
    os.makedirs(osp.join(out, 'annotations'), exist_ok=True)
    summary = {}
    for ours, names in assign_splits(items).items():
        os.makedirs(osp.join(out, ours), exist_ok=True)
        images, anns = [], []
        for i, name in enumerate(names):
            split, img_info, img_anns = items[name]
            with Image.open(osp.join(src, split, name)) as img:
                img, scale = _scaled(img.convert('RGB'), max_side)
                file_name = f'{i:04d}_{clean_name(name)}.jpg'
                img.save(osp.join(out, ours, file_name), quality=95)
            images.append(dict(id=i + 1, file_name=file_name,
                               width=img.width, height=img.height))
            for a in img_anns:
                x, y, w, h = (round(v * scale, 2) for v in a['bbox'])
                if w <= 0 or h <= 0:
                    continue
                anns.append(dict(id=len(anns) + 1, image_id=i + 1,
                                 category_id=a['category_id'],
                                 bbox=[x, y, w, h], area=round(w * h, 2),
                                 iscrowd=int(a.get('iscrowd', 0))))
        coco = dict(images=images, annotations=anns,
                    categories=[dict(id=i + 1, name=c)
                                for i, c in enumerate(CLASSES)])
        path = osp.join(out, 'annotations', f'instances_{ours}.json')
        with open(path + '.tmp', 'w') as f:
            json.dump(coco, f)
        os.replace(path + '.tmp', path)
        summary[ours] = dict(
            images=len(images), boxes=len(anns),
            small=sum(1 for a in anns if a['area'] < 32 ** 2),
            moved_to_train=sum(1 for n in names if items[n][0] != 'train')
            if ours == 'train' else 0)
    return summary


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n'.join(__doc__.splitlines()[2:]))
    p.add_argument('export_dir', help='the unzipped Roboflow COCO export')
    p.add_argument('out_dir', nargs='?', default='data/aquarium',
                   help='where the configs read it (default data/aquarium; '
                   'AQUARIUM_ROOT points the configs elsewhere)')
    p.add_argument('--max-side', type=int, default=416,
                   help='longer image side in px (0: keep)')
    a = p.parse_args(argv)
    try:
        summary = convert_aquarium(a.export_dir, a.out_dir, a.max_side)
    except AquariumExportError as e:
        print(f'error: {e}')
        return 2
    print(f'{"split":<6} {"images":>6} {"boxes":>6} {"small":>6}')
    for split, s in summary.items():
        print(f'{split:<6} {s["images"]:>6} {s["boxes"]:>6} {s["small"]:>6}')
    moved = summary['train']['moved_to_train']
    print(f'{moved} video frame(s) moved from valid/test to train; '
          f'written to {a.out_dir}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
