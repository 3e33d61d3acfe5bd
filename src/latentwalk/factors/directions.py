"""Directions in latent space that change one factor, found from the codes of labelled items.

Every direction is a unit vector v (*L) with `sigma`, the standard deviation of the codes
projected on v, so that a traversal z + alpha * sigma * v reads alpha in sigma units whatever
the method (GANSpace's convention, Harkonen et al. 2020).

- atvec: the mean code of the positive items minus that of the negative ones (White 2016,
  "Sampling Generative Networks", plat's attribute vectors);
- balanced: the same difference taken inside strata of the *other* factors and averaged, so that
  a factor correlated with the target (in the data) does not leak into the vector (plat's
  balanced attribute vectors; with no other factor it equals atvec). With many factors the
  strata would hold one item each: it balances on the factors correlated with the target and on
  as many others as keep half of the pairs (`balancing_factors`);
- classifier: the normal of a linear classifier that separates positives from negatives
  (logistic regression; InterFaceGAN, Shen, Gu, Tang, Zhou, CVPR 2020, uses a linear SVM);
- pca: the principal axes of the codes, unsupervised (GANSpace, Harkonen, Hertzmann, Lehtinen,
  Paris, NeurIPS 2020), in sigma units sqrt(explained variance). For a factor, the registry's
  'pca' takes one of the first 8 axes: `component=i`, or by default the axis along which the
  positives and negatives lie furthest apart in sigma units; it is turned to point at the positives.

Every kind is a finder in DIRECTIONS, called as `finder(codes, factor, y, used, **options)`;
`find_direction` builds the binary target y and passes each finder the options it names.

Which items are positive: categorical factors take a class (`positive`, against `negative` or
every other class); circular factors (angles) take the items within 90 degrees of `positive`
(default pi/2); continuous factors take the items above `positive` (default the median).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from numbers import Integral
from typing import Any

import numpy as np
import torch

from latentwalk.config import Constraint, Interval, check_params
from latentwalk.errors import InvalidParameterError
from latentwalk.factors.recover import FactorInfo
from latentwalk.registry import Registry

TINY = 1e-12
ACTIVE_VARIANCE = 0.01
STRATA_BINS = 4  # continuous other factors are cut at their quartiles to balance on them
CORRELATED = 0.1  # |correlation| with the target above which another factor is always balanced on
MIN_COVERAGE = 0.5  # and uncorrelated ones while the strata keep half of the pairs
PCA_AXES = 8  # the axes the 'pca' finder chooses from (GANSpace's edits use the first few)


@dataclass
class Direction:
    kind: str  # atvec | balanced | classifier | pca
    factor: str | None  # the factor it was found for (None for unsupervised PCA)
    vector: torch.Tensor  # (*L), unit norm
    sigma: float  # std of the codes along the vector
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.kind}:{self.factor}" if self.factor else f"{self.kind}:{self.info.get('component', 0)}"


def binary_target(
    values: torch.Tensor, info: FactorInfo, positive: float | None = None, negative: float | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """(N,) factor values -> (N,) bool positives and (N,) bool mask of the items used."""
    v = values.to(torch.float64)
    used = torch.ones_like(v, dtype=torch.bool)
    if info.kind == "categorical":
        if positive is None:
            raise InvalidParameterError(
                f"'{info.name}' is categorical: say which class is positive (e.g. positive=8, and negative=3 or every other class)."
            )
        y = v == positive
        if negative is not None:
            used = y | (v == negative)
    elif info.kind == "circular":
        theta = math.pi / 2 if positive is None else positive
        y = torch.cos(v - theta) > 0  # within 90 degrees of theta
    else:
        y = v > (float(v.median()) if positive is None else positive)
    n_pos, n_neg = int((y & used).sum()), int((~y & used).sum())
    if n_pos < 2 or n_neg < 2:
        raise InvalidParameterError(
            f"Factor '{info.name}' splits the items into {n_pos} positives and {n_neg} negatives; "
            "each side needs at least 2. Choose another positive/negative value."
        )
    return y, used


def _unit(v: torch.Tensor) -> torch.Tensor:
    n = v.norm()
    if float(n) <= TINY:
        raise InvalidParameterError("The direction is zero: the two groups have the same mean code.")
    return v / n


def _finish(kind: str, factor: str | None, v: torch.Tensor, codes: torch.Tensor, **info: Any) -> Direction:
    """Unit vector and sigma (std of the projections) in the codes' shape."""
    flat = codes.flatten(1).to(torch.float64)
    unit = _unit(v.to(torch.float64))
    sigma = float((flat @ unit).std())
    return Direction(kind, factor, unit.reshape(codes.shape[1:]).to(codes.dtype), max(sigma, TINY), dict(info))


def atvec(codes: torch.Tensor, y: torch.Tensor, used: torch.Tensor) -> torch.Tensor:
    """mean(z | positive) - mean(z | negative), flattened (D,)."""
    z = codes.flatten(1).to(torch.float64)
    return z[y & used].mean(0) - z[~y & used].mean(0)


def strata(others: dict[str, tuple[torch.Tensor, FactorInfo]]) -> torch.Tensor:
    """(N,) stratum id: the combination of the other factors (classes, or quartile bins)."""
    n = next(iter(others.values()))[0].shape[0] if others else 0
    ids = torch.zeros(n, dtype=torch.long)
    for values, info in others.values():
        v = values.to(torch.float64)
        if info.kind == "categorical":
            codes = torch.unique(v, return_inverse=True)[1]
        else:
            if info.kind == "circular":
                v = torch.remainder(v, 2 * math.pi)
            edges = torch.quantile(v, torch.linspace(0, 1, STRATA_BINS + 1, dtype=torch.float64)[1:-1])
            codes = torch.bucketize(v, edges)
        ids = ids * (int(codes.max()) + 1) + codes
    return ids


def balanced_atvec(codes: torch.Tensor, y: torch.Tensor, used: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """Mean differences inside each stratum of the other factors, weighted by min(#pos, #neg)."""
    z = codes.flatten(1).to(torch.float64)
    total, weight = torch.zeros(z.shape[1], dtype=torch.float64), 0.0
    for s in torch.unique(ids):
        pos, neg = (ids == s) & used & y, (ids == s) & used & ~y
        w = float(min(int(pos.sum()), int(neg.sum())))
        if w > 0:
            total += w * (z[pos].mean(0) - z[neg].mean(0))
            weight += w
    if weight == 0:
        raise InvalidParameterError("No stratum of the other factors holds both positives and negatives; use kind 'atvec'.")
    return total / weight


def active_units(codes: torch.Tensor) -> torch.Tensor:
    """(D,) bool: code dimensions whose posterior means vary (variance > 0.01; Burda, Grosse,
    Salakhutdinov 2016). A VAE leaves some dimensions unused; a classifier would fit their noise."""
    var = codes.flatten(1).to(torch.float64).var(0)
    active = var > ACTIVE_VARIANCE
    return active if bool(active.any()) else torch.ones_like(active)


def classifier_normal(codes: torch.Tensor, y: torch.Tensor, used: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """The normal of a logistic regression separating positives from negatives (InterFaceGAN),
    fitted on the active units (zero on the unused ones)."""
    from sklearn.linear_model import LogisticRegression

    active = active_units(codes)
    z = codes.flatten(1)[used][:, active].to(torch.float64).numpy()
    clf = LogisticRegression(C=1.0, max_iter=1000, random_state=seed).fit(z, y[used].numpy())
    w = torch.zeros(active.shape[0], dtype=torch.float64)
    w[active] = torch.from_numpy(clf.coef_[0].astype(np.float64))
    return w


def pca_directions(codes: torch.Tensor, k: int = 8, seed: int = 0) -> list[Direction]:
    """The first k principal axes of the codes, sigma = sqrt(explained variance) (GANSpace)."""
    from sklearn.decomposition import PCA

    z = codes.flatten(1).to(torch.float64).numpy()
    k = max(1, min(k, z.shape[1], z.shape[0] - 1))
    pca = PCA(n_components=k, random_state=seed).fit(z)
    out = []
    for i, (axis, var) in enumerate(zip(pca.components_, pca.explained_variance_)):
        axis = axis * np.sign(axis[np.abs(axis).argmax()])  # a fixed sign: largest entry positive
        v = torch.from_numpy(axis).reshape(codes.shape[1:]).to(codes.dtype)
        out.append(Direction("pca", None, v, float(math.sqrt(max(var, TINY))), {"component": i,
                   "explained_variance_ratio": float(pca.explained_variance_ratio_[i])}))
    return out


Finder = Callable[..., Direction]
DIRECTIONS: Registry[Finder] = Registry("direction kind")


@DIRECTIONS.register("atvec")
def _find_atvec(codes: torch.Tensor, factor: str, y: torch.Tensor, used: torch.Tensor, **_: Any) -> Direction:
    return _finish("atvec", factor, atvec(codes, y, used), codes, n_pos=int((y & used).sum()), n_neg=int((~y & used).sum()))


def _coverage(ids: torch.Tensor, y: torch.Tensor, used: torch.Tensor) -> float:
    """Share of the used items that a stratified difference can pair: 2 min(#pos, #neg) per stratum."""
    if len(ids) != len(y):  # no factor to stratify on: one stratum
        ids = torch.zeros(len(y), dtype=torch.long)
    paired = 0
    for s in torch.unique(ids[used]):
        paired += 2 * min(int(((ids == s) & used & y).sum()), int(((ids == s) & used & ~y).sum()))
    return paired / max(int(used.sum()), 1)


def balancing_factors(others: dict[str, tuple[torch.Tensor, FactorInfo]], y: torch.Tensor, used: torch.Tensor) -> list[str]:
    """The other factors to stratify on. Those correlated with the target (|r| >= CORRELATED) are
    the ones that can leak into the direction: always kept. The rest are added, least independent
    first, while the strata still pair at least MIN_COVERAGE of what the kept ones pair: with ten
    factors in quartiles (faces) every item would otherwise sit in a stratum of its own."""
    yc = y[used].to(torch.float64)
    yc = yc - yc.mean()

    def corr(values: torch.Tensor) -> float:
        v = values[used].to(torch.float64)
        v = v - v.mean()
        return float((v @ yc).abs() / (v.norm() * yc.norm() + TINY))

    r = {k: corr(v) for k, (v, _) in others.items()}
    chosen = sorted((k for k in others if r[k] >= CORRELATED), key=lambda k: (-r[k], k))
    floor = MIN_COVERAGE * _coverage(strata({k: others[k] for k in chosen}), y, used)
    for name in sorted((k for k in others if r[k] < CORRELATED), key=lambda k: (-r[k], k)):
        if _coverage(strata({k: others[k] for k in [*chosen, name]}), y, used) < floor:
            break
        chosen.append(name)
    return chosen


@DIRECTIONS.register("balanced")
def _find_balanced(codes: torch.Tensor, factor: str, y: torch.Tensor, used: torch.Tensor,
                   others: dict[str, tuple[torch.Tensor, FactorInfo]] | None = None, **_: Any) -> Direction:
    keep = balancing_factors(others, y, used) if others else []
    ids = strata({k: others[k] for k in keep}) if others and keep else torch.zeros(len(y), dtype=torch.long)
    return _finish("balanced", factor, balanced_atvec(codes, y, used, ids), codes, balanced_on=sorted(keep))


@DIRECTIONS.register("classifier")
def _find_classifier(codes: torch.Tensor, factor: str, y: torch.Tensor, used: torch.Tensor, seed: int = 0, **_: Any) -> Direction:
    return _finish("classifier", factor, classifier_normal(codes, y, used, seed), codes)


def _separation(codes: torch.Tensor, d: Direction, y: torch.Tensor, used: torch.Tensor) -> float:
    """mean(positives) - mean(negatives) of the codes projected on d, in d's sigma units."""
    p = codes.flatten(1).to(torch.float64) @ d.vector.flatten().to(torch.float64)  # (N,)
    return float(p[y & used].mean() - p[~y & used].mean()) / d.sigma


@DIRECTIONS.register("pca")
def _find_pca(codes: torch.Tensor, factor: str, y: torch.Tensor, used: torch.Tensor,
              component: int | None = None, seed: int = 0, **_: Any) -> Direction:
    """One of the first PCA_AXES principal axes: `component`, or the one that separates the factor
    most (|separation|); turned toward the positives. It stays an unsupervised axis (factor None,
    named pca:<component>); info says which factor it was chosen for and how."""
    axes = pca_directions(codes, PCA_AXES, seed)
    allowed: dict[str, list[Constraint]] = {"component": [Interval(Integral, 0, len(axes) - 1), None]}
    check_params(allowed, {"component": component}, "the 'pca' direction")
    seps = [_separation(codes, d, y, used) for d in axes]
    i = max(range(len(axes)), key=lambda j: abs(seps[j])) if component is None else int(component)
    d, sign = axes[i], 1.0 if seps[i] >= 0 else -1.0
    info = {**d.info, "chosen_for": factor, "chosen_by": "separation" if component is None else "component",
            "separation": abs(seps[i])}
    return Direction("pca", None, d.vector * sign, d.sigma, info)


def _options_of(finder: Finder) -> set[str]:
    """The keywords a finder names after (codes, factor, y, used)."""
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return {p.name for p in list(inspect.signature(finder).parameters.values())[4:] if p.kind in named}


def _check_options(kind: str, finder: Finder, options: dict[str, Any]) -> None:
    valid = sorted(_options_of(finder) - {"others", "seed"})
    unknown = ", ".join(repr(k) for k in sorted(set(options) - set(valid)))
    if unknown:
        raise InvalidParameterError(
            f"The direction kind '{kind}' got unexpected keyword argument(s) {unknown}; "
            f"its valid keywords: {', '.join(valid) if valid else 'none'}."
        )


def find_direction(
    kind: str,
    codes: torch.Tensor,
    factor: str,
    values: torch.Tensor,
    info: FactorInfo,
    positive: float | None = None,
    negative: float | None = None,
    others: dict[str, tuple[torch.Tensor, FactorInfo]] | None = None,
    seed: int = 0,
    **options: Any,
) -> Direction:
    """A direction for `factor` from codes (N, *L) and the items' values (N,).

    options: the kind's own keywords, e.g. component=2 for 'pca'; an unknown one is an error."""
    finder = DIRECTIONS.get(kind)
    _check_options(kind, finder, options)
    if codes.shape[0] != values.shape[0]:
        raise InvalidParameterError(f"{codes.shape[0]} codes but {values.shape[0]} factor values; give one value per code.")
    y, used = binary_target(values, info, positive, negative)
    d = finder(codes, factor, y, used, others=others, seed=seed, **options)
    d.info.update({"positive": positive, "negative": negative})
    return d
