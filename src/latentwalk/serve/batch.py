"""Decoding frames in batches: the codes asked for while a decode runs go together in the next one.

A page moving a slider asks for one frame per method at once, and a busy server for many more;
each model decodes at most one batch at a time, in a worker thread, and every request waiting
meanwhile joins the next batch (`decode_batched`, DECODE_BATCH codes at most per call).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor

import torch

from latentwalk.pipeline.core import DECODE_BATCH

Decode = Callable[[str, torch.Tensor], torch.Tensor]  # (model name, (B, *L)) -> (B, *X)


class DecodeBatcher:
    def __init__(self, decode: Decode, executor: Executor, max_batch: int = DECODE_BATCH) -> None:
        self._decode, self._executor, self._max = decode, executor, max_batch
        self._queues: dict[tuple[int, str], list[tuple[torch.Tensor, asyncio.Future[torch.Tensor]]]] = {}

    async def decode(self, model: str, z: torch.Tensor) -> torch.Tensor:
        """One code (*L) -> its frame (*X), decoded with whatever else is waiting for `model`."""
        loop = asyncio.get_running_loop()
        key = (id(loop), model)
        future: asyncio.Future[torch.Tensor] = loop.create_future()
        queue = self._queues.get(key)
        if queue is None:  # nothing running for this model: start a drain, which others join until it runs
            self._queues[key] = queue = []
            loop.create_task(self._drain(key))
        queue.append((z, future))
        return await future

    async def _drain(self, key: tuple[int, str]) -> None:
        loop = asyncio.get_running_loop()
        queue = self._queues[key]
        try:
            while queue:
                batch = queue[: self._max]
                del queue[: self._max]
                codes = torch.stack([z for z, _ in batch])  # (B, *L)
                try:
                    frames = await loop.run_in_executor(self._executor, self._decode, key[1], codes)
                except Exception as exc:  # noqa: BLE001 - handed to every waiting request
                    for _, f in batch:
                        if not f.done():
                            f.set_exception(exc)
                    continue
                for i, (_, f) in enumerate(batch):
                    if not f.done():
                        f.set_result(frames[i])
        finally:
            del self._queues[key]
