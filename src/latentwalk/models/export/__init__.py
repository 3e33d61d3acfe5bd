"""Bring your own model as a `torch.export` program: one `.pt2` file that `latentwalk walk --model` reads.

    from latentwalk.models.export import save_exported
    save_exported("my-model.pt2", decode=decoder, encode=encoder, latent_shape=(8,), data_shape=(1, 16, 16))

    $ latentwalk walk --model my-model.pt2 --from digits:0 --to digits:1 --out walk-mine

**The file.** One PT2 archive, the zip `torch.export.save` writes (PyTorch's "PT2 Archive Spec",
which names its programs `models/<name>.json`): the decoder under torch's default name `model`, so
that a plain `torch.export.load("my-model.pt2")` gives it back, the encoder (if any) under `encode`,
and `extra/latentwalk.json` saying what the tensors are:

    {"format": "latentwalk-exported", "format_version": 1, "programs": {"decode": "model", "encode": "encode"},
     "latent_shape": [8], "data_shape": [1, 16, 16], "prior": "gaussian", "modality": "image"}

Why two programs in one archive: torch.export exports one `forward` per program, so a module's
`encode` and `decode` cannot be one program; a `forward` that dispatches on a flag would take both
inputs and run both halves; the encoder's `.pt2` inside the decoder's `extra_files` would be stored
as text (base64, a third larger); two files in a folder would make one model two files to keep
together. The archive format holds several programs by name, so the user keeps one path. Writing
it goes through `package_pt2`, the function `torch.export.save` itself calls (it takes a dict of
programs); reading goes through the public `torch.export.load`. Both programs are exported in eval
mode, on the CPU, with a dynamic batch dimension (`torch.export.Dim`), so any batch size works.

The package: `save` writes the file, `sanitize` reads the zip and rebuilds each program from only
what it checked (why loading is safe), `load` turns that into a model; `common` holds what both
sides share.
"""

from latentwalk.models.export.common import FORMAT, FORMAT_VERSION, META_FILE, PROGRAMS, SUFFIX
from latentwalk.models.export.load import is_exported, load_exported
from latentwalk.models.export.save import save_exported

__all__ = ["FORMAT", "FORMAT_VERSION", "META_FILE", "PROGRAMS", "SUFFIX", "is_exported", "load_exported",
           "save_exported"]
