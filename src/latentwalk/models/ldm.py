"""The latent-diffusion autoencoder family: diffusers' `AutoencoderKL` behind the `LatentModel` contract.

Rombach et al., "High-Resolution Image Synthesis with Latent Diffusion Models", CVPR 2022: a
KL-regularised autoencoder maps an image to a small (C, H/f, W/f) latent on which diffusion runs.
Its latents are multiplied by `scaling_factor` (about 1/std of the latents, 0.18215 for Stable
Diffusion) so that they have roughly unit variance; we walk in that scaled space, where the
prior of the diffusion model is N(0, I).

- `encode` gives the posterior q(z|x) as a latentwalk `DiagonalGaussian` already scaled (walks
  use its mean; `.sample(generator)` draws from it); `decode` undoes the scaling.
- Images are in [0, 1] for latentwalk and in [-1, 1] for diffusers; the adapter converts.
- `load_autoencoder_kl(folder)` reads a diffusers folder (`save_pretrained` output, or a pipeline
  folder with a `vae/` subfolder) from disk only, with safetensors weights only: latentwalk never
  downloads and never unpickles.
- Training a small one here runs in the shared loop (models/training.py) with `LDMTrainConfig`:
  reconstruction + a small KL weight, as the paper's f=4 KL models; the `on_fit_end` hook then
  sets `scaling_factor` to 1/std of the training latents, as was done for Stable Diffusion.

diffusers is an optional extra (`pip install 'latentwalk[diffusion]'`), imported lazily.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

import torch
from torch import nn

from latentwalk.errors import CheckpointError, InvalidParameterError, require
from latentwalk.models.base import DiagonalGaussian, check_batch, randn
from latentwalk.models.families import FAMILIES
from latentwalk.models.training import Losses, Run, TrainConfig

DIFFUSERS_WEIGHTS = "diffusion_pytorch_model.safetensors"
HUB_NAME = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def _diffusers() -> Any:
    return require("diffusers", "diffusion")


@dataclass(frozen=True)
class LDMConfig:
    """The `AutoencoderKL` arguments latentwalk keeps (down/up blocks are the plain KL ones)."""

    in_channels: int = 1
    sample_size: int = 16
    block_out_channels: tuple[int, ...] = (16, 32, 32)
    layers_per_block: int = 1
    latent_channels: int = 4
    norm_num_groups: int = 8
    scaling_factor: float = 1.0
    shift_factor: float | None = None
    mid_block_add_attention: bool = True
    use_quant_conv: bool = True
    use_post_quant_conv: bool = True

    def __post_init__(self) -> None:
        f = 2 ** (len(self.block_out_channels) - 1)
        if self.sample_size % f:
            raise InvalidParameterError(
                f"`sample_size` has to be divisible by {f} (2 ** (blocks - 1)) but is {self.sample_size}."
            )
        if any(c % self.norm_num_groups for c in self.block_out_channels):
            raise InvalidParameterError(
                f"`block_out_channels` {self.block_out_channels} must all be divisible by `norm_num_groups` {self.norm_num_groups}."
            )

    def vae_kwargs(self) -> dict[str, Any]:
        n = len(self.block_out_channels)
        return {
            "in_channels": self.in_channels,
            "out_channels": self.in_channels,
            "down_block_types": ("DownEncoderBlock2D",) * n,
            "up_block_types": ("UpDecoderBlock2D",) * n,
            "block_out_channels": tuple(self.block_out_channels),
            "layers_per_block": self.layers_per_block,
            "latent_channels": self.latent_channels,
            "norm_num_groups": self.norm_num_groups,
            "sample_size": self.sample_size,
            "scaling_factor": self.scaling_factor,
            "shift_factor": self.shift_factor,
            "mid_block_add_attention": self.mid_block_add_attention,
            "use_quant_conv": self.use_quant_conv,
            "use_post_quant_conv": self.use_post_quant_conv,
        }

    @classmethod
    def from_vae_config(cls, c: Any) -> LDMConfig:
        """From a diffusers AutoencoderKL config (a FrozenDict)."""
        return cls(
            in_channels=int(c["in_channels"]),
            sample_size=int(c["sample_size"][0] if isinstance(c["sample_size"], (list, tuple)) else c["sample_size"]),
            block_out_channels=tuple(int(v) for v in c["block_out_channels"]),
            layers_per_block=int(c["layers_per_block"]),
            latent_channels=int(c["latent_channels"]),
            norm_num_groups=int(c["norm_num_groups"]),
            scaling_factor=float(c.get("scaling_factor") or 1.0),
            shift_factor=None if c.get("shift_factor") is None else float(c["shift_factor"]),
            mid_block_add_attention=bool(c.get("mid_block_add_attention", True)),
            use_quant_conv=bool(c.get("use_quant_conv", True)),
            use_post_quant_conv=bool(c.get("use_post_quant_conv", True)),
        )


@FAMILIES.register("ldm-ae")
class LatentDiffusionAE(nn.Module):
    """An `AutoencoderKL` as a LatentModel: x (B, C, S, S) in [0, 1] <-> z (B, c, S/f, S/f) scaled."""

    family = "ldm-ae"
    version: ClassVar[int] = 1
    config_class: ClassVar[type] = LDMConfig
    prior = "gaussian"
    modality = "image"

    def __init__(self, config: LDMConfig, vae: nn.Module | None = None) -> None:
        super().__init__()
        self.config = config
        # a diffusers AutoencoderKL: typed Any, as diffusers' lazy exports do not resolve for mypy
        self.vae: Any = vae if vae is not None else _diffusers().AutoencoderKL(**config.vae_kwargs())

    @property
    def data_shape(self) -> tuple[int, ...]:
        return (self.config.in_channels, self.config.sample_size, self.config.sample_size)

    @property
    def latent_shape(self) -> tuple[int, ...]:
        side = self.config.sample_size // 2 ** (len(self.config.block_out_channels) - 1)
        return (self.config.latent_channels, side, side)

    def _check(self, t: torch.Tensor, shape: tuple[int, ...], what: str) -> None:
        check_batch(t, shape, what)

    def _scale(self) -> tuple[float, float]:
        return self.config.scaling_factor, self.config.shift_factor or 0.0

    def encode(self, x: torch.Tensor) -> DiagonalGaussian:
        self._check(x, self.data_shape, "x")
        q = self.vae.encode(2 * x - 1).latent_dist  # diffusers wants [-1, 1]
        s, shift = self._scale()
        # z' = s (z - shift): the mean moves the same way, the variance by s^2
        return DiagonalGaussian(s * (q.mean - shift), q.logvar + 2 * math.log(s))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        self._check(z, self.latent_shape, "z")
        s, shift = self._scale()
        y = self.vae.decode(z / s + shift).sample
        return ((y + 1) / 2).clamp(0, 1)

    def training_loss(self, x: torch.Tensor, generator: torch.Generator | None = None, kl_weight: float = 1e-4) -> dict[str, torch.Tensor]:
        """Summed squared error + kl_weight * KL, per image (in the unscaled latent space)."""
        q = self.vae.encode(2 * x - 1).latent_dist
        eps = randn(q.mean.shape, generator, q.mean.device, q.mean.dtype)
        y = self.vae.decode(q.mean + q.std * eps).sample
        rec = ((y + 1) / 2 - x).pow(2).flatten(1).sum(1).mean()
        kl = 0.5 * (q.mean**2 + q.var - 1 - q.logvar).flatten(1).sum(1).mean()
        return {"loss": rec + kl_weight * kl, "recon": rec, "kl": kl}

    def training_step(self, batch: torch.Tensor, run: Run) -> Losses:
        """The shared loop's step with this family's KL weight (from `LDMTrainConfig`)."""
        losses = self.training_loss(batch, run.generator, getattr(run.cfg, "kl_weight", LDMTrainConfig.kl_weight))
        run.optimise(losses["loss"])
        return losses

    def on_fit_end(self, x: torch.Tensor) -> None:
        """Rombach et al. 2022: scale latents to unit variance, scaling_factor = 1/std of the
        training latents (as 0.18215 was measured for Stable Diffusion)."""
        self.config = replace(self.config, scaling_factor=round(1.0 / max(latent_std(self, x), 1e-6), 5))
        self.vae.register_to_config(scaling_factor=self.config.scaling_factor)

    def save_pretrained(self, folder: str | Path) -> Path:
        """Write a diffusers folder (config.json + safetensors) that diffusers itself can load."""
        self.vae.register_to_config(scaling_factor=self.config.scaling_factor, shift_factor=self.config.shift_factor)
        self.vae.save_pretrained(str(folder), safe_serialization=True)
        return Path(folder)


# ----------------------------------------------------------------------------------------------
# Loading a diffusers folder from disk


def is_diffusers_folder(path: str | Path) -> bool:
    """A folder holding a diffusers AutoencoderKL config (itself or in `vae/`)."""
    return _vae_folder(Path(path)) is not None


def _vae_folder(p: Path) -> Path | None:
    for folder in (p, p / "vae"):
        cfg = folder / "config.json"
        if cfg.is_file():
            try:
                if json.loads(cfg.read_text()).get("_class_name") == "AutoencoderKL":
                    return folder
            except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
                return None
    return None


def looks_like_hub_name(spec: str) -> bool:
    """'org/name' that is not a path on this machine (a Hugging Face hub repository id)."""
    return bool(HUB_NAME.match(spec)) and not Path(spec).exists()


def hub_name_error(spec: str) -> CheckpointError:
    # diffusers' own message offline ("does not appear to have a file named config.json") sends
    # people looking for a missing file; the truth is that nothing is downloaded.
    return CheckpointError(
        f"'{spec}' is not a folder on this machine; latentwalk never downloads models. If it is a "
        f"Hugging Face hub name, fetch it once (`hf download {spec} --local-dir DIR`) and pass DIR."
    )


def load_autoencoder_kl(path: str | Path) -> tuple[LatentDiffusionAE, dict[str, Any]]:
    """A local diffusers AutoencoderKL folder -> (model in eval mode, metadata)."""
    p = Path(path)
    if not p.exists():
        raise hub_name_error(str(path)) if looks_like_hub_name(str(path)) else CheckpointError(f"Folder '{p}' does not exist.")
    folder = _vae_folder(p)
    if folder is None:
        raise CheckpointError(f"'{p}' has no AutoencoderKL config.json (nor vae/config.json); give the folder `save_pretrained` wrote.")
    if not (folder / DIFFUSERS_WEIGHTS).is_file():
        raise CheckpointError(
            f"'{folder}' has no {DIFFUSERS_WEIGHTS}; latentwalk loads safetensors only (a .bin file is a pickle, "
            "which can run code). Convert it with diffusers: `AutoencoderKL.from_pretrained(...).save_pretrained(DIR)`."
        )
    vae = _diffusers().AutoencoderKL.from_pretrained(
        str(folder), local_files_only=True, use_safetensors=True, low_cpu_mem_usage=False
    )
    model = LatentDiffusionAE(LDMConfig.from_vae_config(vae.config), vae).eval()
    digest = hashlib.sha256((folder / DIFFUSERS_WEIGHTS).read_bytes()).hexdigest()
    meta = {"family": "ldm-ae", "source": "diffusers", "path": str(folder), "weights_sha256": digest,
            "config": {k: v for k, v in vae.config.items() if not k.startswith("_")}}
    return model, meta


# ----------------------------------------------------------------------------------------------
# Training a small one here


@dataclass(frozen=True)
class LDMTrainConfig(TrainConfig):
    """Shuffled epochs over all the data (no held-out split, no early stopping): the autoencoder is
    judged by its reconstructions, and every item helps the scaling factor."""

    epochs: int = 12
    patience: int | None = None
    val_fraction: float = 0.0
    kl_weight: float = 1e-4

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.kl_weight >= 0:
            raise InvalidParameterError(f"The 'kl_weight' parameter of LDMTrainConfig must be >= 0. Got {self.kl_weight} instead.")


@torch.no_grad()
def latent_std(model: LatentDiffusionAE, x: torch.Tensor) -> float:
    """Std of the unscaled posterior means over x: 1/this is the scaling factor."""
    means = [model.vae.encode(2 * x[i : i + 256] - 1).latent_dist.mean for i in range(0, len(x), 256)]
    return float(torch.cat(means).std())
