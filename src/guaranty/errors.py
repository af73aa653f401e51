"""Exceptions raised by guaranty.

The hierarchy::

    GuarantyError                      base of everything guaranty raises on purpose
    ├── ScenarioError (+ ValueError)   a scenario or input file is malformed
    ├── DataError (+ ValueError)       a shipped or user data table is missing or malformed
    ├── ModelError (+ RuntimeError)    a model cannot run on the inputs it was given
    ├── ParameterError (+ ValueError)  an argument of a library call is outside its domain
    │                                  (draws < 1, a level outside (0, 1), a bad model
    │                                  parameter)
    ├── StoreError                     the results store cannot be written or read: a full
    │                                  disk, a read-only folder, a damaged file
    └── OutputError                    a report cannot be written where it was asked for

Library errors also subclass the built-in they resemble, so ``except ValueError`` in user
code keeps working. ``ScenarioError`` and ``DataError`` carry where the problem is (file,
line, column, field path) besides the message; ``str(err)`` renders one paragraph such as::

    scenarios/x.yaml:12:7: positions.ukraine.territory.salience: must be between 0 and 1; got 1.4
"""

from __future__ import annotations

import errno
from collections.abc import Sequence

__all__ = [
    "DataError",
    "GuarantyError",
    "ModelError",
    "OutputError",
    "ParameterError",
    "ScenarioError",
    "StoreError",
    "disk_problem",
]


def _format_path(path: Sequence[str | int]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


class GuarantyError(Exception):
    """Base class of every error guaranty raises on purpose."""


class _LocatedError(GuarantyError):
    """An error that knows which file, line, column and field it is about."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        field: Sequence[str | int] | str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        if isinstance(field, str):
            self.field: tuple[str | int, ...] = (field,)
        else:
            self.field = tuple(field or ())
        super().__init__(str(self))

    @property
    def field_path(self) -> str:
        """The field as a dotted path, e.g. ``positions.ukraine.territory.salience``."""
        return _format_path(self.field)

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
        parts = [p for p in (where, self.field_path) if p]
        prefix = ": ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message


class ScenarioError(_LocatedError, ValueError):
    """A scenario file (YAML or a peer tool's format) is malformed or inconsistent."""


class DataError(_LocatedError, ValueError):
    """A reference data table is missing, unreadable or lacks a needed value."""


class ModelError(GuarantyError, RuntimeError):
    """A model cannot run on the inputs it was given, or was asked for under a wrong name."""


class ParameterError(GuarantyError, ValueError):
    """An argument of a library call lies outside its domain: ``draws`` below 1, a
    ``level`` outside (0, 1), a model parameter its constraint refuses. A plain ValueError
    from inside guaranty is a bug, not a user's mistake."""


class StoreError(GuarantyError):
    """The results store cannot be written or read: ``kind`` says why (``"full"``: no space
    left, or the file size limit; ``"read-only"``: a read-only file system or no write
    permission; ``"damaged"``: a truncated or corrupt file; ``"other"``)."""

    def __init__(self, message: str, *, kind: str = "other") -> None:
        self.kind = kind
        super().__init__(message)


class OutputError(GuarantyError):
    """An output (the report's folder and files) cannot be written: ``kind`` as for
    :class:`StoreError` (``"full"``, ``"read-only"``, ``"other"``)."""

    def __init__(self, message: str, *, kind: str = "other") -> None:
        self.kind = kind
        super().__init__(message)


_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}
# how the same failures read in messages that carry no errno (DuckDB's, for one)
_FULL_TEXT = ("no space left on device", "disk quota exceeded", "file too large")
_READ_ONLY_TEXT = ("read-only file system", "permission denied", "operation not permitted")
_DAMAGED_TEXT = (
    "could not read enough bytes",
    "not a valid duckdb database",
    "corrupt database",
    "checksum",
    "serialization error",
)


def disk_problem(exc: BaseException) -> str:
    """What an I/O failure was: ``"full"`` (no space, quota or file size limit),
    ``"read-only"`` (read-only file system, no permission), ``"damaged"`` (a file cut short
    or corrupt) or ``"other"``; by its errno, or by its message when it has none."""
    code = getattr(exc, "errno", None)
    if code in _FULL:
        return "full"
    if code in _READ_ONLY:
        return "read-only"
    text = str(exc).lower()
    if any(t in text for t in _FULL_TEXT):
        return "full"
    if any(t in text for t in _READ_ONLY_TEXT):
        return "read-only"
    if any(t in text for t in _DAMAGED_TEXT):
        return "damaged"
    return "other"
