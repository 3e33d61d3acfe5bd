"""Checkpoints: `model.safetensors` (weights) + `config.json` (family, version, config, provenance).

Loading never unpickles: weights come from safetensors, the architecture from the registry
entry the JSON names. A file that does not match (wrong family, wrong version, missing or extra
tensors, wrong shapes, NaN weights, a corrupt or tampered file, no weights hash) raises
CheckpointError with one line. Only regular files within a size limit are opened, so a link to
/dev/zero or a FIFO is refused at once instead of read forever.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from torch import nn

from latentwalk import files
from latentwalk.errors import CheckpointError, InvalidParameterError
from latentwalk.files import staged_folder
from latentwalk.models.families import FAMILIES, check_param_budget, config_from_json, config_to_json

FORMAT = "latentwalk-checkpoint"
FORMAT_VERSION = 1
WEIGHTS, CONFIG = "model.safetensors", "config.json"
PICKLE_SUFFIXES = {".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".bin"}
MAX_WEIGHTS_BYTES = 4 << 30  # 4 GiB: ~1e9 float32 parameters, far above latentwalk's MAX_PARAMS
MAX_CONFIG_BYTES = 1 << 20  # 1 MiB: a config.json is a few hundred bytes


def check_regular_file(path: Path, limit: int) -> None:
    files.check_regular_file(path, limit, CheckpointError, "a checkpoint file written by latentwalk")


def file_sha256(path: Path) -> str:
    return files.sha256_file(path)


def save_checkpoint(model: nn.Module, directory: str | Path, extra: dict[str, Any] | None = None, force: bool = False,
                    manifest: dict[str, Any] | None = None) -> Path:
    """Write the checkpoint folder atomically and safely (latentwalk.files.staged_output): an existing
    folder is replaced only if latentwalk wrote it; `manifest` adds to its manifest.json."""
    from safetensors.torch import save_file

    out = Path(directory)
    with staged_folder(out, force, manifest) as tmp:
        state = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
        save_file(state, str(tmp / WEIGHTS))
        meta = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "family": model.family,
            "family_version": model.version,
            "config": config_to_json(model.config),
            "weights_sha256": file_sha256(tmp / WEIGHTS),
            **(extra or {}),
        }
        files.write_json(tmp / CONFIG, meta)
    return out


def _read_meta(folder: Path) -> dict[str, Any]:
    cfg = folder / CONFIG
    if not cfg.exists() or not (folder / WEIGHTS).exists():
        raise CheckpointError(
            f"'{folder}' is not a latentwalk checkpoint: it needs {WEIGHTS} and {CONFIG} "
            "(make one with `latentwalk train`)."
        )
    check_regular_file(cfg, MAX_CONFIG_BYTES)
    check_regular_file(folder / WEIGHTS, MAX_WEIGHTS_BYTES)
    try:
        meta = json.loads(cfg.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"'{cfg}' is not valid JSON ({exc}); the checkpoint is corrupt.") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"'{cfg}' is not a latentwalk checkpoint config (no \"format\": \"{FORMAT}\").")
    return meta


def _expected_hash(meta: dict[str, Any], folder: Path) -> str:
    """The `weights_sha256` of config.json; without it a changed weights file would go unnoticed."""
    h = meta.get("weights_sha256")
    if isinstance(h, str) and re.fullmatch(r"[0-9a-fA-F]{64}", h):
        return h.lower()
    got = json.dumps(h) if "weights_sha256" in meta else "missing"
    raise CheckpointError(
        f"'{folder / CONFIG}' has no weights hash (\"weights_sha256\" is {got}): re-save the model with latentwalk "
        f"(`latentwalk train`, or latentwalk.models.save_checkpoint), or, if you trust {WEIGHTS}, set "
        f"\"weights_sha256\" to the 64 hex digits `sha256sum {WEIGHTS}` prints."
    )


def _first_nonfinite(model: nn.Module) -> str | None:
    return next((k for k, t in model.state_dict().items() if t.is_floating_point() and not bool(t.isfinite().all())), None)


def load_checkpoint(path: str | Path) -> tuple[nn.Module, dict[str, Any]]:
    """Load a checkpoint folder -> (model in eval mode, its metadata incl. `weights_sha256`)."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    p = Path(path)
    if p.suffix.lower() in PICKLE_SUFFIXES and p.is_file():
        raise CheckpointError(
            f"'{p}' is a pickle file; latentwalk does not unpickle (it can run code). "
            "Save the weights with safetensors, or wrap your model with latentwalk.wrap()."
        )
    if not p.exists():
        raise CheckpointError(f"Checkpoint '{p}' does not exist; give a folder made by `latentwalk train`.")
    folder = p.parent if p.is_file() else p
    meta = _read_meta(folder)
    cls: Any = FAMILIES.get(str(meta.get("family")))
    if meta.get("family_version") != cls.version:
        raise CheckpointError(
            f"Checkpoint family '{meta.get('family')}' version {meta.get('family_version')} is not "
            f"supported (this latentwalk reads version {cls.version}); retrain it with `latentwalk train`."
        )
    expected = _expected_hash(meta, folder)
    digest = file_sha256(folder / WEIGHTS)
    if digest != expected:
        raise CheckpointError(f"'{folder / WEIGHTS}' does not match the hash in {CONFIG}: the file was changed or is corrupt.")
    config = config_from_json(cls.config_class, meta.get("config") or {})
    try:  # every family, also those whose config sets no caps of its own
        check_param_budget(f"The config in '{folder / CONFIG}'", lambda: cls(config))
    except InvalidParameterError as exc:
        raise CheckpointError(str(exc)) from None
    model = cls(config)
    try:
        state = load_file(str(folder / WEIGHTS))
        model.load_state_dict(state, strict=True)
    except (SafetensorError, RuntimeError, OSError, ValueError) as exc:
        lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
        detail = " ".join(lines[:2])[:300] if lines else type(exc).__name__
        raise CheckpointError(f"Weights in '{folder}' do not fit the '{meta['family']}' config: {detail}") from None
    bad = _first_nonfinite(model)
    if bad is not None:
        raise CheckpointError(f"'{folder / WEIGHTS}' holds NaN or inf weights (first in tensor '{bad}'): retrain the model.")
    model.eval()
    meta["weights_sha256"] = digest
    return model, meta
