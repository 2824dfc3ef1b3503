_base_ = 'mmdet::yolox/yolox_s_8xb8-300e_coco.py'

custom_imports = dict(imports=['focal_iou_mmdet'], allow_failed_imports=False)
