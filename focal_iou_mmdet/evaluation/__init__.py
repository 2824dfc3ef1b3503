"""Evaluation: a run's detections matched to the COCO ground truth, the box
metrics read from that match (:mod:`.coco_match`), and the metric that
records them at training time."""
from .coco_match import RunMatch

__all__ = ['RunMatch']
