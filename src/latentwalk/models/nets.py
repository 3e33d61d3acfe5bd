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


def _levels(size: int) -> int:
    """Halvings from `size` down to a 4x4 map (size must be 4 times a power of two)."""
    return max(1, (size // 4).bit_length() - 1)


class DeepEncoder(nn.Module):
    """Stride-2 convolutions down to a 4x4 map (channels doubling from `width`, at most 8x), then a
    linear layer to the code: for larger colour images (faces, 64x64), where two layers are too few."""

    def __init__(self, channels: int, size: int, width: int, out_dim: int) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c_in = channels
        for k in range(_levels(size)):
            c_out = width * min(2**k, 8)
            layers += [nn.Conv2d(c_in, c_out, 4, stride=2, padding=1), nn.SiLU()]
            c_in = c_out
        self.net = nn.Sequential(*layers, nn.Flatten(), nn.Linear(c_in * 16, out_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class DeepDecoder(nn.Module):
    """The mirror of DeepEncoder: a linear layer to a 4x4 map, then per level a nearest-neighbour
    2x upsampling and a 3x3 convolution (Odena et al. 2016, "Deconvolution and Checkerboard
    Artifacts": resize then convolve leaves no checkerboard); the last level convolves to the
    image's channels."""

    def __init__(self, channels: int, size: int, width: int, latent_dim: int) -> None:
        super().__init__()
        n = _levels(size)
        widths = [width * min(2**k, 8) for k in reversed(range(n))]  # 4x4 map's channels first
        self.first = widths[0]
        self.fc = nn.Sequential(nn.Linear(latent_dim, self.first * 16), nn.SiLU())
        layers: list[nn.Module] = []
        for k in range(n):
            last = k == n - 1
            c_out = channels if last else widths[k + 1]
            layers += [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(widths[k], c_out, 3, padding=1)]
            if not last:
                layers.append(nn.SiLU())
        self.net = nn.Sequential(*layers)

    def logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(self.fc(z).view(-1, self.first, 4, 4))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.logits(z))


def make_nets(
    arch: str, channels: int, size: int, width: int, code_dim: int, latent_dim: int, depth: int = 1
) -> tuple[Encoder | MLPEncoder | DeepEncoder, Decoder | MLPDecoder | DeepDecoder]:
    """(encoder with `code_dim` outputs, decoder from `latent_dim`) for arch 'conv', 'deep' or 'mlp'."""
    if arch == "mlp":
        return (MLPEncoder(channels, size, width, code_dim, depth), MLPDecoder(channels, size, width, latent_dim, depth))
    if arch == "deep":
        return DeepEncoder(channels, size, width, code_dim), DeepDecoder(channels, size, width, latent_dim)
    return Encoder(channels, size, width, code_dim), Decoder(channels, size, width, latent_dim)
