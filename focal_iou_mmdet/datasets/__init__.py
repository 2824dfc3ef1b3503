from .aquarium import CLASSES as AQUARIUM_CLASSES
from .aquarium import convert_aquarium
from .shapes import CLASSES as SHAPES_CLASSES
from .shapes import generate_shapes_dataset

__all__ = [
    'AQUARIUM_CLASSES', 'convert_aquarium', 'SHAPES_CLASSES',
    'generate_shapes_dataset'
]
