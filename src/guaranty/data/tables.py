"""Checks shared by the readers of the shipped tables: a table's header, the number of fields
of a row, and columns made read-only. Each check raises a :class:`~guaranty.errors.DataError`
naming the file and the line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from guaranty.errors import DataError

if TYPE_CHECKING:
    import numpy as np

__all__ = ["check_fields", "check_header", "read_only"]


def check_header(got: Sequence[str], expected: Sequence[str], file: str, rebuild: str) -> None:
    """Raise a ``DataError`` at line 1 of ``file`` unless its header ``got`` is ``expected``;
    ``rebuild`` says how to rebuild the table."""
    if tuple(got) != tuple(expected):
        raise DataError(
            f"expected the columns {', '.join(expected)}; got {', '.join(got)} ({rebuild})",
            file=file,
            line=1,
        )


def check_fields(row: Sequence[str], n: int, file: str, line: int) -> None:
    """Raise a ``DataError`` at ``line`` of ``file`` unless ``row`` has ``n`` fields."""
    if len(row) != n:
        raise DataError(f"expected {n} fields; got {len(row)}", file=file, line=line)


def read_only(column: np.ndarray) -> np.ndarray:
    """``column`` (any shape), made read-only in place so that a cached table is shared
    safely; returned for convenience."""
    column.flags.writeable = False
    return column
