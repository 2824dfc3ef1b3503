_base_ = 'mmdet::pascal_voc/ssd300_voc0712.py'

custom_imports = dict(imports=['focal_iou_mmdet'], allow_failed_imports=False)
