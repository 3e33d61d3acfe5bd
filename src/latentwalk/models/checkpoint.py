"""Checkpoints: `model.safetensors` (weights) + `config.json` (family, version, config, provenance).

Loading never unpickles: weights come from safetensors, the architecture from the registry
entry the JSON names. A file that does not match (wrong family, wrong version, missing or extra
tensors, wrong shapes, a corrupt or tampered file) raises CheckpointError with one line.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from torch import nn

from latentwalk.errors import CheckpointError
from latentwalk.files import staged_folder
from latentwalk.models.families import FAMILIES, config_from_json, config_to_json

FORMAT = "latentwalk-checkpoint"
FORMAT_VERSION = 1
WEIGHTS, CONFIG = "model.safetensors", "config.json"
PICKLE_SUFFIXES = {".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".bin"}


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def save_checkpoint(model: nn.Module, directory: str | Path, extra: dict[str, Any] | None = None) -> Path:
    """Write the checkpoint folder atomically (temp folder, then rename)."""
    from safetensors.torch import save_file

    out = Path(directory)
    with staged_folder(out) as tmp:
        state = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
        save_file(state, str(tmp / WEIGHTS))
        meta = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "family": model.family,  # type: ignore[attr-defined]
            "family_version": model.version,  # type: ignore[attr-defined]
            "config": config_to_json(model.config),  # type: ignore[attr-defined]
            "weights_sha256": file_sha256(tmp / WEIGHTS),
            **(extra or {}),
        }
        (tmp / CONFIG).write_text(json.dumps(meta, indent=2) + "\n")
    return out


def _read_meta(folder: Path) -> dict[str, Any]:
    cfg = folder / CONFIG
    if not cfg.exists() or not (folder / WEIGHTS).exists():
        raise CheckpointError(
            f"'{folder}' is not a latentwalk checkpoint: it needs {WEIGHTS} and {CONFIG} "
            "(make one with `latentwalk train`)."
        )
    try:
        meta = json.loads(cfg.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"'{cfg}' is not valid JSON ({exc}); the checkpoint is corrupt.") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"'{cfg}' is not a latentwalk checkpoint config (no \"format\": \"{FORMAT}\").")
    return meta


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
    digest = file_sha256(folder / WEIGHTS)
    if meta.get("weights_sha256") not in (None, digest):
        raise CheckpointError(f"'{folder / WEIGHTS}' does not match the hash in {CONFIG}: the file was changed or is corrupt.")
    config = config_from_json(cls.config_class, meta.get("config") or {})
    model = cls(config)
    try:
        state = load_file(str(folder / WEIGHTS))
        model.load_state_dict(state, strict=True)
    except (SafetensorError, RuntimeError, OSError, ValueError) as exc:
        lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
        detail = " ".join(lines[:2])[:300] if lines else type(exc).__name__
        raise CheckpointError(f"Weights in '{folder}' do not fit the '{meta['family']}' config: {detail}") from None
    model.eval()
    meta["weights_sha256"] = digest
    return model, meta
