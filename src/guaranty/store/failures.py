"""Failures of the results store's file (a full disk, a read-only folder, a damaged file) as
:class:`guaranty.errors.StoreError` with a kind and a hint, never DuckDB's own exceptions."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from guaranty.errors import StoreError, disk_problem

__all__ = ["HEADERS", "check_writable", "detail", "guarded", "interrupted", "store_failure"]

# the size of DuckDB's file headers before the first block (3 headers of 4 KiB)
HEADERS = 3 * 4096

_F = TypeVar("_F", bound=Callable[..., Any])


def detail(exc: BaseException) -> str:
    """DuckDB's message on one line, without a final full stop or exclamation mark."""
    return " ".join(str(exc).split()).rstrip(".!")


def _folder_problem(folder: Path) -> str:
    try:
        read_only = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:  # pragma: no cover - statvfs works wherever access does
        read_only = False
    return "is on a read-only file system" if read_only else "is not writable (permission denied)"


def store_failure(path: str, exc: BaseException, doing: str) -> StoreError:
    """``exc`` (a DuckDB or OS error met while ``doing`` something with the store at
    ``path``) as one paragraph with a hint, and its kind."""
    kind = disk_problem(exc)
    what = detail(exc)
    if kind == "full":
        text = (
            f"{path}: the disk is full (no space left, or the file size limit reached) while "
            f"{doing} ({what}). Free some space, or choose another --store on a disk with room"
        )
    elif kind == "read-only":
        text = (
            f"{path}: cannot write the results store while {doing}: a read-only file system "
            f"or no permission ({what}). Choose a --store in a folder you can write to"
        )
    elif kind == "damaged":
        text = (
            f"{path}: the results store is damaged ({what}); its draws cannot be read back. "
            "Restore it from a whole copy, or choose another --store to start afresh"
        )
    else:
        text = f"{path}: the results store failed while {doing} ({what})"
    return StoreError(text + ".", kind=kind)


def interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` is DuckDB's answer to Ctrl-C during a query: a plain RuntimeError
    "Query interrupted" (DuckDB 2.0 checks Python's signals while it runs), which is neither
    a ``duckdb.Error`` nor a KeyboardInterrupt."""
    return isinstance(exc, RuntimeError) and "interrupted" in str(exc).lower()


def guarded(doing: str) -> Callable[[_F], _F]:
    """Turn DuckDB's errors in a :class:`Store` method into a :class:`StoreError`, and its
    interrupted query (Ctrl-C, :func:`interrupted`) into the KeyboardInterrupt it stands for,
    so that a run commits what it finished and exits with 130 (``docs/store.md``)."""

    def wrap(fn: _F) -> _F:
        @wraps(fn)
        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return fn(self, *args, **kwargs)
            except duckdb.Error as exc:
                raise store_failure(self.path, exc, doing) from None
            except RuntimeError as exc:
                if interrupted(exc):
                    raise KeyboardInterrupt from None
                raise

        return method  # type: ignore[return-value]

    return wrap


def check_writable(path: str | Path) -> None:
    """Raise a :class:`StoreError` if a store at ``path`` could not be created or written:
    its folder is missing, read-only or not writable, or the file itself is read-only. Cheap
    (no DuckDB), so that a run can stop before it computes anything."""
    p = Path(path)
    if str(p) == ":memory:":
        return
    folder = Path(os.path.abspath(p)).parent
    if not folder.is_dir():
        raise StoreError(
            f"{p}: the folder {folder} does not exist; create it, or choose another --store.",
            kind="other",
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StoreError(
            f"{p}: cannot write the results store: its folder {folder} {_folder_problem(folder)} "
            "(DuckDB writes a .wal file beside the store). Choose a --store in a folder you "
            "can write to.",
            kind="read-only",
        )
    if p.exists() and not os.access(p, os.W_OK):
        raise StoreError(
            f"{p}: cannot write the results store: the file is read-only. Make it writable, "
            "or choose another --store.",
            kind="read-only",
        )
