from .coco_localization_metric import CocoLocalizationMetric

__all__ = ['CocoLocalizationMetric']
