"""Convert Roboflow's public Aquarium COCO export (CC BY 4.0) into the
layout the Aquarium configs read (default ``data/aquarium``).

    python tools/dataset_converters/aquarium.py EXPORT_DIR [OUT_DIR] [--max-side 416]

See focal_iou_mmdet/datasets/aquarium.py for what it changes and why.
"""
from focal_iou_mmdet.datasets.aquarium import main

if __name__ == '__main__':
    raise SystemExit(main())
