_base_ = [
    '../_base_/models/retinanet_r18-c16_fpn.py',
    '../_base_/datasets/shapes_voc_detection.py',
    '../_base_/schedules/adamw_cosine_12e.py', '../_base_/default_runtime.py'
]

model = dict(bbox_head=dict(num_classes=4))
