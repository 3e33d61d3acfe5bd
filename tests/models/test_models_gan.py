"""GAN family: the hinge game with a spectrally normalised critic, the generator's average kept,
the inversion encoder's two losses and its start for `invert`; no encode (a named error),
inversion recovers sampled codes' images, checkpoints, same seed -> same bytes."""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import torch
from families_tiny import TINY_GAN  # type: ignore[import-not-found]

from latentwalk.errors import InvalidParameterError, UnsupportedOperationError
from latentwalk.models import build, load_checkpoint, save_checkpoint, train
from latentwalk.models.gan import DCGAN, GANTrainConfig, _ema_decay, _encoder, hinge_d_loss, hinge_g_loss
from latentwalk.models.inversion import InversionConfig, invert_decoder

# Pixel MSE in [0, 1] images. A random code's image is ~0.05-0.1 away from a target; inversion
# of an image the generator can make must get an order of magnitude closer.
INVERSION_MSE_BOUND = 5e-3


def test_encode_says_to_invert(trained_gan: torch.nn.Module) -> None:
    with pytest.raises(UnsupportedOperationError, match="invert"):
        trained_gan.encode(torch.zeros(1, 1, 16, 16))


def test_inversion_recovers_a_sampled_codes_image(trained_gan: torch.nn.Module) -> None:
    g = torch.Generator().manual_seed(3)
    z_true = trained_gan.sample_latents(4, g)
    with torch.no_grad():
        x = trained_gan.decode(z_true)
        others = trained_gan.decode(trained_gan.sample_latents(64, g))  # (64, *X)
        baseline = (others[:, None] - x[None]).pow(2).flatten(2).mean(2)  # (64, 4): random codes' errors
    z_hat = trained_gan.invert(x, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        err = (trained_gan.decode(z_hat) - x).pow(2).flatten(1).mean(1)
    assert z_hat.shape == z_true.shape
    assert float(err.max()) < INVERSION_MSE_BOUND, err
    assert float(err.mean()) < 0.2 * float(baseline.mean())
    report = trained_gan.last_inversion
    assert report is not None and len(report["mse"]) == 4 and report["restarts"] == trained_gan.inversion.restarts


def test_inversion_is_deterministic_with_a_seed(trained_gan: torch.nn.Module) -> None:
    x = torch.rand(2, 1, 16, 16)
    cfg = InversionConfig(steps=20, restarts=2)
    a = trained_gan.invert(x, torch.Generator().manual_seed(1), cfg)
    b = trained_gan.invert(x, torch.Generator().manual_seed(1), cfg)
    assert torch.equal(a, b)


def test_inversion_leaves_global_rng_and_weights_alone(trained_gan: torch.nn.Module) -> None:
    before = [p.detach().clone() for p in trained_gan.parameters()]
    trained_gan.zero_grad(set_to_none=True)
    x = torch.rand(1, 1, 16, 16)
    state = torch.random.get_rng_state()
    trained_gan.invert(x, torch.Generator().manual_seed(0), InversionConfig(steps=5, restarts=1))
    assert torch.equal(state, torch.random.get_rng_state())
    assert all(torch.equal(a, b) for a, b in zip(before, trained_gan.parameters()))
    assert all(p.grad is None for p in trained_gan.parameters())


def test_bad_inputs_raise(trained_gan: torch.nn.Module) -> None:
    with pytest.raises(InvalidParameterError, match="shape"):
        trained_gan.invert(torch.rand(2, 1, 8, 8))
    with pytest.raises(InvalidParameterError, match="shape"):
        trained_gan.decode(torch.zeros(2, 3))
    with pytest.raises(InvalidParameterError, match="restarts"):
        InversionConfig(restarts=0)


def test_checkpoint_round_trip(trained_gan: torch.nn.Module, tmp_path: Path) -> None:
    save_checkpoint(trained_gan, tmp_path / "gan")
    loaded, meta = load_checkpoint(tmp_path / "gan")
    z = torch.randn(3, 8, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.allclose(loaded.decode(z), trained_gan.decode(z))
    assert meta["family"] == "gan"


def test_walk_between_inverted_inputs_records_the_inversion(trained_gan: torch.nn.Module, digits: torch.Tensor) -> None:
    from latentwalk.data import Item
    from latentwalk.pipeline import run_walk

    items = [Item(digits[0], "digits:0"), Item(digits[1], "digits:1")]
    res = run_walk(trained_gan, items, ["slerp"], steps=5)
    assert res.walks["slerp"].frames.shape == (5, 1, 16, 16)
    assert res.params["inversion"]["restarts"] >= 1 and len(res.params["inversion"]["mse"]) == 2


# ----------------------------------------------------------------------------------------------
# Issue 9: hinge loss, spectral norm, the average kept, the inversion encoder

TINY_RUN = GANTrainConfig(steps=8, batch_size=16, ema=0.5, encoder_fraction=0.25)  # 6 game steps, 2 encoder steps


@pytest.fixture(scope="module")
def inverting_gan(digits: torch.Tensor) -> torch.nn.Module:
    """A tiny GAN whose encoder had time to learn (150 game steps, then 150 encoder steps), on all
    but the last 64 digits."""
    model = build("gan", TINY_GAN, seed=0)
    train(model, digits[:-64], GANTrainConfig(steps=300, batch_size=32, encoder_fraction=0.5, encoder_lr=3e-3), progress=False)
    return model.eval()


def test_hinge_losses_by_hand() -> None:
    real, fake = torch.tensor([2.0, 0.5, -1.0]), torch.tensor([-2.0, 0.0, 1.5])
    # critic: mean(max(0, 1 - [2, .5, -1])) + mean(max(0, 1 + [-2, 0, 1.5])) = mean(0, .5, 2) + mean(0, 1, 2.5)
    assert float(hinge_d_loss(real, fake)) == pytest.approx(2.5 / 3 + 3.5 / 3)
    assert float(hinge_g_loss(fake)) == pytest.approx(0.5 / 3)  # -mean(-2, 0, 1.5)


def test_the_game_step_plays_the_hinge_loss(digits: torch.Tensor, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[torch.Tensor] = []
    original = hinge_d_loss

    def spy(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        out = original(real, fake)
        seen.append(out.detach())
        return out

    monkeypatch.setattr("latentwalk.models.gan.hinge_d_loss", spy)
    model = build("gan", TINY_GAN, seed=0)
    report = train(model, digits[:64], TINY_RUN, progress=False)
    assert len(seen) == 6  # one per game step, none in the encoder's steps
    assert report.history[0]["loss"] == pytest.approx(float(seen[0]), rel=1e-5)  # val_every 1 step: round 0 is step 0


def test_every_critic_layer_is_spectrally_normalised(trained_gan: torch.nn.Module) -> None:
    layers = [m for m in trained_gan.discriminator.modules() if isinstance(m, torch.nn.Conv2d | torch.nn.Linear)]
    assert len(layers) == 3
    for layer in layers:
        assert torch.nn.utils.parametrize.is_parametrized(layer, "weight")
        sigma = torch.linalg.matrix_norm(layer.weight.detach().flatten(1), 2)  # what Miyato et al. normalise
        assert float(sigma) == pytest.approx(1.0, abs=0.05)


def _live_generators(monkeypatch: pytest.MonkeyPatch) -> list[list[torch.Tensor]]:
    """The generator's own (not averaged) weights after every step, recorded as training runs."""
    live: list[list[torch.Tensor]] = []
    original = DCGAN.on_step_end

    def spy(self: DCGAN, run: Any) -> None:
        live.append([p.detach().clone() for p in self.generator.parameters()])
        original(self, run)

    monkeypatch.setattr(DCGAN, "on_step_end", spy)
    return live


def test_the_average_of_the_generator_is_what_is_kept(digits: torch.Tensor, monkeypatch: pytest.MonkeyPatch) -> None:
    live = _live_generators(monkeypatch)
    model = build("gan", TINY_GAN, seed=0)
    train(model, digits[:64], TINY_RUN, progress=False)
    game = live[:6]
    assert all(torch.equal(a, b) for a, b in zip(live[6], live[-1], strict=True))  # the encoder's steps leave G alone
    expected = [p.clone() for p in game[0]]
    for step, params in enumerate(game[1:], start=2):
        d = _ema_decay(TINY_RUN.ema, step)
        expected = [e * d + p * (1 - d) for e, p in zip(expected, params, strict=True)]
    kept = list(model.generator.parameters())
    assert all(torch.allclose(k, e, atol=1e-6) for k, e in zip(kept, expected, strict=True))
    assert not all(torch.equal(k, p) for k, p in zip(kept, game[-1], strict=True))  # not the last iterate


def test_the_saved_generator_is_the_average(digits: torch.Tensor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    live = _live_generators(monkeypatch)
    model = build("gan", TINY_GAN, seed=0)
    train(model, digits[:64], TINY_RUN, progress=False)
    loaded, _ = load_checkpoint(save_checkpoint(model, tmp_path / "gan"))
    saved = list(loaded.generator.parameters())
    assert all(torch.equal(s, k) for s, k in zip(saved, model.generator.parameters(), strict=True))
    assert not all(torch.equal(s, p) for s, p in zip(saved, live[5], strict=True))


def test_the_encoder_losses_are_what_they_say(trained_gan: torch.nn.Module, digits: torch.Tensor) -> None:
    x, z = digits[:8], torch.randn(8, TINY_GAN.latent_dim, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        losses = trained_gan.encoder_losses(x, z)
        latent = (trained_gan.encoder(trained_gan.decode(z)) - z).pow(2).mean()
        pixel = (trained_gan.decode(trained_gan.encoder(x)) - x).pow(2).mean()
    assert set(losses) == {"latent", "pixel"}
    assert float(losses["latent"]) == pytest.approx(float(latent), rel=1e-5)
    assert float(losses["pixel"]) == pytest.approx(float(pixel), rel=1e-5)


def test_training_lowers_both_encoder_losses(inverting_gan: torch.nn.Module, digits: torch.Tensor) -> None:
    """The trained encoder against one fresh from its initialisation, on the same generator and held-out digits."""
    fresh = copy.deepcopy(inverting_gan)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        fresh.encoder = _encoder(TINY_GAN)
    x, z = digits[-64:], torch.randn(64, TINY_GAN.latent_dim, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        trained, untrained = inverting_gan.encoder_losses(x, z), fresh.encoder_losses(x, z)
    assert float(trained["latent"]) < 0.6 * float(untrained["latent"]), (trained, untrained)
    assert float(trained["pixel"]) < 0.6 * float(untrained["pixel"]), (trained, untrained)


def test_the_encoder_steps_train_the_encoder_alone(digits: torch.Tensor, monkeypatch: pytest.MonkeyPatch) -> None:
    states: list[dict[str, torch.Tensor]] = []
    original = DCGAN.on_step_end

    def spy(self: DCGAN, run: Any) -> None:
        original(self, run)
        states.append({k: v.detach().clone() for k, v in self.state_dict().items()})

    monkeypatch.setattr(DCGAN, "on_step_end", spy)
    report = train(build("gan", TINY_GAN, seed=0), digits[:64], TINY_RUN, progress=False)
    after_game, end = states[5], states[-1]
    changed = {k.split(".")[0] for k in end if not torch.equal(end[k], after_game[k])}
    assert changed == {"encoder"}
    assert {"encoder_latent", "encoder_pixel"} <= set(report.history[-1])


def test_invert_starts_from_the_encoder(inverting_gan: torch.nn.Module, digits: torch.Tensor) -> None:
    x = digits[-3:]
    with torch.no_grad():
        guess = inverting_gan.encoder(x)
    barely = InversionConfig(steps=1, restarts=1, lr=1e-6)  # one step of 1e-6 leaves the start where it was
    z = inverting_gan.invert(x, torch.Generator().manual_seed(0), barely)
    assert torch.allclose(z, guess, atol=1e-5)
    report = inverting_gan.last_inversion
    assert report is not None and "start_rmse" in report and report["start"].startswith("encoder")


def test_inversion_from_the_encoder_beats_inversion_from_zero(inverting_gan: torch.nn.Module, digits: torch.Tensor) -> None:
    x, short = digits[-16:], InversionConfig(steps=30, restarts=1, lr=0.02)  # held out from its training
    inverting_gan.invert(x, torch.Generator().manual_seed(0), short)
    assert inverting_gan.last_inversion is not None
    from_encoder = torch.tensor(inverting_gan.last_inversion["mse"]).mean()
    zero = torch.zeros(len(x), TINY_GAN.latent_dim)
    _, report = invert_decoder(inverting_gan.decode, x, inverting_gan.latent_shape, short, torch.Generator().manual_seed(0), start=zero)
    assert float(from_encoder) < 0.8 * float(torch.tensor(report["mse"]).mean())


def test_same_seed_gives_the_same_bytes(digits: torch.Tensor, tmp_path: Path) -> None:
    files = []
    for name in ("a", "b"):
        model = build("gan", TINY_GAN, seed=0)
        train(model, digits[:64], TINY_RUN, progress=False)
        files.append((save_checkpoint(model, tmp_path / name) / "model.safetensors").read_bytes())
    model = build("gan", TINY_GAN, seed=0)
    train(model, digits[:64], replace(TINY_RUN, seed=1), progress=False)
    other = (save_checkpoint(model, tmp_path / "c") / "model.safetensors").read_bytes()
    assert files[0] == files[1] and files[0] != other


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"ema": 1.0}, "'ema' parameter of GANTrainConfig"),
    ({"encoder_fraction": 1.0}, "'encoder_fraction' parameter of GANTrainConfig"),
    ({"encoder_lr": 0.0}, "'encoder_lr' parameter of GANTrainConfig"),
])
def test_bad_gan_train_config_raises(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        GANTrainConfig(**kwargs)
