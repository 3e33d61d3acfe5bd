"""Factor recoverer for faces32: the faces probe on frames upsampled to 64x64 (data/faces32.py)."""

from __future__ import annotations

from latentwalk.data.faces32 import Faces32
from latentwalk.factors.faces import FacesRecoverer
from latentwalk.factors.recover import RECOVERERS


class Faces32Recoverer(FacesRecoverer):
    """Every factor of a 32x32 face frame, as the faces probe reads it (units as factors/faces.py)."""

    dataset = Faces32


RECOVERERS.add("faces32", Faces32Recoverer)
