"""Scoring directions against the ground truth: the lines angle direction moves the angle."""

from __future__ import annotations

import math

import pytest
import torch

from latentwalk.factors import Study, change, recoverer_for
from latentwalk.models import TrainConfig, build, train
from latentwalk.models.autoencoders import ConvAEConfig


@pytest.fixture(scope="module")
def lines_vae() -> torch.nn.Module:
    from latentwalk.data import get_dataset

    model = build("vae", ConvAEConfig(channels=1, size=32, latent_dim=4, width=16, arch="mlp"), seed=0)
    train(model, get_dataset("lines").load().x, TrainConfig(epochs=40, lr=3e-3, patience=20), progress=False)
    return model.eval()


@pytest.mark.parametrize("kind", ["atvec", "classifier"])
def test_lines_angle_direction_scores_highest_on_angle(lines_vae: torch.nn.Module, kind: str) -> None:
    study = Study.of(lines_vae, "lines", max_items=1024)
    d = study.direction(kind, "angle")
    s = study.score(d, n_starts=6, span=2.0)
    assert s.own == s.scores["angle"] and s.scores["angle"] > s.scores["ink"]
    assert s.scores["angle"] > 0.2  # the line visibly turns


def test_change_per_kind() -> None:
    wrapped = torch.tensor([6.0, 6.2, 0.1, 0.3], dtype=torch.float64)  # crosses 2 pi
    assert change(wrapped, "circular") == pytest.approx(0.3 + 2 * math.pi - 6.0, abs=1e-6)
    p = torch.tensor([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])
    assert change(p, "categorical") == pytest.approx(1.0)
    assert change(torch.tensor([1.0, 3.0, 2.0]), "continuous") == pytest.approx(2.0)


def test_digits_recoverer_reads_clean_digits() -> None:
    from latentwalk.data import get_dataset

    split = get_dataset("digits").load()
    rec = recoverer_for("digits")
    pred = rec.recover(split.x[:300])["label"].argmax(1).double()
    assert float((pred == split.factors["label"][:300].double()).double().mean()) > 0.9


def test_unknown_dataset_teaches() -> None:
    from latentwalk.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="can be scored on: digits, faces, faces32, lines"):
        recoverer_for("tones")


def test_study_finds_a_pca_axis_like_any_other_kind(lines_vae: torch.nn.Module) -> None:
    study = Study.of(lines_vae, "lines", max_items=1024)
    d = study.direction("pca", "angle")
    assert d.kind == "pca" and d.info["chosen_for"] == "angle" and d.name == f"pca:{d.info['component']}"
    again = study.direction("pca", "angle", component=d.info["component"])
    assert torch.equal(again.vector, d.vector)
    s = study.score(d, n_starts=6, span=2.0)
    assert s.own is None and s.scores["angle"] > 0.2  # an unsupervised axis, chosen because it turns the line
