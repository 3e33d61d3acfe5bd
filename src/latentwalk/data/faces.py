"""`faces`: procedurally drawn colour faces with known factors (no download, fixed seed).

RGB 64x64 in [0, 1], drawn at 4x (256x256) with soft-edged shapes and reduced by a 4x4 box
filter, then rounded to 8 bits (an item is exactly what a PNG of it holds). Every face is a
deterministic function of its factors: nothing else varies, so a clean face can be redrawn
from its factors alone (the ground truth's "analysis by synthesis" relies on this).

Factors, continuous on -1..1 unless said:

- smile: -1 frown (corners down, lips closed) .. +1 smile (corners up, the mouth open, teeth showing);
- yaw: head turn; eyes, nose and mouth move sideways as on a turning sphere and the side
  turning away is foreshortened (narrower eye, glasses lens and half mouth); the nose points;
- light: light direction; a shading gradient across face, neck and hair, bright on the left
  at -1 and on the right at +1;
- hair: dark and short (-1) .. light (blond) and long, down to the shoulders (+1);
- age: young (-1: rounder face, larger and lower eyes) .. old (+1: longer face, forehead and
  smile lines, grey hair and brows);
- eyes: closed (-1, a lid line) .. wide open (+1);
- width: narrow .. wide face;
- skin: light .. dark skin tone;
- glasses: 0 or 1 (dark round rims and a bridge around the eyes);
- background: the backdrop's hue (orange .. green .. blue .. violet), a nuisance factor.

Items: `faces:17` (the training set), `faces:smile=0.8`, `faces:smile=-1,glasses=1`. Unnamed
factors are drawn from a seed derived from *which* factors the spec names, so `faces:smile=-1`
and `faces:smile=1` are the same person frowning and smiling.

`ground_truth()` is a probe (a small CNN shipped in `probes/faces/`, see `FacesProbe`) that
reads every factor off any 64x64 image, and measures how far the image is from the clean face
with those factors.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from latentwalk.data.base import DATASETS, Item, Split, parse_factor_spec, parse_index, shown
from latentwalk.errors import CheckpointError, DataError

SIZE = 64
SUPER = 4  # drawn at SUPER x SIZE, then box-filtered
HI = SIZE * SUPER
PX = 2.0 / HI  # one drawing pixel in canvas units (the canvas spans -1..1)
N_TRAIN = 4096
SEED = 0
P_GLASSES = 0.35
CONTINUOUS = ("smile", "yaw", "light", "hair", "age", "eyes", "width", "skin", "background")
FACTORS = (*CONTINUOUS, "glasses")
# Bump when the drawing or the factor table changes: it names the disk cache and the probe.
RENDER_VERSION = 2  # 2: a filled mouth that opens as it smiles (1: a thin stroke)
CHUNK = 64  # faces drawn at once: 64 x 3 x 256 x 256 floats = 50 MB


# --- drawing helpers (all shapes are signed distances in canvas units, negative inside) ---------


def _grid(rows: slice) -> tuple[torch.Tensor, torch.Tensor]:
    """Canvas coordinates of the drawing pixels' centres: u (1, 1, 1, W) rightwards, v (1, 1, H, 1) down."""
    c = (torch.arange(HI, dtype=torch.float32) + 0.5) * PX - 1
    return c.view(1, 1, 1, HI), c[rows].view(1, 1, -1, 1)


def _cover(d: torch.Tensor) -> torch.Tensor:
    """Signed distance -> coverage in [0, 1], a one-drawing-pixel ramp across the edge."""
    return (0.5 - d / PX).clamp_(0, 1)


def _ellipse(u: torch.Tensor, v: torch.Tensor, cx: Any, cy: Any, rx: Any, ry: Any) -> torch.Tensor:
    """Approximate signed distance to an ellipse (exact on the axes; fine for soft edges)."""
    q = ((u - cx) / rx) ** 2 + ((v - cy) / ry) ** 2
    return (q.sqrt() - 1) * torch.minimum(torch.as_tensor(rx), torch.as_tensor(ry))


def _curve(u: torch.Tensor, v: torch.Tensor, cx: Any, y: Any, half: Any, curv: Any, width: float) -> torch.Tensor:
    """A stroke along v = y + curv (0.5 - (du / half)^2), |du| <= half: smile, frown, brows, lines."""
    s = (u - cx) / half
    f = y + curv * (0.5 - s * s)
    slope = -2 * curv * s / half
    d = (v - f).abs() / (1 + slope * slope).sqrt() - width / 2
    return torch.maximum(d, (u - cx).abs() - half)


def _paint(img: torch.Tensor, colour: torch.Tensor, alpha: torch.Tensor) -> None:
    """img (B, 3, H, W) <- colour (B, 3, 1, 1) or (B, 3, H, W) over it with alpha (B, 1, H, W)."""
    img.add_((colour - img) * alpha)


def _hsv(h: torch.Tensor, s: float, v: float) -> torch.Tensor:
    """(B,) hues in [0, 1] -> (B, 3) RGB (the usual hexcone formula)."""
    k = (torch.tensor([5.0, 3.0, 1.0]) + h[:, None] * 6) % 6
    return v - v * s * torch.minimum(k, 4 - k).clamp(0, 1)


def _mix(a: tuple[float, float, float], b: tuple[float, float, float], t: torch.Tensor) -> torch.Tensor:
    """(B,) t in [0, 1] -> (B, 3) colours from a to b."""
    a_, b_ = torch.tensor(a), torch.tensor(b)
    return a_ + (b_ - a_) * t[:, None]


def _col(c: torch.Tensor) -> torch.Tensor:
    return c.view(-1, 3, 1, 1)


# --- the face -------------------------------------------------------------------------------


def _layout(f: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Factors (B,) -> geometry and colours, every number as (B, 1, 1, 1) or (B, 3)."""
    one = {k: v.to(torch.float32).view(-1, 1, 1, 1) for k, v in f.items()}
    age, yaw, width = one["age"], one["yaw"], one["width"]
    g: dict[str, torch.Tensor] = {}
    g["a"] = 0.54 + 0.1 * width  # head half-width
    g["b"] = 0.70 + 0.05 * age  # head half-height: faces lengthen with age
    g["cy"] = torch.full_like(age, 0.0)
    psi = 0.5 * yaw  # head turn in radians
    g["psi"] = psi
    # Features sit on a sphere of the head's half-width; theta is their angle from the front.
    for name, theta in (("l", -0.42), ("r", 0.42), ("c", 0.0)):
        g[f"x{name}"] = g["a"] * torch.sin(theta + psi)
        g[f"fs{name}"] = torch.cos(theta + psi).clamp_min(0.05)  # foreshortening
    g["ey"] = -0.02 - 0.06 * age  # eyes sit lower in a young face
    g["er"] = 0.12 * (1 - 0.12 * age)  # and are larger
    g["open"] = (one["eyes"] + 1) / 2
    g["my"] = 0.38 + 0.04 * age
    g["smile"] = one["smile"]
    g["light"] = one["light"]
    g["hair_len"] = (one["hair"] + 1) / 2
    g["wrinkle"] = (0.6 * (age + 0.4) / 1.4).clamp(0, 0.6)
    g["glasses"] = one["glasses"]
    grey = ((f["age"] + 0.3) / 1.3).clamp(0, 1) * 0.85
    hair = _mix((0.10, 0.065, 0.04), (0.90, 0.74, 0.42), (f["hair"] + 1) / 2)
    g["hair_rgb"] = hair + (torch.tensor([0.78, 0.78, 0.80]) - hair) * grey[:, None]
    g["skin_rgb"] = _mix((0.97, 0.82, 0.70), (0.42, 0.27, 0.17), (f["skin"] + 1) / 2)
    g["bg_rgb"] = _hsv(0.05 + 0.35 * (f["background"] + 1), 0.38, 0.88)
    return g


def _shade(g: dict[str, torch.Tensor], u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """(B, 1, H, W) light minus 0.9: a left-right gradient set by `light`, darker towards the head's rim."""
    side = (u / (g["a"] + 0.1)).clamp(-1, 1) * g["light"]
    rim = ((u / g["a"]) ** 2 + ((v - g["cy"]) / g["b"]) ** 2).clamp(0, 1.5)
    return 0.36 * side - 0.12 * rim * rim


def _band(v0: float, v1: float) -> slice:
    """The drawing rows whose centres lie between canvas heights v0 and v1."""
    return slice(max(0, int((v0 + 1) / PX)), min(HI, math.ceil((v1 + 1) / PX)))


def _back(img: torch.Tensor, g: dict[str, torch.Tensor], u: torch.Tensor, v: torch.Tensor, light: torch.Tensor) -> None:
    """Shoulders, hair behind the head, neck and the head itself."""
    b, cy, a = g["b"], g["cy"], g["a"]
    low = _band(0.78, 1.0)
    shirt = _col(torch.tensor([0.30, 0.33, 0.42]).expand(img.shape[0], 3))
    _paint(img[:, :, low], shirt, _cover(_ellipse(u, v[:, :, low], 0, 1.36, 0.98, 0.52)))
    bottom = -0.05 + 0.9 * g["hair_len"]  # short hair covers the crown only; long hair reaches the shoulders
    back = torch.maximum(_ellipse(u, v, 0.25 * g["xc"], cy - 0.05, a + 0.12, b + 0.1), v - bottom)
    _paint(img, _col(g["hair_rgb"]) * (0.9 + 0.6 * light), _cover(back))
    skin = _col(g["skin_rgb"])
    neck_rows = _band(0.5, 1.0)
    vn = v[:, :, neck_rows]
    neck = torch.maximum((u - 0.35 * g["xc"]).abs() - 0.19, cy + 0.5 - vn)
    _paint(img[:, :, neck_rows], skin * (0.72 + 0.6 * light[:, :, neck_rows]), _cover(neck))
    _paint(img, skin * (0.9 + light), _cover(_ellipse(u, v, 0, cy, a, b)))


def _forehead(img: torch.Tensor, g: dict[str, torch.Tensor], u: torch.Tensor, v: torch.Tensor) -> None:
    """Age: three forehead lines, fading in from age -0.4 on."""
    ink = _col(g["skin_rgb"]) * 0.55
    for k in range(3):
        y = g["cy"] - g["b"] + 0.28 + 0.045 * k
        _paint(img, ink, g["wrinkle"] * _cover(_curve(u, v, g["xc"], y, 0.22 - 0.03 * k, -0.03, 0.016)))


def _smile_lines(img: torch.Tensor, g: dict[str, torch.Tensor], u: torch.Tensor, v: torch.Tensor) -> None:
    """Age: lines from beside the nose to the mouth's corners."""
    ink = _col(g["skin_rgb"]) * 0.55
    for side in (-1, 1):
        x = g["xc"] + side * 0.19 * g["fsc"]
        d = torch.maximum((u - x - side * 0.05 * (v - g["my"] + 0.24) / 0.2).abs() - 0.009,
                          (v - g["my"] + 0.12).abs() - 0.11)
        _paint(img, ink, g["wrinkle"] * _cover(d))


def _eyes(img: torch.Tensor, g: dict[str, torch.Tensor], u: torch.Tensor, v: torch.Tensor) -> None:
    """Brows, eye whites, irises, lids; closed eyes (open = 0) leave the lid line only."""
    brow = _col(g["hair_rgb"]) * 0.8
    lid = _col(g["skin_rgb"]) * 0.35
    white = _col(torch.tensor([0.97, 0.97, 0.95]).expand(img.shape[0], 3))
    iris_rgb = _col(torch.tensor([0.22, 0.15, 0.09]).expand(img.shape[0], 3))
    for s in ("l", "r"):
        x, fs, er = g[f"x{s}"], g[f"fs{s}"], g["er"]
        rx, ry = er * fs, (er * 0.62 * g["open"]).clamp_min(1e-3)
        _paint(img, brow, _cover(_curve(u, v, x, g["ey"] - er - 0.05, rx * 1.15, -0.05, 0.032)))
        du = ((u - x) / rx).clamp(-1, 1)
        h = ry * (1 - du * du).sqrt()  # half-height of the open eye at this column
        inside = torch.maximum((v - g["ey"]).abs() - h, (u - x).abs() - rx)
        _paint(img, white, _cover(inside))
        iris = torch.maximum(_ellipse(u, v, x + 0.25 * rx * torch.sin(g["psi"]), g["ey"], 0.5 * er * fs, 0.5 * er), inside)
        _paint(img, iris_rgb, _cover(iris))
        rim = torch.maximum(((v - g["ey"]).abs() - h).abs() - 0.012, (u - x).abs() - rx - 0.012)
        _paint(img, lid, _cover(rim))


def _nose_mouth(img: torch.Tensor, g: dict[str, torch.Tensor], u: torch.Tensor, v: torch.Tensor) -> None:
    """Nose (its tip points where the head turns) and the mouth: a curved stroke, smile or frown."""
    shadow = _col(g["skin_rgb"]) * 0.62
    tip = g["xc"] + 0.13 * torch.sin(g["psi"])
    ny = g["my"] - 0.14
    t = ((v - g["ey"]) / (ny - g["ey"])).clamp(0, 1)  # 0 at the eyes, 1 at the tip
    ridge = torch.maximum((u - (g["xc"] + (tip - g["xc"]) * t) - 0.03 * g["fsc"]).abs() - 0.012,
                          torch.maximum(g["ey"] + 0.08 - v, v - ny))
    _paint(img, shadow, 0.7 * _cover(ridge))
    _paint(img, shadow, _cover(_curve(u, v, tip, ny + 0.03, 0.07 * g["fsc"], -0.03, 0.024)))
    # The mouth: lips between an upper edge v = my + curv (0.5 - s^2) (corners up in a smile, down in
    # a frown) and a lower edge that opens by `gap` (1 - s^2) below it; the smile opens the mouth
    # (dark inside, teeth along the top). Filled rather than a one-pixel stroke, so that a smile is a
    # visible change of several pixels at 64x64 (r1's stroke was blurred away by every model).
    half, curv = 0.22 * g["fsc"], 0.13 * g["smile"]
    gap = 0.05 + 0.035 * (g["smile"] + 1)
    s = ((u - g["xc"]) / half).clamp(-1, 1)
    top = g["my"] + curv * (0.5 - s * s)
    bottom = top + gap * (1 - s * s)
    norm_top = (1 + (2 * curv * s / half) ** 2).sqrt()
    norm_bottom = (1 + (2 * (curv + gap) * s / half) ** 2).sqrt()
    side = (u - g["xc"]).abs() - half
    n = img.shape[0]
    for grow, rgb in ((0.018, (0.62, 0.16, 0.17)), (-0.016, (0.24, 0.04, 0.06))):  # lips, then the inside
        d = torch.maximum(torch.maximum((top - v) / norm_top, (v - bottom) / norm_bottom) - grow, side - max(grow, 0.0))
        _paint(img, _col(torch.tensor(rgb).expand(n, 3)), _cover(d))
    teeth = torch.maximum(torch.maximum((top + 0.016 - v) / norm_top, v - top - 0.016 - 0.4 * (gap - 0.032) * (1 - s * s)), side + 0.04)
    _paint(img, _col(torch.tensor([0.95, 0.93, 0.88]).expand(n, 3)), ((g["smile"] + 0.2) / 1.2).clamp(0, 1) * _cover(teeth))


def _fringe(img: torch.Tensor, g: dict[str, torch.Tensor], u: torch.Tensor, v: torch.Tensor, light: torch.Tensor) -> None:
    """Hair over the top of the head, down to a curved hairline above the forehead."""
    hairline = g["cy"] - g["b"] + 0.22 + 0.4 * ((u - g["xc"] * 0.5) / g["a"]) ** 2
    cap = torch.maximum(_ellipse(u, v, 0, g["cy"] - 0.02, g["a"] + 0.02, g["b"] + 0.02), v - hairline)
    _paint(img, _col(g["hair_rgb"]) * (0.9 + 0.6 * light), _cover(cap))


def _glasses(img: torch.Tensor, g: dict[str, torch.Tensor], u: torch.Tensor, v: torch.Tensor) -> None:
    """Round dark rims around both eyes and a bridge between them (drawn with opacity `glasses`)."""
    frame = _col(torch.tensor([0.06, 0.06, 0.07]).expand(img.shape[0], 3))
    on = g["glasses"]
    for s in ("l", "r"):
        x, fs = g[f"x{s}"], g[f"fs{s}"]
        ring = _ellipse(u, v, x, g["ey"], 0.17 * fs, 0.14).abs() - 0.017
        _paint(img, frame, on * _cover(ring))
    gap = torch.maximum((v - g["ey"] + 0.03).abs() - 0.014,
                        torch.maximum(g["xl"] + 0.17 * g["fsl"] - u, u - (g["xr"] - 0.17 * g["fsr"])))
    _paint(img, frame, on * _cover(gap))


# Rows of the drawing each part can touch (with every factor in range): smaller parts, fewer pixels.
_BANDS = {_eyes: _band(-0.42, 0.16), _forehead: _band(-0.56, -0.3), _smile_lines: _band(0.1, 0.45), _nose_mouth: _band(0.0, 0.68),
          _glasses: _band(-0.3, 0.2)}
_TOP = _band(-1.0, 0.1)  # the fringe


def _check(factors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    missing = [k for k in FACTORS if k not in factors]
    if missing:
        raise DataError(f"render_faces needs every factor of faces; missing: {', '.join(missing)}.")
    f = {k: torch.as_tensor(factors[k], dtype=torch.float32).detach().cpu().reshape(-1) for k in FACTORS}
    sizes = {len(v) for v in f.values()}
    if len(sizes) > 1:
        raise DataError(f"render_faces needs one value per face for every factor; got lengths {sorted(sizes)}.")
    return f


@torch.no_grad()
def _render_chunk(f: dict[str, torch.Tensor]) -> torch.Tensor:
    g = _layout(f)
    b = f["smile"].shape[0]
    u, v = _grid(slice(None))
    img = (_col(g["bg_rgb"]) * (1.08 - 0.08 * (v + 1))).expand(b, 3, HI, HI).contiguous()  # backdrop, lit from above
    light = _shade(g, u, v)
    _back(img, g, u, v, light)
    for part in (_forehead, _smile_lines, _eyes, _nose_mouth):
        rows = _BANDS[part]
        part(img[:, :, rows], g, u, v[:, :, rows])
    _fringe(img[:, :, _TOP], g, u, v[:, :, _TOP], light[:, :, _TOP])
    worn = g["glasses"].view(-1) > 0
    if bool(worn.any()):
        rows = _BANDS[_glasses]
        part_img = img[worn][:, :, rows]
        _glasses(part_img, {k: t[worn] for k, t in g.items()}, u, v[:, :, rows])
        img[worn, :, rows] = part_img  # advanced indexing copied: write back
    out = F.avg_pool2d(img, SUPER).clamp_(0, 1)  # (B, 3, SIZE, SIZE): the box filter
    return (out * 255).round_() / 255


def render_faces(factors: dict[str, torch.Tensor]) -> torch.Tensor:
    """{factor: (N,)} (every name in FACTORS) -> (N, 3, 64, 64) float32 faces in [0, 1], 8-bit steps."""
    f = _check(factors)
    n = f["smile"].shape[0]
    out = [_render_chunk({k: v[i : i + CHUNK] for k, v in f.items()}) for i in range(0, n, CHUNK)]
    return torch.cat(out) if out else torch.zeros(0, 3, SIZE, SIZE)


def sample_factors(n: int, rng: np.random.Generator) -> dict[str, torch.Tensor]:
    """n faces' factors: each continuous one uniform on -1..1, glasses with probability 0.35."""
    cont = rng.uniform(-1, 1, size=(n, len(CONTINUOUS)))
    glasses = (rng.random(n) < P_GLASSES).astype(np.float64)
    out = {k: torch.from_numpy(cont[:, j]).to(torch.float32) for j, k in enumerate(CONTINUOUS)}
    out["glasses"] = torch.from_numpy(glasses).to(torch.float32)
    return out


# --- the training set and items -------------------------------------------------------------


def _source_hash() -> str:
    """Names the disk cache: the renderer's version and this file's bytes (any edit redraws)."""
    h = hashlib.sha256(f"faces-v{RENDER_VERSION}-{N_TRAIN}-{SEED}-{SIZE}-{SUPER}".encode())
    h.update(Path(__file__).read_bytes())
    return h.hexdigest()[:16]


def _cache_path() -> Path:
    from latentwalk.config import cache_dir

    return cache_dir() / "data" / f"faces-v{RENDER_VERSION}-{_source_hash()}.npy"


@functools.lru_cache(maxsize=1)
def _factor_table() -> dict[str, torch.Tensor]:
    return sample_factors(N_TRAIN, np.random.default_rng(SEED))


def _read_cache(path: Path) -> torch.Tensor | None:
    try:
        arr = np.load(path)
    except (OSError, ValueError):
        return None  # missing or damaged: drawn again
    if arr.shape != (N_TRAIN, 3, SIZE, SIZE) or arr.dtype != np.uint8:
        return None
    return torch.from_numpy(arr)


@functools.lru_cache(maxsize=1)
def _training_set() -> torch.Tensor:
    """(N, 3, 64, 64) uint8: drawn once (about 20 s on one core), then kept in the process and on
    disk under the cache folder. The faces are 8-bit already, so the cache holds them exactly."""
    from latentwalk.errors import OutputError
    from latentwalk.files import write_atomically

    path = _cache_path()
    cached = _read_cache(path)
    if cached is not None:
        return cached
    x = (render_faces(_factor_table()) * 255).round().to(torch.uint8)
    try:
        write_atomically(path, lambda tmp: np.save(tmp, x.numpy()))
    except OutputError:
        pass  # a read-only cache folder only costs the drawing next time
    return x


def _spec_seed(names: list[str]) -> int:
    """A seed from the factors a spec names (not their values): smile=-1 and smile=1 share a face."""
    text = "faces:" + ",".join(sorted(names))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")


def _check_item_factors(given: dict[str, float], spec: str) -> None:
    for k, x in given.items():
        if k == "glasses" and x not in (0.0, 1.0):
            raise DataError(f"glasses in 'faces:{shown(spec)}' must be 0 or 1, got {x:g}.")
        if not -1 <= x <= 1:
            raise DataError(f"{k} in 'faces:{shown(spec)}' must be in -1..1, got {x:g}.")


def _item_factors(spec: str, n: int) -> dict[str, float]:
    """The full factor set of an item spec (an index, or some factors and a seed for the rest)."""
    i = parse_index(spec, "faces", n)
    if i is not None:
        return {k: float(v[i]) for k, v in _factor_table().items()}
    given = parse_factor_spec(spec, "faces", FACTORS)
    _check_item_factors(given, spec)
    drawn = sample_factors(1, np.random.default_rng(_spec_seed(list(given))))
    return {k: given.get(k, float(drawn[k][0])) for k in FACTORS}


@DATASETS.register("faces")
class Faces:
    name = "faces"
    modality = "image"
    item_shape = (3, SIZE, SIZE)
    factor_names = FACTORS

    def load(self) -> Split:
        x = _training_set().to(torch.float32) / 255  # a fresh copy per call
        return Split(x, {k: v.clone() for k, v in _factor_table().items()})

    def item(self, spec: str) -> Item:
        f = _item_factors(spec, N_TRAIN)
        i = parse_index(spec, self.name, N_TRAIN)
        # Drawn alone: the drawing is per face, so this is the training set's face bit for bit.
        x = render_faces({k: torch.tensor([v]) for k, v in f.items()})[0]
        source = "faces:" + ",".join(f"{k}={v:.4f}" if k != "glasses" else f"{k}={v:g}" for k, v in f.items())
        return Item(x, f"faces:{i}" if i is not None else source, f)

    def ground_truth(self) -> FacesGroundTruth:
        return _ground_truth()


# --- the probe: a small CNN that reads the factors off a picture -----------------------------

PROBE_DIR = Path(__file__).parent / "probes" / "faces"
PROBE_WEIGHTS, PROBE_META = PROBE_DIR / "probe.safetensors", PROBE_DIR / "probe.json"
PROBE_CONFIG: dict[str, Any] = {"channels": [32, 32, 64, 64, 96, 96], "strides": [2, 1, 2, 1, 2, 2], "hidden": 128}
PROBE_SEEDS = {"train": 1001, "held_out": 1002, "init": 7}


class ProbeNet(torch.nn.Module):
    """(B, 3, 64, 64) -> (B, 10): the continuous factors (-1..1) in CONTINUOUS order, then the
    logit of glasses. Plain conv-BN-ReLU blocks; BN in eval mode at use."""

    def __init__(self, channels: list[int], strides: list[int], hidden: int) -> None:
        super().__init__()
        layers: list[torch.nn.Module] = []
        c_in, side = 3, SIZE
        for c, s in zip(channels, strides):
            layers += [torch.nn.Conv2d(c_in, c, 3, s, 1, bias=False), torch.nn.BatchNorm2d(c), torch.nn.ReLU()]
            c_in, side = c, side // s
        self.features = torch.nn.Sequential(*layers)
        self.head = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(c_in * side * side, hidden),
                                        torch.nn.ReLU(), torch.nn.Linear(hidden, len(FACTORS)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x * 2 - 1))


def _targets(f: dict[str, torch.Tensor]) -> torch.Tensor:
    return torch.stack([f[k] for k in FACTORS], 1).to(torch.float32)  # (N, 10)


def _decode(out: torch.Tensor) -> dict[str, torch.Tensor]:
    """(B, 10) network outputs -> {factor: (B,)}: continuous ones clamped to -1..1, glasses a probability."""
    res = {k: out[:, j].clamp(-1, 1) for j, k in enumerate(CONTINUOUS)}
    res["glasses"] = torch.sigmoid(out[:, len(CONTINUOUS)])
    return res


def _renders(n: int, seed: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """n fresh faces (uint8, to keep 16k of them small) and their factors, from their own seed."""
    f = sample_factors(n, np.random.default_rng(seed))
    x = torch.cat([(render_faces({k: v[i : i + 512] for k, v in f.items()}) * 255).round().to(torch.uint8)
                   for i in range(0, n, 512)])
    return x, f


def _loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    k = len(CONTINUOUS)
    reg = F.smooth_l1_loss(out[:, :k], y[:, :k], beta=0.02)
    return reg + 0.1 * F.binary_cross_entropy_with_logits(out[:, k], y[:, k])


@torch.no_grad()
def probe_errors(net: ProbeNet, x: torch.Tensor, f: dict[str, torch.Tensor]) -> dict[str, float]:
    """Mean absolute error per continuous factor (-1..1 scale) and glasses error rate on renders x."""
    net.eval()
    pred = _decode(torch.cat([net(x[i : i + 256].to(torch.float32) / 255) for i in range(0, len(x), 256)]))
    errs = {k: float((pred[k] - f[k]).abs().mean()) for k in CONTINUOUS}
    errs["glasses"] = float(((pred["glasses"] > 0.5).float() != f["glasses"]).float().mean())
    return errs


def train_probe(n_train: int = 16384, n_held_out: int = 1024, epochs: int = 8, batch: int = 128,
                out_dir: Path | None = None) -> dict[str, Any]:
    """Train the probe on fresh renders (not the training set) and measure it on other fresh ones.

    Fixed seeds (PROBE_SEEDS), one thread: about 4-5 minutes on one CPU core. Writes
    probe.safetensors and probe.json (config, seeds, sizes, held-out errors, sha256) to out_dir
    (default: the package's probes/faces) and returns the JSON's content."""
    from safetensors.torch import save_file

    from latentwalk.files import sha256_file, write_atomically, write_json

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        t0 = time.time()
        x, f = _renders(n_train, PROBE_SEEDS["train"])
        xv, fv = _renders(n_held_out, PROBE_SEEDS["held_out"])
        y = _targets(f)
        t_render = time.time() - t0
        torch.manual_seed(PROBE_SEEDS["init"])  # the probe's own recipe: initial weights
        net = ProbeNet(**PROBE_CONFIG)
        g = torch.Generator().manual_seed(PROBE_SEEDS["init"])
        steps = epochs * (n_train // batch)
        opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-4)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps, pct_start=0.15)
        net.train()
        for _ in range(epochs):
            order = torch.randperm(n_train, generator=g)
            for i in range(n_train // batch):
                idx = order[i * batch : (i + 1) * batch]
                loss = _loss(net(x[idx].to(torch.float32) / 255), y[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
        errs = probe_errors(net, xv, fv)
    finally:
        torch.set_num_threads(threads)
    out = Path(out_dir) if out_dir is not None else PROBE_DIR
    weights = out / PROBE_WEIGHTS.name
    state = {k: v.detach().contiguous() for k, v in net.state_dict().items()}
    write_atomically(weights, lambda tmp: save_file(state, str(tmp)))
    meta = {"family": "faces-probe", "render_version": RENDER_VERSION, "config": PROBE_CONFIG,
            "factors": list(FACTORS), "seeds": PROBE_SEEDS, "n_train_renders": n_train,
            "n_held_out_renders": n_held_out, "epochs": epochs, "batch": batch,
            "held_out_mae": {k: round(v, 4) for k, v in errs.items() if k != "glasses"},
            "held_out_glasses_error_rate": round(errs["glasses"], 4),
            "target_mae": 0.05, "seconds": {"render": round(t_render, 1), "total": round(time.time() - t0, 1)},
            "torch": torch.__version__, "sha256": sha256_file(weights)}
    write_atomically(out / PROBE_META.name, lambda tmp: write_json(tmp, meta))
    return meta


def load_probe(weights: Path = PROBE_WEIGHTS, meta_path: Path = PROBE_META) -> ProbeNet:
    """The shipped probe, its weights checked against the sha256 in its JSON (safetensors, no pickle)."""
    from safetensors.torch import load_file

    from latentwalk.files import sha256_file

    try:
        meta = json.loads(meta_path.read_text())
        digest = sha256_file(weights)
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"The faces probe is missing or unreadable ({exc}); reinstall latentwalk.") from exc
    if digest != meta.get("sha256"):
        raise CheckpointError(f"The faces probe {weights.name} does not match the sha256 in {meta_path.name}; "
                              "it was changed or damaged: reinstall latentwalk.")
    if meta.get("render_version") != RENDER_VERSION:
        raise CheckpointError(f"The faces probe was trained on renderer v{meta.get('render_version')}, "
                              f"this is v{RENDER_VERSION}: retrain it with latentwalk.data.faces.train_probe().")
    net = ProbeNet(**meta["config"])
    net.load_state_dict(load_file(str(weights)))
    return net.eval()


class FacesGroundTruth:
    """Reads a frame's factors with the probe and measures how far it is from a clean face.

    nearest(frames (T, 3, 64, 64) in [0, 1]) -> ({factor: (T,)}, (T,) float64 distance):

    - factors: the probe's estimates, each continuous one in -1..1, glasses as a probability;
    - distance, the *off-manifold distance*: analysis by synthesis. The frame is redrawn from its
      recovered factors (glasses rounded to 0 or 1) and the distance is the pixel RMS between
      frame and redrawing, on the [0, 1] scale. A clean face is near 0 (only the probe's error
      shows); a double exposure of two faces is far from every clean face, so from this one too.
      It is an upper bound on the distance to the nearest clean face (the probe's guess may
      miss a closer one) and 0 only for a face the renderer can draw.
    """

    name = "faces"

    def __init__(self, net: ProbeNet) -> None:
        self.net = net

    @torch.no_grad()
    def recover(self, frames: torch.Tensor) -> dict[str, torch.Tensor]:
        x = frames.detach().to(torch.float32).cpu()
        if x.dim() != 4 or tuple(x.shape[1:]) != (3, SIZE, SIZE):
            raise DataError(f"The faces probe reads frames (T, 3, {SIZE}, {SIZE}), got {tuple(x.shape)}.")
        return _decode(torch.cat([self.net(x[i : i + 256]) for i in range(0, len(x), 256)]))

    def nearest(self, frames: torch.Tensor) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        found = self.recover(frames)
        clean = render_faces({**found, "glasses": (found["glasses"] > 0.5).float()})
        x = frames.detach().to(torch.float32).cpu()
        dist = (x - clean).flatten(1).pow(2).mean(1).sqrt()
        return {k: v.to(torch.float64) for k, v in found.items()}, dist.to(torch.float64)


@functools.lru_cache(maxsize=1)
def _ground_truth() -> FacesGroundTruth:
    """One probe per process (read-only after loading)."""
    return FacesGroundTruth(load_probe())

