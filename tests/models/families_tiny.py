"""Tiny configs of the GAN, latent-diffusion and DDIM families (a module with a unique name, so
that tests can import it: several conftest.py files share that module name)."""

from __future__ import annotations

from latentwalk.models.ddim import DDIMConfig
from latentwalk.models.gan import GANConfig

TINY_GAN = GANConfig(channels=1, size=16, latent_dim=8, width=8)
TINY_DDIM = DDIMConfig(channels=1, size=16, width=8, sample_steps=100)


def tiny_ldm_config():  # type: ignore[no-untyped-def]
    from latentwalk.models.ldm import LDMConfig

    return LDMConfig(in_channels=1, sample_size=16, block_out_channels=(8, 8), latent_channels=2,
                     norm_num_groups=4, mid_block_add_attention=False)


def tiny_latent_ddim_config():  # type: ignore[no-untyped-def]
    """The `ldm` family on the tiny autoencoder above, untrained (no built-in first stage loaded)."""
    from latentwalk.models.latent_diffusion import LatentDDIMConfig

    return LatentDDIMConfig(autoencoder=tiny_ldm_config(), first_stage=None, width=8, sample_steps=3)
