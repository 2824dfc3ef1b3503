_base_ = ['../_base_/models/retinanet_r18-c16_fpn_cpu.py', '../_base_/cpu_datasets.py']

model = dict(bbox_head=dict(num_classes=7))
train_dataloader = {{_base_.aquarium_data.train_dataloader}}
val_dataloader = {{_base_.aquarium_data.val_dataloader}}
test_dataloader = {{_base_.aquarium_data.test_dataloader}}
val_evaluator = {{_base_.aquarium_data.val_evaluator}}
test_evaluator = {{_base_.aquarium_data.test_evaluator}}
