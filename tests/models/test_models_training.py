"""The one trainer: every family trains through it with its own hooks, early stopping stops,
a seed gives bit-identical weights, and every built-in recipe still trains to a loadable checkpoint."""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from latentwalk.errors import InvalidParameterError
from latentwalk.models import BUILTINS, build, load_checkpoint, save_checkpoint
from latentwalk.models import training as T
from latentwalk.models.audio import AudioAEConfig
from latentwalk.models.autoencoders import ConvAEConfig
from latentwalk.models.builtin import fit_recipe
from latentwalk.models.ddim import DDIM, DDIMConfig, DDIMTrainConfig
from latentwalk.models.gan import DCGAN, GANConfig, GANTrainConfig
from latentwalk.models.inversion import InversionConfig
from latentwalk.models.training import Run, TrainConfig, TrainReport, train

HAS_DIFFUSERS = importlib.util.find_spec("diffusers") is not None
needs_diffusers = pytest.mark.skipif(not HAS_DIFFUSERS, reason="diffusers is not installed")


def _images(n: int = 48, size: int = 16, seed: int = 0) -> torch.Tensor:
    return torch.rand(n, 1, size, size, generator=torch.Generator().manual_seed(seed)).round()


def _tiny_ldm() -> Any:
    from latentwalk.models.ldm import LDMConfig

    return LDMConfig(in_channels=1, sample_size=16, block_out_channels=(8, 8), latent_channels=2,
                     norm_num_groups=4, mid_block_add_attention=False)


def _ldm_train() -> Any:
    from latentwalk.models.ldm import LDMTrainConfig

    return LDMTrainConfig(epochs=2, batch_size=16)


# family -> (config, a short training config, the data); each runs a handful of steps
FAMILY_RUNS: dict[str, Callable[[], tuple[Any, TrainConfig, torch.Tensor]]] = {
    "ae": lambda: (ConvAEConfig(latent_dim=2, width=4), TrainConfig(epochs=2, batch_size=16), _images()),
    "vae": lambda: (ConvAEConfig(latent_dim=2, width=4), TrainConfig(epochs=2, batch_size=16), _images()),
    "audio-vae": lambda: (AudioAEConfig(latent_dim=2, hidden=8, pool=9, arch="logconv", channels=4),
                          TrainConfig(epochs=2, batch_size=8), torch.rand(16, 1, 257, 63)),
    "gan": lambda: (GANConfig(size=16, latent_dim=4, width=8), GANTrainConfig(steps=6, batch_size=16), _images()),
    "ddim": lambda: (DDIMConfig(width=8, sample_steps=3), DDIMTrainConfig(steps=6, batch_size=16), _images()),
    "ldm-ae": lambda: (_tiny_ldm(), _ldm_train(), _images(32)),
}


def _params(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _fit(family: str, seed: int = 0) -> tuple[nn.Module, TrainReport, TrainConfig]:
    """A tiny model of `family` trained briefly; the run's seed is `seed`, the weights' 0."""
    if family == "ldm-ae" and not HAS_DIFFUSERS:
        pytest.skip("diffusers is not installed")
    config, cfg, x = FAMILY_RUNS[family]()
    model = build(family, config, seed=0)
    return model, train(model, x, replace(cfg, seed=seed), progress=False), cfg


def _n_train(family: str, cfg: TrainConfig) -> int:
    n = len(FAMILY_RUNS[family]()[2])
    return n - (max(1, int(n * cfg.val_fraction)) if cfg.val_fraction else 0)


def _spy(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[Any]:
    """Record the results of `owner.name` (a class's method or a module's function) while it runs."""
    calls: list[Any] = []
    original = getattr(owner, name)

    def spy(*args: Any) -> Any:
        out = original(*args)
        calls.append(out)
        return out

    monkeypatch.setattr(owner, name, spy)
    return calls


@pytest.mark.parametrize("family", list(FAMILY_RUNS))
def test_every_family_trains_in_the_shared_loop(family: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rounds = _spy(monkeypatch, T, "_round")  # the one loop's round: every family goes through it
    model, report, cfg = _fit(family)
    before = build(family, FAMILY_RUNS[family]()[0], seed=0).state_dict()
    assert isinstance(report, TrainReport) and len(rounds) == len(report.history) > 0
    assert report.steps_run == cfg.planned_steps(_n_train(family, cfg))
    assert math.isfinite(report.best_val_loss)
    assert all(math.isfinite(v) for h in report.history for v in h.values())
    changed = [k for k, v in model.state_dict().items() if v.is_floating_point() and not torch.equal(v, before[k])]
    assert changed, "training changed no weight"
    assert not model.training


def test_gan_plays_both_players_through_its_step(monkeypatch: pytest.MonkeyPatch) -> None:
    steps = _spy(monkeypatch, DCGAN, "training_step")
    before = build("gan", FAMILY_RUNS["gan"]()[0], seed=0)
    model, report, cfg = _fit("gan")
    assert len(steps) == cfg.steps and set(steps[0]) == {"loss", "loss_g"}
    for player in ("generator", "discriminator"):
        old, new = getattr(before, player).state_dict(), getattr(model, player).state_dict()
        assert any(not torch.equal(old[k], new[k]) for k in old if old[k].is_floating_point()), player
    # no held-out split: the report carries the discriminator's loss over the last round
    assert report.best_val_loss == pytest.approx(report.history[-1]["loss"])


def test_ddim_decays_its_learning_rate_through_configure_optimizers(monkeypatch: pytest.MonkeyPatch) -> None:
    made = _spy(monkeypatch, DDIM, "configure_optimizers")
    _, report, cfg = _fit("ddim")
    (optimization,) = made
    assert len(optimization.schedulers) == 1
    assert optimization.optimizers["unet"].param_groups[0]["lr"] < 1e-3 * cfg.lr  # cosine to 0 over the run
    assert "val_loss" in report.history[-1] and report.best_val_loss == report.history[-1]["val_loss"]


@needs_diffusers
def test_ldm_sets_its_scaling_factor_when_training_ends() -> None:
    from latentwalk.models.ldm import latent_std

    model, _, _ = _fit("ldm-ae")
    x = FAMILY_RUNS["ldm-ae"]()[2]
    assert model.config.scaling_factor == round(1 / latent_std(model, x), 5) != 1.0
    assert model.vae.config.scaling_factor == model.config.scaling_factor


class Toy(nn.Module):
    """A one-parameter family with its own hooks: w learns the data's mean."""

    def __init__(self, val_losses: list[float] | None = None) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.zeros(1))
        self.val_losses = list(val_losses or [])
        self.seen: list[tuple[int, torch.Tensor]] = []

    def training_loss(self, x: torch.Tensor, generator: torch.Generator | None) -> dict[str, torch.Tensor]:
        return {"loss": (x - self.w).pow(2).mean()}

    def on_step_end(self, run: Run) -> None:
        self.seen.append((run.step, self.w.detach().clone()))

    def validation_loss(self, x: torch.Tensor, generator: torch.Generator) -> float:
        return self.val_losses.pop(0) if self.val_losses else float((x - self.w).pow(2).mean())


def test_hooks_of_a_plug_in_family_are_called() -> None:
    model = Toy()
    x = torch.full((40, 1), 3.0)
    report = train(model, x, TrainConfig(epochs=3, batch_size=9, lr=0.1), progress=False)
    assert [s for s, _ in model.seen] == list(range(1, 3 * 4 + 1))  # 36 training items, batches of 9
    assert report.steps_run == 12 and report.epochs_run == 3
    assert report.history[-1]["val_loss"] < report.history[0]["val_loss"]
    assert 0 < float(model.w.detach()) < 3


def test_early_stopping_stops_and_keeps_the_best_weights() -> None:
    model = Toy(val_losses=[1.0, 2.0, 3.0, 4.0])  # the first epoch is the best; patience 2 stops at the third
    x = torch.full((40, 1), 3.0)
    report = train(model, x, TrainConfig(epochs=10, batch_size=36, lr=0.1, patience=2), progress=False)
    assert report.stopped_early and report.epochs_run == 3 and report.best_val_loss == 1.0
    assert len(model.seen) == 3 and torch.equal(model.w.detach(), model.seen[0][1])


def test_without_patience_training_runs_to_the_end() -> None:
    model = Toy(val_losses=[1.0, 2.0, 3.0, 4.0])
    report = train(model, torch.ones(40, 1), TrainConfig(epochs=4, batch_size=36, patience=None), progress=False)
    assert not report.stopped_early and report.epochs_run == 4 and report.best_val_loss == 4.0


@pytest.mark.parametrize("family", ["vae", "gan", "ddim"])
def test_same_seed_gives_bit_identical_weights(family: str) -> None:
    state = torch.random.get_rng_state()
    a, ra, _ = _fit(family, seed=1)
    b, rb, _ = _fit(family, seed=1)
    c, _, _ = _fit(family, seed=2)
    assert torch.equal(state, torch.random.get_rng_state())
    assert ra.best_val_loss == rb.best_val_loss
    sa, sb, sc = a.state_dict(), b.state_dict(), c.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert any(not torch.equal(sa[k], sc[k]) for k in sa if sa[k].is_floating_point())


def test_step_mode_rounds_and_thread_setting() -> None:
    before = torch.get_num_threads()
    model = Toy()
    report = train(model, torch.ones(40, 1), TrainConfig(steps=7, val_every=3, batch_size=4, threads=1), progress=False)
    assert [h["round"] for h in report.history] == [0, 1, 2] and report.steps_run == 7
    assert torch.get_num_threads() == before


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"batch_size": 0}, "'batch_size' parameter of TrainConfig"),
    ({"steps": 0}, "'steps' parameter of TrainConfig"),
    ({"val_fraction": 1.0}, "'val_fraction' parameter of TrainConfig"),
    ({"lr": -1.0}, "'lr' parameter of TrainConfig"),
])
def test_bad_train_config_raises(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        TrainConfig(**kwargs)
    with pytest.raises(InvalidParameterError, match="beta1"):
        GANTrainConfig(beta1=1.0)


def _shortened(cfg: TrainConfig) -> TrainConfig:
    """The recipe's numbers but a handful of steps: 2 rounds."""
    if cfg.steps is not None:
        return replace(cfg, steps=4, val_every=2)
    return replace(cfg, epochs=2)


@pytest.mark.parametrize("name", BUILTINS.names())
def test_every_builtin_recipe_trains_to_a_loadable_checkpoint(name: str, tmp_path: Path) -> None:
    from latentwalk.data import get_dataset

    recipe = BUILTINS.get(name)
    if recipe.family == "ldm-ae" and not HAS_DIFFUSERS:
        pytest.skip("diffusers is not installed")
    x = get_dataset(recipe.dataset).load().x[:64]
    short = replace(recipe, train=_shortened(recipe.train))
    model, report = fit_recipe(short, x, progress=False)
    untrained = build(recipe.family, recipe.config, recipe.train.seed).state_dict()
    assert math.isfinite(report.best_val_loss) and len(report.history) == 2
    assert any(not torch.equal(v, untrained[k]) for k, v in model.state_dict().items() if v.is_floating_point())
    loaded, meta = load_checkpoint(save_checkpoint(model, tmp_path / name, {"builtin": name}))
    assert meta["family"] == recipe.family and meta["builtin"] == name
    z = torch.randn(2, *model.latent_shape, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.allclose(loaded.decode(z), model.decode(z), atol=1e-5)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("family", list(FAMILY_RUNS))
def test_every_family_trains_on_cuda(family: str) -> None:
    if family == "ldm-ae" and not HAS_DIFFUSERS:
        pytest.skip("diffusers is not installed")
    config, cfg, x = FAMILY_RUNS[family]()
    model = build(family, config, seed=0).cuda()
    report = train(model, x, cfg, progress=False)  # data on the CPU: the trainer moves it
    assert math.isfinite(report.best_val_loss)
    assert all(p.device.type == "cuda" for p in model.parameters())
    g = torch.Generator().manual_seed(0)  # a CPU generator serves a CUDA model
    if family == "gan":
        codes = model.invert(x[:2].cuda(), generator=g, config=InversionConfig(steps=5, restarts=2))
    else:
        with torch.no_grad():
            q = model.encode(x[:2].cuda())
            codes = q.sample(g)
    assert codes.device.type == "cuda"
