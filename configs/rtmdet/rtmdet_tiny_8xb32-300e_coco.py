_base_ = 'mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py'

custom_imports = dict(imports=['focal_iou_mmdet'], allow_failed_imports=False)
