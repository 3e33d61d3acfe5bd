"""Errors that latentwalk raises on purpose.

Every error here carries one line that says what is wrong and what to do. The CLI prints that
line and exits with code 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class LatentwalkError(Exception):
    """Base class: bad input or a request that cannot be met. Message is one teaching line."""


class InvalidParameterError(LatentwalkError, ValueError):
    """A parameter has the wrong type, shape, range or value."""


class UnknownNameError(LatentwalkError, KeyError):
    """A name (method, model, dataset, metric, ...) is not in its registry."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class DataError(LatentwalkError):
    """An input file or dataset item is missing, corrupt or unusable."""


class CheckpointError(LatentwalkError):
    """A checkpoint is missing, corrupt, tampered with, or of an unknown family/version."""


class UnsupportedOperationError(LatentwalkError):
    """A model family cannot do what was asked (e.g. a GAN has no encoder)."""


class ModelOutputError(LatentwalkError):
    """A model produced NaN or inf (codes or frames): its weights or code are broken."""


class OutputError(LatentwalkError):
    """An output location cannot be written."""


class WorkerError(LatentwalkError):
    """A worker process died on the same piece of work more often than it is retried."""


class MissingExtraError(LatentwalkError, ImportError):
    """An optional dependency is not installed; the message names the extra."""


def require(module: str, extra: str) -> object:
    """Import an optional dependency or raise an error that names the extra to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f"'{module}' is needed for this; install it with: pip install 'latentwalk[{extra}]'"
        ) from exc


class LatentwalkWarning(UserWarning):
    """Something was changed or assumed on the user's behalf (frames clamped, a loud sound scaled,
    an image composited over white). The CLI prints it as one `note:` line; Python code can filter it."""


def note(message: str) -> None:
    """Tell the user, in one line, what latentwalk did on their behalf."""
    import warnings

    warnings.warn(message, LatentwalkWarning, stacklevel=2)
