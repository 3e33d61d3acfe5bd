"""Recovering ground-truth factors from decoded frames, for scoring directions.

A `FactorRecoverer` names the factors it can read off a batch of frames and how each one is
measured; scoring a direction asks it what every frame of a traversal shows. One recoverer per
dataset, in a registry keyed by the dataset's name, so that a dataset added later (sounds:
pitch, loudness, noise) is scored by adding one file that registers its recoverer.

Kinds and their unit of change ("scale", so that factors of different units compare):
- circular (lines: angle): the range of the unwrapped angle, in units of pi (a half turn = 1);
- continuous (ink, the mean brightness of a frame): the range, in units of twice the dataset's
  mean ink (blank to twice the typical brightness = 1; a blurred line easily doubles its ink);
- categorical (digits: class): the largest total-variation distance between the class
  probabilities of the first frame and of any other frame (1 = a certain change of class).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
import torch

from latentwalk.data import get_dataset
from latentwalk.data.lines import Lines
from latentwalk.errors import InvalidParameterError
from latentwalk.registry import Registry

Kind = Literal["circular", "continuous", "categorical"]


@dataclass(frozen=True)
class FactorInfo:
    name: str
    kind: Kind
    scale: float  # one unit of change (see the module docstring)


class FactorRecoverer(Protocol):
    factors: dict[str, FactorInfo]

    def recover(self, frames: torch.Tensor) -> dict[str, torch.Tensor]:
        """(T, *X) frames -> {factor: (T,) values, or (T, C) class probabilities for categorical}."""
        ...


RECOVERERS: Registry[Callable[[], FactorRecoverer]] = Registry("factor recoverer")


def ink(frames: torch.Tensor) -> torch.Tensor:
    """(T, *X) -> (T,) mean intensity: a nuisance every image direction may leak into."""
    return frames.detach().flatten(1).to(torch.float64).mean(1)


def _ink_unit(dataset: str) -> float:
    return 2 * float(ink(get_dataset(dataset).load().x).mean())


class LinesRecoverer:
    """Angle of the nearest clean line (ACAI's evaluation, `LinesGroundTruth`) and ink."""

    def __init__(self) -> None:
        self.gt = Lines().ground_truth()  # the registry's "lines", typed
        self.factors = {
            "angle": FactorInfo("angle", "circular", math.pi),
            "ink": FactorInfo("ink", "continuous", _ink_unit("lines")),
        }

    def recover(self, frames: torch.Tensor) -> dict[str, torch.Tensor]:
        values, _ = self.gt.nearest(frames.detach())
        return {"angle": values["angle"].to(torch.float64), "ink": ink(frames)}


def _pooled(frames: torch.Tensor) -> np.ndarray:
    """(T, 1, 16, 16) -> (T, 64): back to the digits' native 8x8, which makes the classifier cheap."""
    return torch.nn.functional.avg_pool2d(frames.detach().to(torch.float32), 2).flatten(1).numpy()


@functools.lru_cache(maxsize=1)
def digit_classifier() -> object:
    """A logistic regression on the digits' 8x8 pixels (about 96% held-out accuracy), fitted once."""
    from sklearn.linear_model import LogisticRegression

    split = get_dataset("digits").load()
    x = _pooled(split.x)
    return LogisticRegression(max_iter=300, C=0.5).fit(x, split.factors["label"].numpy().astype(int))


class DigitsRecoverer:
    """Class probabilities from `digit_classifier`, and ink."""

    def __init__(self) -> None:
        self.clf = digit_classifier()
        self.factors = {
            "label": FactorInfo("label", "categorical", 1.0),
            "ink": FactorInfo("ink", "continuous", _ink_unit("digits")),
        }

    def recover(self, frames: torch.Tensor) -> dict[str, torch.Tensor]:
        x = _pooled(frames)
        proba = torch.from_numpy(self.clf.predict_proba(x))  # type: ignore[attr-defined]
        return {"label": proba, "ink": ink(frames)}


RECOVERERS.add("lines", LinesRecoverer)
RECOVERERS.add("digits", DigitsRecoverer)


def recoverer_for(dataset: str) -> FactorRecoverer:
    """The dataset's recoverer; an unknown dataset raises with the valid names."""
    if dataset not in RECOVERERS:
        known = ", ".join(RECOVERERS.names())
        raise InvalidParameterError(
            f"No factor recoverer for dataset '{dataset}'; directions can be scored on: {known}. "
            "Register one in latentwalk.factors.RECOVERERS."
        )
    return RECOVERERS.get(dataset)()


# --- measuring change along a traversal ---------------------------------------------------------


def change(values: torch.Tensor, kind: Kind) -> float:
    """How much one traversal's recovered factor moves: (J,) values or (J, C) probabilities."""
    if kind == "categorical":
        p = values.to(torch.float64)
        return float(0.5 * (p - p[:1]).abs().sum(1).max())
    v = values.to(torch.float64).cpu().numpy()
    if kind == "circular":
        v = np.unwrap(v)
    return float(v.max() - v.min())


def item_factor(name: str, x: torch.Tensor, known: dict[str, torch.Tensor], recoverer: FactorRecoverer) -> torch.Tensor:
    """(N,) values of factor `name` for items x: the ground truth where the dataset knows it
    (`known`, the split's factors for the same items), else what the recoverer reads off them (ink)."""
    if name in known:
        return known[name].to(torch.float64)
    if name not in recoverer.factors:
        valid = ", ".join(sorted(set(known) | set(recoverer.factors)))
        raise InvalidParameterError(f"This dataset has no factor '{name}'; its factors: {valid}.")
    values = recoverer.recover(x)[name]
    return values.argmax(1).to(torch.float64) if values.dim() == 2 else values
