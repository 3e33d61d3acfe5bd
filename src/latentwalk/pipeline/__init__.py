"""The pipeline: one walk (encode -> path -> decode -> measure) and writing its folder."""

from latentwalk.pipeline.core import MethodWalk, WalkResult, decode_batched, encode_items, run_walk
from latentwalk.pipeline.output import staged_output, write_walk

__all__ = ["MethodWalk", "WalkResult", "decode_batched", "encode_items", "run_walk", "staged_output", "write_walk"]
