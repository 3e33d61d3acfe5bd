"""Uploads: an image or a sound, checked by its bytes, kept under a server-made id.

A client never names a path: an upload is stored as `<sha256 prefix><suffix>` in the server's own
temporary folder, the suffix taken from what its first bytes say it is (a text file named
`.png` is refused), and it is addressed afterwards as `upload:<id>`. The client's file name is
only checked (a plain name, no folders) and shown back.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from latentwalk.errors import DataError, InvalidParameterError, OutputError

UPLOAD_LIMIT = 10_000_000  # bytes (10 MB), `latentwalk serve --upload-limit`
MAX_UPLOADS = 64  # kept at once; the oldest is forgotten (and deleted) first
MAX_STORED_BYTES = 256_000_000
MAX_NAME_CHARS = 255
ID = re.compile(r"upload:([0-9a-f]{16})")

# What a file's first bytes say it is: (kind, suffix). RIFF holds both WAVE and WEBP.
_MAGIC: list[tuple[bytes, int, str, str]] = [
    (b"\x89PNG\r\n\x1a\n", 0, "image", ".png"),
    (b"\xff\xd8\xff", 0, "image", ".jpg"),
    (b"GIF87a", 0, "image", ".gif"),
    (b"GIF89a", 0, "image", ".gif"),
    (b"BM", 0, "image", ".bmp"),
    (b"II*\x00", 0, "image", ".tif"),
    (b"MM\x00*", 0, "image", ".tif"),
    (b"WEBP", 8, "image", ".webp"),
    (b"WAVE", 8, "audio", ".wav"),
    (b"fLaC", 0, "audio", ".flac"),
    (b"OggS", 0, "audio", ".ogg"),
]
KINDS_SHOWN = "an image (PNG, JPEG, GIF, BMP, WebP, TIFF) or a sound (WAV, FLAC, OGG)"


class UploadTooLarge(DataError):
    status = 413


class UnsupportedUpload(DataError):
    status = 415


class UnknownUpload(DataError):
    status = 404


def sniff(data: bytes) -> tuple[str, str] | None:
    """(modality, suffix) that the bytes' signature names, or None."""
    for magic, at, kind, suffix in _MAGIC:
        if data[at : at + len(magic)] == magic and (at == 0 or data[:4] == b"RIFF"):
            return kind, suffix
    return None


def check_name(name: str) -> str:
    """A plain file name as the client gave it (for messages); anything with a folder is refused."""
    bad = (not name or len(name) > MAX_NAME_CHARS or name in (".", "..") or "/" in name or "\\" in name
           or ".." in name or any(ord(c) < 32 or ord(c) == 127 for c in name))
    if bad:
        from latentwalk.data.base import shown

        raise InvalidParameterError(f"The upload's name '{shown(name)}' must be a plain file name (no folders, "
                                    f"no '..', at most {MAX_NAME_CHARS} characters), e.g. 'cat.png'.")
    return name


def too_large(n: int | None, limit: int) -> UploadTooLarge:
    got = "more than that" if n is None else f"{n:,} bytes"
    return UploadTooLarge(f"The upload is {got}, over the server's limit of {limit:,} bytes "
                          "(`latentwalk serve --upload-limit` sets it); send a smaller file.")


def multipart_file(body: bytes, content_type: str) -> tuple[str, bytes]:
    """The first file part of a multipart/form-data body (already in memory): (file name, bytes)."""
    from python_multipart.multipart import MultipartParser, parse_options_header

    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        raise InvalidParameterError("A multipart upload needs a boundary in its Content-Type; send the file as "
                                    "multipart/form-data (curl -F file=@cat.png) or as the raw body.")
    parts: list[dict[str, bytes]] = []
    field: list[bytes] = [b""]

    def begin() -> None:
        parts.append({"headers": b"", "data": b""})

    def header_field(data: bytes, start: int, end: int) -> None:
        field[0] += data[start:end]

    def header_value(data: bytes, start: int, end: int) -> None:
        if field[0].lower() == b"content-disposition":
            parts[-1]["headers"] += data[start:end]

    def header_end() -> None:
        field[0] = b""

    def part_data(data: bytes, start: int, end: int) -> None:
        parts[-1]["data"] += data[start:end]

    parser = MultipartParser(boundary, {"on_part_begin": begin, "on_header_field": header_field,
                                        "on_header_value": header_value, "on_header_end": header_end,
                                        "on_part_data": part_data})
    try:
        parser.write(body)
        parser.finalize()
    except Exception:  # noqa: BLE001 - the parser's own errors are many; any of them is a bad body
        raise InvalidParameterError("The multipart body could not be read; send one file as multipart/form-data.") from None
    for part in parts:
        _, disp = parse_options_header(part["headers"])
        if b"filename" in disp:
            return disp[b"filename"].decode("utf-8", "replace"), part["data"]
    raise InvalidParameterError("The multipart body holds no file; send it as a file field (curl -F file=@cat.png).")


@dataclass(frozen=True)
class Upload:
    id: str  # upload:<16 hex>
    path: Path  # inside the server's temporary folder
    modality: str  # image | audio
    name: str  # as the client called it
    size: int


class UploadStore:
    """Uploads in `folder` (the server's own), at most MAX_UPLOADS and MAX_STORED_BYTES of them."""

    def __init__(self, folder: Path, limit: int = UPLOAD_LIMIT) -> None:
        self.folder, self.limit = folder, limit
        folder.mkdir(parents=True, exist_ok=True)
        self._written: set[Path] = set()  # the files this store wrote: the only ones it ever deletes
        self._uploads: OrderedDict[str, Upload] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, data: bytes, name: str) -> Upload:
        from latentwalk.files import write_atomically

        check_name(name)
        if len(data) > self.limit:
            raise too_large(len(data), self.limit)
        if not data:
            raise InvalidParameterError(f"The upload '{name}' is empty; send the file's bytes.")
        found = sniff(data)
        if found is None:
            raise UnsupportedUpload(f"'{name}' is not {KINDS_SHOWN}: its first bytes say otherwise, whatever "
                                    "its name; send one of those files.")
        modality, suffix = found
        token = hashlib.sha256(data).hexdigest()[:16]  # the same file twice is one upload
        path = self.folder / f"{token}{suffix}"
        with self._lock:
            if path not in self._written:
                present = path.exists() or path.is_symlink()
                same = present and path.is_file() and not path.is_symlink() and path.read_bytes() == data
                if present and not same:  # never overwrite, or later delete, a file this store did not write
                    raise OutputError(f"The server's folder '{self.folder}' holds a file '{path.name}' it did not write; "
                                      "give create_app an empty tmpdir (or none: the server makes its own).")
                if not present:
                    write_atomically(path, lambda p: p.write_bytes(data))
                    self._written.add(path)
            up = Upload(f"upload:{token}", path, modality, name, len(data))
            self._uploads[up.id] = up
            self._uploads.move_to_end(up.id)
            self._evict()
        return up

    def _evict(self) -> None:
        while len(self._uploads) > MAX_UPLOADS or sum(u.size for u in self._uploads.values()) > MAX_STORED_BYTES:
            _, old = self._uploads.popitem(last=False)
            if old.path in self._written and not any(u.path == old.path for u in self._uploads.values()):
                self._written.discard(old.path)
                old.path.unlink(missing_ok=True)

    def get(self, item: str) -> Upload:
        with self._lock:
            up = self._uploads.get(item)
        if up is None:
            raise UnknownUpload(f"'{item}' is not an upload this server holds (uploads are forgotten when the server "
                                "restarts or after 64 newer ones); upload the file again.")
        return up
