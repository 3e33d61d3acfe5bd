"""The 'deep' image nets: down to a 4x4 map and back by resize-convolutions (no checkerboards)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from latentwalk.errors import InvalidParameterError
from latentwalk.models.autoencoders import ConvAEConfig
from latentwalk.models.nets import DeepDecoder, DeepEncoder
from latentwalk.models.training import TrainConfig, build, train


@pytest.mark.parametrize("size", [8, 16, 32, 64])
def test_deep_nets_reach_4x4_and_return_the_image_shape(size: int) -> None:
    enc, dec = DeepEncoder(3, size, 4, 10), DeepDecoder(3, size, 4, 5)
    x = torch.rand(2, 3, size, size)
    assert enc(x).shape == (2, 10)
    out = dec(torch.randn(2, 5))
    assert out.shape == (2, 3, size, size) and float(out.min()) >= 0 and float(out.max()) <= 1
    convs = [m for m in enc.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == {8: 1, 16: 2, 32: 3, 64: 4}[size]  # one halving per level down to 4x4
    assert not any(isinstance(m, nn.ConvTranspose2d) for m in dec.modules())


def test_deep_decoder_has_no_checkerboard_from_a_constant_map() -> None:
    """Resize then convolve: a constant 4x4 map decodes to an image without the period-2 pattern
    that transposed convolutions print (Odena et al. 2016) -- all interior pixels equal."""
    dec = DeepDecoder(1, 16, 4, 3)
    with torch.no_grad():
        for m in dec.modules():
            if isinstance(m, nn.Conv2d):
                m.weight.fill_(0.05)
                m.bias.zero_()
        dec.fc[0].weight.zero_()
        dec.fc[0].bias.fill_(1.0)
        img = dec.logits(torch.zeros(1, 3))[0, 0]
    inner = img[4:-4, 4:-4]
    assert float(inner.max() - inner.min()) < 1e-5


def test_deep_arch_wants_a_power_of_two_size() -> None:
    with pytest.raises(InvalidParameterError, match="power of two"):
        ConvAEConfig(channels=1, size=24, arch="deep")


def test_a_tiny_deep_autoencoder_learns() -> None:
    x = torch.zeros(100, 1, 16, 16)
    for k in range(100):  # a 6x6 square at 100 places
        i, j = divmod(k, 10)
        x[k, 0, i : i + 6, j : j + 6] = 1
    model = build("ae", ConvAEConfig(channels=1, size=16, latent_dim=4, width=4, arch="deep"), 0)

    def mse() -> float:
        with torch.no_grad():
            return float((model.decode(model.encode(x).mode()) - x).pow(2).mean())

    before = mse()
    train(model, x, TrainConfig(epochs=40, lr=3e-3, batch_size=20, val_fraction=0, patience=None), progress=False)
    assert mse() < 0.5 * before
