"""Bring your own model: `latentwalk.wrap(encode=..., decode=...)` makes a `LatentModel` of any pair
of torch callables, the way stochman asks for one `embed` method and builds the rest on it.

    >>> import torch, latentwalk
    >>> enc = torch.nn.Linear(64, 8)
    >>> dec = torch.nn.Sequential(torch.nn.Linear(8, 64), torch.nn.Sigmoid(), torch.nn.Unflatten(1, (1, 8, 8)))
    >>> model = latentwalk.wrap(encode=lambda x: enc(x.flatten(1)), decode=dec,
    ...                         latent_shape=(8,), data_shape=(1, 8, 8), prior="gaussian")
    >>> model.decode(model.encode(torch.rand(2, 1, 8, 8)).mode()).shape
    torch.Size([2, 1, 8, 8])

`encode` may return a tensor (a deterministic code), a `(mean, logvar)` pair (a Gaussian
posterior), or any object with `.mode()` and `.sample(generator)`. Without `encode` (a GAN's
generator, say), real inputs are inverted by optimising z through `decode` (see
`latentwalk.models.inversion.invert_decoder`), which needs `decode` to be differentiable.
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Integral
from typing import Any

import torch
from torch import nn

from latentwalk.config import Options, check_params
from latentwalk.errors import InvalidParameterError, UnsupportedOperationError
from latentwalk.modalities.audio import SPEC_SHAPE
from latentwalk.models.base import DiagonalGaussian, LatentDist, PointMass, check_batch
from latentwalk.models.inversion import InversionConfig, invert_decoder

TorchFn = Callable[[torch.Tensor], Any]

_CONSTRAINTS: dict[str, list[Any]] = {
    "prior": [Options(frozenset({"gaussian", "uniform", "none"}))],
    "modality": [Options(frozenset({"image", "audio"}))],
    "inversion": [InversionConfig, None],
}


def _shape(value: Any, name: str) -> tuple[int, ...]:
    dims = tuple(value) if isinstance(value, (tuple, list)) else ()  # torch.Size is a tuple
    if dims and all(isinstance(v, Integral) and not isinstance(v, bool) and int(v) >= 1 for v in dims):
        return tuple(int(v) for v in dims)
    raise InvalidParameterError(
        f"The '{name}' parameter of wrap must be a tuple of positive ints such as (16,) or (1, 28, 28). Got {value!r} instead."
    )


def _callable(fn: TorchFn | None, name: str, what: str) -> TorchFn:
    if not callable(fn):
        raise InvalidParameterError(f"The '{name}' parameter of wrap must be a callable {what}. Got {fn!r} instead.")
    return fn


def _as_dist(out: Any) -> LatentDist:
    if isinstance(out, torch.Tensor):
        return PointMass(out)
    if isinstance(out, (tuple, list)) and len(out) == 2 and all(isinstance(t, torch.Tensor) for t in out):
        return DiagonalGaussian(out[0], out[1])
    if hasattr(out, "mode") and hasattr(out, "sample"):
        return out
    raise InvalidParameterError(
        f"Your `encode` returned {type(out).__name__}; return a tensor (B, *latent_shape), a (mean, logvar) "
        "pair, or an object with .mode() and .sample(generator)."
    )


class WrappedModel(nn.Module):
    """A LatentModel made of the user's callables; modules among them are registered as children,
    so `.eval()`, `.to()` and `.parameters()` reach them."""

    family = "wrapped"
    _encode_fn: TorchFn | None  # set in __init__, outside nn.Module's registry
    _decode_fn: TorchFn

    def __init__(self, encode: TorchFn | None, decode: TorchFn, latent_shape: tuple[int, ...], data_shape: tuple[int, ...],
                 prior: str, modality: str, inversion: InversionConfig) -> None:
        super().__init__()
        self.parts = nn.ModuleList([f for f in (encode, decode) if isinstance(f, nn.Module)])
        object.__setattr__(self, "_encode_fn", encode)  # plain attributes: modules are in self.parts
        object.__setattr__(self, "_decode_fn", decode)
        self.latent_shape, self.data_shape = latent_shape, data_shape
        self.prior, self.modality = prior, modality
        self.has_encoder = encode is not None
        self.inversion = inversion
        self.last_inversion: dict[str, Any] | None = None

    def _check(self, t: Any, shape: tuple[int, ...], what: str) -> None:
        check_batch(t, shape, what)

    def encode(self, x: torch.Tensor) -> LatentDist:
        if self._encode_fn is None:
            raise UnsupportedOperationError(
                "This wrapped model has no encoder: use `model.invert(x)` (optimises z through decode), "
                "or pass encode=... to latentwalk.wrap."
            )
        self._check(x, self.data_shape, "x")
        dist = _as_dist(self._encode_fn(x))
        self._check(dist.mode(), self.latent_shape, "encode(x) (your encoder's output; check latent_shape)")
        return dist

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        self._check(z, self.latent_shape, "z")
        x = self._decode_fn(z)
        self._check(x, self.data_shape, "decode(z) (your decoder's output; check data_shape)")
        return x

    def invert(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Codes (K, *L) for inputs (K, *X) by optimisation through `decode`."""
        self._check(x, self.data_shape, "x")
        config = self.inversion if self.prior == "gaussian" else InversionConfig(
            self.inversion.steps, self.inversion.restarts, self.inversion.lr, 0.0)
        try:
            codes, report = invert_decoder(self.decode, x, self.latent_shape, config, generator)
        except RuntimeError as exc:
            if "grad" not in str(exc):
                raise
            raise UnsupportedOperationError(
                "Inversion needs a differentiable `decode` (torch operations only); pass encode=... instead."
            ) from None
        self.last_inversion = report
        return codes


def wrap(
    encode: TorchFn | None = None,
    decode: TorchFn | None = None,
    *,
    latent_shape: Any,
    data_shape: Any,
    prior: str = "gaussian",
    modality: str = "image",
    inversion: InversionConfig | None = None,
) -> WrappedModel:
    """Turn `encode: x (B, *data_shape) -> z (B, *latent_shape)` and `decode: z -> x` into a LatentModel.

    `prior` says how codes are distributed ("gaussian" = N(0, I), "uniform" or "none"); the
    typicality metrics and the inversion's prior term use it. Images are (C, H, W) in [0, 1].
    """
    decode_fn = _callable(decode, "decode", "(a function or nn.Module) mapping z to x")
    if encode is not None:
        _callable(encode, "encode", "mapping x to z, or None for a decoder-only model")
    check_params(_CONSTRAINTS, {"prior": prior, "modality": modality, "inversion": inversion}, "wrap")
    latent, data = _shape(latent_shape, "latent_shape"), _shape(data_shape, "data_shape")
    if modality == "audio" and data != SPEC_SHAPE:
        raise InvalidParameterError(
            f"The 'data_shape' parameter of wrap must be {SPEC_SHAPE} for modality 'audio' (the spectrogram of "
            f"latentwalk.modalities.audio.to_spectrogram). Got {data} instead."
        )
    return WrappedModel(encode, decode_fn, latent, data, prior, modality, inversion or InversionConfig())
