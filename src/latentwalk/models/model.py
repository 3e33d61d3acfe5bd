"""The model a walk walks in: one object that meets the `LatentModel` contract (models/base.py)
for any family, a user's wrapped callables or an exported program, checked once at the door,
and carries what the model knows of itself (spec, family, weights hash, shapes, training data).

Every default (a model without `prior` has none; without `has_encoder` it has an encoder) is
resolved here, once, so the pipeline reads plain attributes instead of guessing with getattr.
"""

from __future__ import annotations

from typing import Any, cast

import torch

from latentwalk.errors import InvalidParameterError
from latentwalk.models.base import Prior

PRIORS = ("gaussian", "uniform", "none")


def _shape_ok(value: Any) -> bool:
    try:
        dims = tuple(value)
    except TypeError:
        return False
    return bool(dims) and all(isinstance(d, int) and not isinstance(d, bool) and d >= 1 for d in dims)


def contract_problems(model: Any) -> list[str]:
    """What `model` lacks of the LatentModel contract (models/base.py), as short phrases."""
    problems = [f"`{name}` (a tuple of positive ints)" for name in ("latent_shape", "data_shape")
                if not _shape_ok(getattr(model, name, None))]
    if not callable(getattr(model, "decode", None)):
        problems.append("a `decode(z)` method")
    has_encoder = getattr(model, "has_encoder", True)
    method = "encode" if has_encoder else "invert"
    if not callable(getattr(model, method, None)):
        problems.append(f"an `{method}(x)` method")
    if getattr(model, "prior", "none") not in PRIORS:
        problems.append(f"`prior` among {', '.join(PRIORS)}")
    from latentwalk.modalities import MODALITIES

    if getattr(model, "modality", "image") not in MODALITIES:
        problems.append(f"`modality` among {', '.join(MODALITIES.names())}")
    return problems


def check_contract(model: Any, spec: str) -> None:
    problems = contract_problems(model)
    if problems:
        raise InvalidParameterError(
            f"'{spec}' is not a latent model latentwalk can walk: it needs {'; '.join(problems)} "
            "(see docs/models.md, or wrap your callables with latentwalk.wrap)."
        )


class Model:
    """A loaded model that knows itself: the family's module, its config and its metadata (spec,
    family, weights hash, shapes, what it was trained on), on one device. It meets the
    `LatentModel` contract by handing encode / decode / invert to the module."""

    def __init__(self, module: Any, meta: dict[str, Any], spec: str) -> None:
        check_contract(module, spec)
        self.module = module
        self.meta = {**meta, "spec": spec}
        self.spec = spec

    # the contract, handed on
    @property
    def latent_shape(self) -> tuple[int, ...]:
        return tuple(self.module.latent_shape)

    @property
    def data_shape(self) -> tuple[int, ...]:
        return tuple(self.module.data_shape)

    @property
    def prior(self) -> Prior:
        return cast(Prior, getattr(self.module, "prior", "none"))  # checked by check_contract

    @property
    def modality(self) -> str:
        return str(getattr(self.module, "modality", "image"))

    @property
    def has_encoder(self) -> bool:
        return bool(getattr(self.module, "has_encoder", True))

    @property
    def last_inversion(self) -> Any:
        return getattr(self.module, "last_inversion", None)

    @property
    def config(self) -> Any:
        return getattr(self.module, "config", None) or self.meta.get("config")

    def encode(self, x: torch.Tensor) -> Any:
        return self.module.encode(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.module.decode(z)

    def invert(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.module.invert(x, generator=generator)

    @property
    def device(self) -> torch.device:
        return device_of(self.module)

    def to(self, device: str | torch.device) -> Model:
        if hasattr(self.module, "to"):
            self.module.to(device)
        return self

    def __getattr__(self, name: str) -> Any:
        """A family's own extras (a GAN's `sample`, a diffusion model's scheduler) reach the module."""
        if name.startswith("__") or name == "module":
            raise AttributeError(name)
        return getattr(self.module, name)

    def __repr__(self) -> str:
        sha = str(self.meta.get("weights_sha256") or "")[:12]
        return (f"Model({self.spec!r}, family={self.meta.get('family')}, latent={self.latent_shape}, "
                f"data={self.data_shape}, prior={self.prior}, modality={self.modality}, "
                f"device={self.device}{', sha256=' + sha + '…' if sha else ''})")


def device_of(model: Any) -> torch.device:
    """Where a model's weights are (a Model's own device; CPU for a model without parameters)."""
    if isinstance(model, Model):
        return model.device
    params = getattr(model, "parameters", None)
    first = next(iter(params()), None) if callable(params) else None
    return first.device if first is not None else torch.device("cpu")


def as_model(model: Any, spec: str = "model") -> Model:
    """A Model as it is; any other object meeting the contract (a family module) wrapped in one."""
    return model if isinstance(model, Model) else Model(model, dict(getattr(model, "meta", None) or {}), spec)
