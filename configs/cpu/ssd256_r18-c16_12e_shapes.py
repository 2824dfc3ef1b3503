_base_ = ['../_base_/models/ssd256_r18-c16_cpu.py', '../_base_/cpu_datasets.py']

model = dict(bbox_head=dict(num_classes=4))
train_dataloader = {{_base_.shapes_data.train_dataloader}}
val_dataloader = {{_base_.shapes_data.val_dataloader}}
test_dataloader = {{_base_.shapes_data.test_dataloader}}
val_evaluator = {{_base_.shapes_data.val_evaluator}}
test_evaluator = {{_base_.shapes_data.test_evaluator}}
