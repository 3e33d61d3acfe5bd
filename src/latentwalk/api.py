"""The Python API: load a model, walk, look, save — the same engine the command line calls.

    >>> import latentwalk
    >>> m = latentwalk.load_model("digits-vae")
    >>> w = latentwalk.walk(m, "digits:3", "digits:8", method="slerp", steps=12)
    >>> w.frames.shape, w.metrics["smoothness"]["evenness"]
    >>> w.save("walk-3-8")          # the CLI's folder and manifest: `latentwalk rerun walk-3-8` works

Items are a spec string (`digits:17`, `lines:angle=2.1`), a path to an image or sound file, or a
tensor shaped like the model's data. Randomness (a sampled posterior, a GAN's inversion) comes from
`seed` or a `torch.Generator`; the same seed gives the same bytes.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from latentwalk.data import Item
from latentwalk.errors import InvalidParameterError
from latentwalk.models.base import LatentModel
from latentwalk.models.model import Model, as_model

__all__ = ["Model", "Walk", "compare", "evaluate", "load_model", "walk"]

ItemLike = str | Path | torch.Tensor


def load_model(spec: str | Path, *, device: str | torch.device | None = None, progress: bool = True) -> Model:
    """A built-in name (`latentwalk list`), a checkpoint folder, a `.pt2` export, a TorchScript file
    or a diffusers AutoencoderKL folder -> a Model (in eval mode, on `device`, CPU by default)."""
    from latentwalk.models import open_model

    if isinstance(spec, Model):
        return spec.to(device) if device is not None else spec
    if not isinstance(spec, str | Path) or not str(spec).strip():
        raise InvalidParameterError(f"The 'spec' parameter of load_model must be a model name or a path (see "
                                    f"`latentwalk list`). Got {spec!r} instead.")
    module, meta = open_model(str(spec), progress=progress)
    model = Model(module, meta, str(spec))
    return model.to(_device(device)) if device is not None else model


def _device(device: str | torch.device) -> torch.device:
    try:
        d = torch.device(device)
    except (RuntimeError, TypeError):
        raise InvalidParameterError(f"Unknown device {device!r}; use 'cpu', 'cuda', 'cuda:1' or 'mps'.") from None
    if d.type == "cuda" and not torch.cuda.is_available():
        raise InvalidParameterError(f"Device '{device}' was asked for, but torch sees no CUDA device here; use 'cpu'.")
    return d


def _item(model: Model, x: ItemLike, name: str) -> Item:
    from latentwalk.data import resolve_item

    if isinstance(x, torch.Tensor):
        if tuple(x.shape) != model.data_shape:
            raise InvalidParameterError(f"The '{name}' tensor has shape {tuple(x.shape)} but the model takes "
                                        f"{model.data_shape}.")
        return Item(x.detach().cpu().float(), "tensor")
    if isinstance(x, str | Path) and str(x).strip():
        return resolve_item(str(x), model.data_shape, model.modality)
    raise InvalidParameterError(f"The '{name}' parameter must be an item spec, a path or a tensor. Got {x!r} instead.")


def _seed_of(generator: torch.Generator | None, seed: int) -> tuple[int, bool]:
    """The seed to record, and whether it re-creates the generator (a fresh one, not yet drawn from)."""
    if generator is None:
        return seed, True
    s = generator.initial_seed()
    fresh = torch.Generator(generator.device).manual_seed(s).get_state()
    return s, bool(torch.equal(fresh, generator.get_state()))


@dataclass
class Walk:
    """The result of `walk` or `compare`: every method's frames, codes and metrics, and how it was made."""

    model: Model
    result: Any  # latentwalk.pipeline.core.WalkResult
    request: dict[str, Any]  # the parameters, named as the CLI's `walk` names them
    fps: float = 8
    notes: list[str] = field(default_factory=list)  # why the folder could not be re-created, if so
    items: list[str] = field(default_factory=list)

    @property
    def methods(self) -> list[str]:
        return list(self.result.walks)

    def _one(self, method: str | None) -> Any:
        name = method or self.methods[0]
        if name not in self.result.walks:
            raise InvalidParameterError(f"This walk has no method '{name}'; it has {', '.join(self.methods)}.")
        return self.result.walks[name]

    @property
    def frames(self) -> torch.Tensor:
        """(T, *X) frames of the first method, values in [0, 1]; `self[method].frames` for another."""
        return self._one(None).frames

    @property
    def codes(self) -> torch.Tensor | None:
        return self._one(None).codes

    @property
    def ts(self) -> torch.Tensor:
        return self._one(None).ts

    @property
    def metrics(self) -> dict[str, dict[str, float]]:
        """{metric: {name: value}} of the first method."""
        return {k: dict(r.summary) for k, r in self._one(None).metrics.items()}

    def __getitem__(self, method: str) -> Any:
        return self._one(method)

    def manifest(self) -> dict[str, Any]:
        """What `save` records besides the files: the call (re-creatable when every input is a spec
        or a file and the seed re-creates the randomness), the model and the notes."""
        m = self.model.meta
        out: dict[str, Any] = {
            "model": {"spec": self.model.spec, "family": m.get("family"), "weights_sha256": m.get("weights_sha256"),
                      "builtin": m.get("builtin"), "config": m.get("config"), "trained_on": m.get("trained_on")},
            "cwd": str(Path.cwd()),
        }
        if self.notes:
            out["notes"] = list(self.notes)
            return out
        out["invocation"] = {"command": "walk", "params": dict(self.request)}
        out["command"] = _words(self.request)
        return out

    def save(self, out: str | Path, *, force: bool = False) -> Path:
        """Write the folder the CLI writes (frames, codes, strip, GIF, MP4 or WAVs, metrics, manifest)."""
        from latentwalk.pipeline.output import write_walk

        return write_walk(self.result, out, self.manifest(), self.fps, self.model.modality, force)

    def show(self, method: str | None = None) -> Any:
        """The walk as one picture (a PIL image; notebooks display it)."""
        import tempfile

        from PIL import Image

        from latentwalk.render import save_strip

        mw = self._one(method)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "strip.png"
            save_strip(mw.frames.cpu().numpy(), path, labels=[f"t={t:.2f}" for t in mw.ts.tolist()])
            return Image.open(path).copy()

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.show().save(buf, format="PNG")
        return buf.getvalue()

    def __repr__(self) -> str:
        from latentwalk.pipeline.output import headline

        head = f"Walk({self.model.spec!r}: {' → '.join(self.items)}, {self.request['steps']} steps, {self.request['schedule']})"
        lines = [head]
        lines += [f"  {name:>10}  {headline(mw)}" for name, mw in self.result.walks.items()]
        return "\n".join(lines)


def walk(model: Model | LatentModel | str, a: ItemLike, b: ItemLike, *, method: str | Sequence[str] = "slerp", steps: int = 16,
         via: Sequence[ItemLike] = (), schedule: str = "uniform", loop: bool = False, posterior: str = "mean",
         distance: str = "rms", seed: int = 0, generator: torch.Generator | None = None, fps: float = 8,
         metrics: list[str] | None = None) -> Walk:
    """Walk from `a` (through `via`) to `b` in `model`'s latent space with one method or several."""
    from latentwalk.config import FPS, check_params
    from latentwalk.pipeline import run_walk
    from latentwalk.pipeline.core import check_walk_request

    m = load_model(model) if isinstance(model, str | Path) else as_model(model, "a model object")
    methods = [method] if isinstance(method, str) else list(method)
    check_params({"fps": [FPS]}, {"fps": fps}, "walk")
    check_walk_request(methods, steps, schedule, distance, m.data_shape)
    specs = [a, *via, b]
    items = [_item(m, x, name) for x, name in zip(specs, ["a", *(["via"] * len(via)), "b"], strict=True)]
    recorded_seed, exact = _seed_of(generator, seed)
    g = generator if generator is not None else torch.Generator(m.device).manual_seed(seed)
    result = run_walk(m, items, methods, steps, schedule, loop, posterior, recorded_seed, distance,  # type: ignore[arg-type]
                      ground_truth_for(m.meta), metrics, reference=reference_for(m.meta), generator=g)
    request = {"model_spec": m.spec, "src": _spec(a), "dst": _spec(b), "via": [_spec(v) for v in via],
               "methods": methods, "steps": steps, "schedule": schedule, "loop": loop, "posterior": posterior,
               "distance": distance, "seed": recorded_seed, "fps": fps}
    notes = []
    if not isinstance(model, str | Path | Model):
        notes.append("the model was passed as an object: save it (a checkpoint or a .pt2) to make the folder re-creatable")
    if any(isinstance(x, torch.Tensor) for x in specs):
        notes.append("inputs were tensors: save them as files (or use dataset items) to make the folder re-creatable")
    if not exact:
        notes.append("a generator that had been drawn from was passed: its state is not recorded")
    if metrics is not None:
        notes.append("a subset of metrics was asked for: `latentwalk rerun` computes them all")
    return Walk(m, result, request, fps, notes, [_spec(x) for x in specs])


def _spec(x: ItemLike) -> str:
    return "tensor" if isinstance(x, torch.Tensor) else str(x)


def _words(request: dict[str, Any]) -> list[str]:
    """The command line that makes the same walk, for people reading the manifest."""
    r = request
    words = ["latentwalk", "walk", "--model", r["model_spec"], "--from", r["src"], "--to", r["dst"]]
    for v in r["via"]:
        words += ["--via", v]
    for name in r["methods"]:
        words += ["--method", name]
    words += ["--steps", str(r["steps"]), "--schedule", r["schedule"], "--posterior", r["posterior"],
              "--distance", r["distance"], "--seed", str(r["seed"]), "--fps", f"{r['fps']:g}"]
    return words + (["--loop"] if r["loop"] else [])


def ground_truth_for(meta: dict[str, Any]) -> Any:
    """The dataset's ground truth when the model was trained on a dataset that has one."""
    from latentwalk.data import DATASETS, get_dataset

    name = (meta.get("trained_on") or {}).get("dataset")
    return get_dataset(name).ground_truth() if name in DATASETS and isinstance(name, str) else None


def reference_for(meta: dict[str, Any]) -> torch.Tensor | None:
    """The training data of a model trained on an embedded dataset, for the realism metric (one
    tensor per dataset and process, read only: a copy per walk cost a sweep 5 % of its time)."""
    from latentwalk.data import DATASETS

    name = (meta.get("trained_on") or {}).get("dataset")
    return _reference(name) if name in DATASETS and isinstance(name, str) else None


@functools.lru_cache(maxsize=8)
def _reference(name: str) -> torch.Tensor:
    from latentwalk.data import get_dataset

    return get_dataset(name).load().x


def compare(model: Model | LatentModel | str, a: ItemLike, b: ItemLike, *,
            methods: Sequence[str] = ("crossfade", "lerp", "slerp", "matched"), **options: Any) -> Walk:
    """`walk` with several methods side by side (the crossfade of the raw data among them by default)."""
    return walk(model, a, b, method=list(methods), **options)


ModelLike = str | Path | Model


def evaluate_sweep(models: ModelLike | Sequence[ModelLike], *, methods: Sequence[str] = ("lerp", "slerp", "matched"),
                   pairs: int = 64, seed: int = 0, steps: int = 16, schedule: str = "uniform", data: str | None = None,
                   distance: str = "rms", out: str | Path | None = None, force: bool = False, engine: str = "local",
                   workers: int | None = None, address: str | None = None, progress: bool = True,
                   record: dict[str, Any] | None = None) -> Any:
    """`evaluate`, returning the whole `latentwalk.sweep.SweepResult` (rows, summary, counts, timings)."""
    from numbers import Integral

    from latentwalk.config import MAX_SWEEP_PAIRS, Interval, check_params
    from latentwalk.sweep import parse_spec, run_sweep

    check_params({"pairs": [Interval(Integral, 1, MAX_SWEEP_PAIRS)]}, {"pairs": pairs}, "evaluate")
    given = [models] if isinstance(models, str | Path | Model) else list(models)
    objects = {m.spec: m for m in given if isinstance(m, Model)}
    names = [m.spec if isinstance(m, Model) else str(m) for m in given]
    spec = parse_spec({"models": names, "methods": [*dict.fromkeys([*methods, "crossfade"])],
                       "pairs": {"random": pairs, "dataset": data}, "schedules": [schedule], "steps": steps,
                       "seed": seed, "distance": distance})
    if record is None:
        record = {"api": "latentwalk.evaluate", "params": {"models": names, "methods": list(methods), "pairs": pairs,
                                                           "seed": seed, "steps": steps, "schedule": schedule,
                                                           "data": data, "distance": distance}}
    return run_sweep(spec, out, engine=engine, workers=workers, address=address, force=force, progress=progress,
                     stem="evaluate", record=record, models=objects)


def evaluate(models: ModelLike | Sequence[ModelLike], *, methods: Sequence[str] = ("lerp", "slerp", "matched"),
             pairs: int = 64, seed: int = 0, steps: int = 16, schedule: str = "uniform", data: str | None = None,
             distance: str = "rms", out: str | Path | None = None, force: bool = False, engine: str = "local",
             workers: int | None = None, address: str | None = None, progress: bool = True) -> Any:
    """The ACAI table of one model or several: `pairs` random pairs drawn with `seed` from each model's
    dataset (or `data`; on lines every item is a clean line of known angle), walked with every method
    plus the crossfade. Returns a `latentwalk.sweep.SummaryTable`: per (model, method) each metric's mean
    and 95 % interval over pairs (`table["lines-vae", "slerp"]["acai.mean_distance"]`), printed as a
    table; `table.rows` holds every walk (a pyarrow Table). With `out`, writes the folder `latentwalk
    evaluate` writes (evaluate.json, .csv, .png, rows.parquet; resumable). Runs on every core by
    default (`engine="serial"` for this process only, `"ray"` for Ray); needs `pip install 'latentwalk[sweep]'`."""
    return evaluate_sweep(models, methods=methods, pairs=pairs, seed=seed, steps=steps, schedule=schedule, data=data,
                          distance=distance, out=out, force=force, engine=engine, workers=workers, address=address,
                          progress=progress).summary
