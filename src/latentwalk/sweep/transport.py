"""A model as bytes for the workers: the checkpoint's own parts — family, config (JSON) and weights
(safetensors) — rebuilt through the family registry, as `load_checkpoint` does; nothing unpickled.

A model of no registered family (a wrapped pair of callables, an exported program) travels pickled,
between latentwalk's own processes only; one that cannot be pickled says to use `--engine serial`.
"""

from __future__ import annotations

import json
import pickle
from typing import Any

from latentwalk.errors import InvalidParameterError
from latentwalk.models.model import Model

_HEADER = 8  # bytes of the header's length


def _family_of(model: Model) -> type | None:
    from latentwalk.models.families import FAMILIES

    family = getattr(model.module, "family", None)
    if not isinstance(family, str) or family not in FAMILIES or getattr(model.module, "config", None) is None:
        return None
    cls = FAMILIES.get(family)
    return cls if isinstance(model.module, cls) else None


def _frame(header: dict[str, Any], body: bytes) -> bytes:
    head = json.dumps(header).encode()
    return len(head).to_bytes(_HEADER, "big") + head + body


def pack(model: Model) -> bytes:
    """The bytes `unpack` rebuilds `model` from."""
    from latentwalk.models.families import config_to_json

    cls = _family_of(model)
    if cls is not None:
        from safetensors.torch import save

        state = {k: v.detach().cpu().contiguous() for k, v in model.module.state_dict().items()}
        header = {"kind": "family", "family": model.module.family, "config": config_to_json(model.module.config),
                  "meta": json.loads(json.dumps(model.meta, default=str)), "spec": model.spec}
        return _frame(header, save(state))
    try:
        body = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError, RuntimeError) as exc:
        raise InvalidParameterError(f"'{model.spec}' cannot be sent to worker processes ({str(exc).splitlines()[0]}); "
                                    "run the sweep with --engine serial.") from None
    return _frame({"kind": "pickle", "spec": model.spec}, body)


def unpack(blob: bytes) -> Model:
    from latentwalk.models.families import FAMILIES, config_from_json

    n = int.from_bytes(blob[:_HEADER], "big")
    header = json.loads(blob[_HEADER : _HEADER + n])
    body = blob[_HEADER + n :]
    if header["kind"] == "pickle":
        # Only the bytes `pack` made in this run's driver from a Python object the caller handed over
        # (a `wrap`ped pair of callables is the caller's own code), carried by the pool's pipes or Ray's
        # object store — channels that already pickle every task argument. Never a file or a request.
        model: Model = pickle.loads(body)
        return model
    from safetensors.torch import load

    cls: Any = FAMILIES.get(header["family"])
    module = cls(config_from_json(cls.config_class, header["config"]))
    module.load_state_dict(load(body), strict=True)
    module.eval()
    return Model(module, header["meta"], header["spec"])
