"""The upload store deletes only the files it wrote: a file already in its folder is never
overwritten, and never removed when uploads are forgotten."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from serve_tools import png_bytes as encode

from latentwalk.errors import OutputError
from latentwalk.serve import uploads as U
from latentwalk.serve.uploads import UploadStore


def png_bytes(seed: int) -> bytes:
    return encode(np.random.default_rng(seed).integers(0, 256, (8, 8), dtype=np.uint8))


def _name(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16] + ".png"


def test_a_foreign_file_of_the_same_name_is_neither_overwritten_nor_deleted(tmp_path: Path) -> None:
    data = png_bytes(seed=1)
    foreign = tmp_path / _name(data)
    foreign.write_bytes(b"mine, not the server's")
    with pytest.raises(OutputError, match="did not write"):
        UploadStore(tmp_path).add(data, "a.png")
    assert foreign.read_bytes() == b"mine, not the server's"


def test_forgetting_uploads_deletes_only_what_the_store_wrote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(U, "MAX_UPLOADS", 1)
    same, other = png_bytes(seed=2), png_bytes(seed=3)
    (tmp_path / _name(same)).write_bytes(same)  # already there, identical: used, but not the store's to delete
    store = UploadStore(tmp_path)
    store.add(same, "a.png")
    store.add(other, "b.png")  # forgets the first upload
    assert (tmp_path / _name(same)).exists()
    store.add(png_bytes(seed=4), "c.png")  # forgets the second, which the store wrote
    assert not (tmp_path / _name(other)).exists()
