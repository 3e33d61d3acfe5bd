"""Small encoders and decoders shared by the AE and VAE families (convolutional or MLP).

Two stride-2 convolutions take (C, H, W) to (width*2, H/4, W/4); a linear layer maps that to the
code. The decoder mirrors it with transposed convolutions and ends in a sigmoid, so frames are
in [0, 1]. Sized so that training on 2 CPU cores takes seconds.
"""

from __future__ import annotations

import itertools

import torch
from torch import nn


class Encoder(nn.Module):
    def __init__(self, channels: int, size: int, width: int, out_dim: int) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(channels, width, 4, stride=2, padding=1),
            nn.SiLU(),
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1),
            nn.SiLU(),
            nn.Flatten(),
            nn.Linear(2 * width * (size // 4) ** 2, 4 * width),
            nn.SiLU(),
            nn.Linear(4 * width, out_dim),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)  # (B, out_dim)


class Decoder(nn.Module):
    def __init__(self, channels: int, size: int, width: int, latent_dim: int) -> None:
        super().__init__()
        self.width, self.side = width, size // 4
        self.fc = nn.Sequential(
            nn.Linear(latent_dim, 4 * width),
            nn.SiLU(),
            nn.Linear(4 * width, 2 * width * self.side**2),
            nn.SiLU(),
        )
        self.net = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1),
            nn.SiLU(),
            nn.ConvTranspose2d(width, channels, 4, stride=2, padding=1),
        )

    def logits(self, z: torch.Tensor) -> torch.Tensor:
        h = self.fc(z).view(-1, 2 * self.width, self.side, self.side)  # (B, 2w, H/4, W/4)
        return self.net(h)  # (B, C, H, W)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.logits(z))


def mlp(sizes: list[int]) -> nn.Sequential:
    """Linear layers with SiLU between them (none after the last)."""
    layers: list[nn.Module] = []
    for a, b in itertools.pairwise(sizes):
        layers += [nn.Linear(a, b), nn.SiLU()]
    return nn.Sequential(*layers[:-1])


class MLPEncoder(nn.Module):
    """Fully connected encoder: cheaper than convolutions on 2 CPU cores for sparse 32x32 images."""

    def __init__(self, channels: int, size: int, width: int, out_dim: int, depth: int = 1) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), mlp([channels * size * size, *[16 * width] * depth, out_dim]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class MLPDecoder(nn.Module):
    def __init__(self, channels: int, size: int, width: int, latent_dim: int, depth: int = 1) -> None:
        super().__init__()
        self.shape = (channels, size, size)
        self.net = mlp([latent_dim, *[16 * width] * depth, channels * size * size])

    def logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).view(-1, *self.shape)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.logits(z))


def make_nets(
    arch: str, channels: int, size: int, width: int, code_dim: int, latent_dim: int, depth: int = 1
) -> tuple[Encoder | MLPEncoder, Decoder | MLPDecoder]:
    """(encoder with `code_dim` outputs, decoder from `latent_dim`) for arch 'conv' or 'mlp'."""
    if arch == "mlp":
        return (MLPEncoder(channels, size, width, code_dim, depth), MLPDecoder(channels, size, width, latent_dim, depth))
    return Encoder(channels, size, width, code_dim), Decoder(channels, size, width, latent_dim)
