"""The pipeline: one walk (encode -> path -> decode -> measure) and writing its folder."""

from latentwalk.walk import audio_output as _audio_output  # noqa: F401
from latentwalk.walk.core import MethodWalk, WalkResult, decode_batched, encode_items, run_walk
from latentwalk.walk.output import staged_output, write_walk

__all__ = ["MethodWalk", "WalkResult", "decode_batched", "encode_items", "run_walk", "staged_output", "write_walk"]
