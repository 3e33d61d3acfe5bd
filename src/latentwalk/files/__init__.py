"""Shared ground for files: read only plain files (`reading`), write one file at once (`atomic`),
and write output folders that replace only what latentwalk wrote (`output`)."""

from latentwalk.files.atomic import write_atomically
from latentwalk.files.output import (
    FORMAT,
    FORMAT_VERSION,
    Holdings,
    Stage,
    check_output,
    holdings,
    interrupts_held,
    read_manifest,
    staged_folder,
    staged_output,
)
from latentwalk.files.reading import (
    MANIFEST,
    check_regular_file,
    file_hashes,
    json_text,
    sha256_bytes,
    sha256_file,
    versions,
    write_json,
)

__all__ = ["FORMAT", "FORMAT_VERSION", "MANIFEST", "Holdings", "Stage", "check_output", "check_regular_file",
           "file_hashes", "holdings", "interrupts_held", "json_text", "read_manifest", "sha256_bytes", "sha256_file",
           "staged_folder", "staged_output", "versions", "write_atomically", "write_json"]
