"""ACAI (Berthelot et al. 2019): the two players' losses are the paper's, the critic is trained and
then dropped, the average of the weights is what is kept, and a seed gives the same bytes."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest
import torch

from latentwalk.errors import InvalidParameterError
from latentwalk.models import build, load_checkpoint, save_checkpoint, train
from latentwalk.models.acai import ACAIConfig, ACAITrainConfig, AudioACAIConfig
from latentwalk.models.training import Optimization, Run

TINY = ACAIConfig(channels=1, size=16, latent_dim=4, width=2, arch="mlp", depth=1)


def _images(n: int = 32, seed: int = 0) -> torch.Tensor:
    return torch.rand(n, 1, 16, 16, generator=torch.Generator().manual_seed(seed)).round()


def _run(model: torch.nn.Module, cfg: ACAITrainConfig, seed: int = 0) -> Run:
    return Run(cfg, torch.Generator().manual_seed(seed), model.configure_optimizers(cfg, 10))


def test_defaults_are_the_papers() -> None:
    assert (ACAIConfig().lam, ACAIConfig().gamma) == (0.5, 0.2)


@pytest.mark.parametrize("field, value", [("lam", -0.1), ("gamma", 1.5), ("ema", 1.0)])
def test_bad_parameters_are_refused(field: str, value: float) -> None:
    with pytest.raises(InvalidParameterError, match=field):
        ACAIConfig(**{field: value})


def test_training_step_computes_the_papers_losses() -> None:
    """Recompute both losses by hand from the same draws of alpha: L_ae = |x - x_hat|^2 + lam |d(x_alpha)|^2,
    L_d = |d(x_alpha) - alpha|^2 + |d(gamma x + (1 - gamma) x_hat)|^2, on the [-1, 1] scale."""
    model = build("acai", TINY, seed=0)
    cfg = ACAITrainConfig(steps=1, lr=1e-12)  # a step that changes (almost) nothing
    run = _run(model, cfg)
    x = _images(8)
    g = torch.Generator().manual_seed(5)
    run.generator = g
    with torch.no_grad():
        z = model.encoder(x)
        x_hat = model.decoder(z)
        alpha = 0.5 * torch.rand((8, 1), generator=torch.Generator().manual_seed(5))
        x_mix = model.decoder(alpha * z + (1 - alpha) * z.flip(0))
        d = model.critic
        rec = ((2 * x_hat - 1) - (2 * x - 1)).pow(2).mean()
        want_ae = rec + 0.5 * d(2 * x_mix - 1).pow(2).mean()
        blend = 0.2 * x + 0.8 * x_hat
        want_critic = (d(2 * x_mix - 1) - alpha.flatten()).pow(2).mean() + d(2 * blend - 1).pow(2).mean()
    got = model.training_step(x, run)
    assert float(got["loss"]) == pytest.approx(float(want_ae), rel=1e-5)
    assert float(got["recon"]) == pytest.approx(float(rec), rel=1e-5)
    assert float(got["critic"]) == pytest.approx(float(want_critic), rel=1e-4)


def test_the_critic_learns_the_mixing_coefficient() -> None:
    """With the autoencoder frozen, the critic's error on alpha falls well below guessing 1/4."""
    model = build("acai", TINY, seed=0)
    cfg = ACAITrainConfig(steps=300, lr=3e-3)
    run = _run(model, cfg)
    x = _images(64)
    run.optimization.optimizers["autoencoder"].param_groups[0]["lr"] = 0.0
    for _ in range(300):
        losses = model.training_step(x, run)
    # guessing alpha's mean (1/4) for mixes and 0 for real data costs Var(U[0, 1/2]) + 1/16 = 0.083
    assert float(losses["critic"]) < 0.03


def test_critic_is_dropped_and_the_checkpoint_holds_the_autoencoder(tmp_path: Path) -> None:
    model = build("acai", TINY, seed=0)
    train(model, _images(), ACAITrainConfig(steps=6, val_every=3), progress=False)
    assert not hasattr(model, "critic")
    assert not any(k.startswith("critic") for k in model.state_dict())
    loaded, meta = load_checkpoint(save_checkpoint(model, tmp_path / "acai"))
    assert meta["family"] == "acai" and meta["config"]["lam"] == 0.5
    x = _images(4)
    with torch.no_grad():
        assert torch.equal(loaded.decode(loaded.encode(x).mode()), model.decode(model.encode(x).mode()))


def test_the_kept_weights_are_the_moving_average() -> None:
    """ema = d: after the run, each weight is the average w_1 -> avg = d avg + (1 - d) w_t of the iterates."""
    model = build("acai", ACAIConfig(**{**TINY.__dict__, "ema": 0.5}), seed=0)
    iterates: list[list[torch.Tensor]] = []
    own = model.on_step_end

    def spy(run: Run) -> None:
        iterates.append([p.detach().clone() for p in model._autoencoder_parameters()])
        own(run)

    model.on_step_end = spy  # type: ignore[method-assign]
    train(model, _images(), ACAITrainConfig(steps=4, val_every=2), progress=False)
    avg = iterates[0]
    for it in iterates[1:]:
        avg = [0.5 * a + 0.5 * w for a, w in zip(avg, it, strict=True)]
    last = iterates[-1]
    kept = list(model.parameters())
    assert all(torch.allclose(k, a, atol=1e-6) for k, a in zip(kept, avg, strict=True))
    assert not all(torch.equal(k, w) for k, w in zip(kept, last, strict=True))


def test_same_seed_same_bytes() -> None:
    cfg = ACAITrainConfig(steps=5, val_every=5, lr_final=0.1)
    a, b = build("acai", TINY, seed=3), build("acai", TINY, seed=3)
    train(a, _images(), cfg, progress=False)
    train(b, _images(), cfg, progress=False)
    assert all(torch.equal(a.state_dict()[k], v) for k, v in b.state_dict().items())


def test_learning_rate_decays_along_the_cosine_to_its_floor() -> None:
    model = build("acai", TINY, seed=0)
    opt: Optimization = model.configure_optimizers(ACAITrainConfig(lr=1e-3, lr_final=0.1), total_steps=10)
    lrs = []
    for _ in range(10):
        for o in opt.optimizers.values():
            o.step()
        for s in opt.schedulers:
            s.step()
        lrs.append(opt.optimizers["autoencoder"].param_groups[0]["lr"])
    assert lrs[-1] == pytest.approx(1e-4) and lrs[4] == pytest.approx(1e-4 + 0.9e-3 * 0.5 * (1 + math.cos(math.pi / 2)))
    assert all(x >= y for x, y in itertools.pairwise(lrs))


def test_sound_acai_trains_on_spectrograms() -> None:
    cfg = AudioACAIConfig(bins=16, frames=6, latent_dim=2, hidden=8, depth=1, pool=3)
    model = build("audio-acai", cfg, seed=0)
    x = torch.rand(16, 1, 16, 6, generator=torch.Generator().manual_seed(1))
    report = train(model, x, ACAITrainConfig(steps=4, val_every=2), progress=False)
    assert math.isfinite(report.best_val_loss) and model.modality == "audio" and model.prior == "none"
    assert model.decode(torch.zeros(1, 2)).shape == (1, 1, 16, 6)
