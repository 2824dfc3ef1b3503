_base_ = 'mmdet::ssd/ssd512_coco.py'

custom_imports = dict(imports=['focal_iou_mmdet'], allow_failed_imports=False)
