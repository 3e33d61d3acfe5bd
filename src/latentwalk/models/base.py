"""The `LatentModel` contract every family (AE, VAE, GAN, diffusion, the user's own) meets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

import torch

from latentwalk.errors import InvalidParameterError

Prior = Literal["gaussian", "uniform", "none"]
Modality = Literal["image", "audio"]


def check_batch(t: object, shape: tuple[int, ...], what: str, hint: str = "") -> None:
    """Raise one teaching line unless `t` is a tensor of shape (B, *shape); `hint` is appended."""
    if isinstance(t, torch.Tensor) and t.dim() == len(shape) + 1 and tuple(t.shape[1:]) == tuple(shape):
        return
    got = tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__
    raise InvalidParameterError(f"`{what}` must have shape (B, {', '.join(map(str, shape))}) but has {got}.{hint}")


def draw_device(generator: torch.Generator | None, device: torch.device) -> torch.device:
    """Where a random draw for a tensor on `device` happens: on the generator's own device (torch
    requires it), so a CPU generator, the usual seeded one, also serves a CUDA model."""
    return generator.device if generator is not None else device


def randn(shape: Sequence[int], generator: torch.Generator | None, device: torch.device,
          dtype: torch.dtype | None = None) -> torch.Tensor:
    """N(0, I) noise of `shape` on `device`, drawn where the generator lives and then moved
    (a no-op on one device: CPU draws stay bit-identical)."""
    return torch.randn(tuple(shape), generator=generator, dtype=dtype, device=draw_device(generator, device)).to(device)


class LatentDist(Protocol):
    """What `encode` returns: the posterior q(z|x), or a point mass for deterministic encoders."""

    def mode(self) -> torch.Tensor: ...

    def sample(self, generator: torch.Generator | None = None) -> torch.Tensor: ...


@dataclass(frozen=True)
class PointMass:
    """A deterministic encoder's output: mode and sample are the code itself."""

    z: torch.Tensor

    def mode(self) -> torch.Tensor:
        return self.z

    def sample(self, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.z


@dataclass(frozen=True)
class DiagonalGaussian:
    """q(z|x) = N(mean, diag(exp(logvar))). Walks use `mode()` (the mean) unless asked otherwise."""

    mean: torch.Tensor
    logvar: torch.Tensor

    def mode(self) -> torch.Tensor:
        return self.mean

    def sample(self, generator: torch.Generator | None = None) -> torch.Tensor:
        eps = randn(self.mean.shape, generator, self.mean.device, self.mean.dtype)
        return self.mean + torch.exp(0.5 * self.logvar) * eps

    def kl(self) -> torch.Tensor:
        """KL(q || N(0, I)) per item, summed over the latent dimensions."""
        kl = 0.5 * (self.mean**2 + self.logvar.exp() - 1 - self.logvar)
        return kl.flatten(1).sum(1)


@runtime_checkable
class LatentModel(Protocol):
    """encode: x (B, *X) -> LatentDist over (B, *L); decode: (B, *L) -> (B, *X).

    `data_shape` is X (for images (C, H, W), values in [0, 1]); `latent_shape` is L. `modality`
    names the kind of data (`latentwalk.modalities.get_modality`). A family that cannot encode (a
    GAN) sets `has_encoder = False`, provides `invert(x, generator=...)`, and raises
    UnsupportedOperationError from `encode` with a message that says what to do instead.
    `latentwalk.models.model.Model` checks this once at the door and resolves the defaults.
    """

    @property
    def latent_shape(self) -> tuple[int, ...]: ...

    @property
    def data_shape(self) -> tuple[int, ...]: ...

    @property
    def prior(self) -> Prior: ...

    @property
    def modality(self) -> str: ...

    def encode(self, x: torch.Tensor) -> LatentDist: ...

    def decode(self, z: torch.Tensor) -> torch.Tensor: ...
