"""Modalities: one object per kind of data (image, sound) that knows how an object of that kind
becomes a tensor, a file and a picture or a sound. `get_modality(model.modality)` gives it."""

from latentwalk.modalities.audio import AUDIO, AudioModality
from latentwalk.modalities.base import MODALITIES, Modality, get_modality
from latentwalk.modalities.image import IMAGE, ImageModality

__all__ = ["AUDIO", "IMAGE", "MODALITIES", "AudioModality", "ImageModality", "Modality", "get_modality"]
