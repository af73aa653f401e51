"""Writing a folder of files together or not at all (:func:`staged_folder`): an export of a
run is written into a temporary folder and moved into place only when every file is done,
so a failure (a full disk, an interrupted command, a missing optional package) never leaves
a half-written export behind, and an earlier export in the folder stays as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from guaranty.errors import OutputError, disk_problem

__all__ = ["check_folder", "replace_files", "staged_folder"]


def check_folder(out_dir: Path, what: str) -> None:
    """Refuse a target that is a file, or under one (``what`` names the folder's use)."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir}: the {what}'s folder is a file. Choose another --out.")
    base = Path(os.path.abspath(out_dir))
    while not base.exists():
        base = base.parent
    if not base.is_dir():
        raise OutputError(
            f"{out_dir}: cannot create the {what}'s folder: {base} is a file. Choose another --out."
        )


def _failure(out_dir: Path, exc: OSError, what: str) -> OutputError:
    kind = disk_problem(exc)
    hint = {
        "full": "Free some space, or choose another --out",
        "read-only": "Choose an --out folder you can write to",
    }.get(kind, "Choose another --out")
    return OutputError(
        f"{out_dir}: cannot write the {what}: {exc.strerror or exc}. Nothing was written "
        f"(an earlier {what} there is unchanged). {hint}.",
        kind=kind,
    )


@contextmanager
def staged_folder(out_dir: Path, what: str = "export") -> Iterator[Path]:
    """A temporary folder to write the files of ``out_dir`` into; when the ``with`` block
    ends without an error they are moved into ``out_dir`` (a new folder: the temporary one
    renamed; an existing one: each file renamed over its old version, which is put back
    should a rename fail), else the temporary folder is removed and ``out_dir`` is left as
    it was. The temporary folder is made beside a new ``out_dir`` and inside an existing
    one, so that the renames stay on one file system."""
    out_dir = Path(out_dir)
    check_folder(out_dir, what)
    existed = out_dir.is_dir()
    made: list[Path] = []  # parent folders made here, removed again on failure
    stage: Path | None = None
    try:
        if existed:
            stage = Path(tempfile.mkdtemp(dir=out_dir, prefix=f".{what}.tmp-"))
        else:
            parent = Path(os.path.abspath(out_dir)).parent
            missing = parent
            while not missing.exists():
                made.append(missing)
                missing = missing.parent
            parent.mkdir(parents=True, exist_ok=True)
            stage = Path(tempfile.mkdtemp(dir=parent, prefix=f".{out_dir.name}.tmp-"))
    except OSError as exc:
        _remove_made(made)
        raise _failure(out_dir, exc, what) from None
    try:
        yield stage
        for path in stage.iterdir():
            os.chmod(path, 0o644)
        if not existed:
            os.chmod(stage, 0o755)  # mkdtemp's folders are private
            os.rename(stage, out_dir)
            stage = None
        else:
            replace_files(stage, out_dir, sorted(p.name for p in stage.iterdir()), what)
    except OSError as exc:
        raise _failure(out_dir, exc, what) from None
    finally:
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)
            if not existed:
                _remove_made(made)


def _remove_made(made: list[Path]) -> None:
    for folder in made:  # innermost first; only if still empty
        try:
            folder.rmdir()
        except OSError:
            break


def replace_files(stage: Path, out_dir: Path, names: Sequence[str], what: str) -> None:
    """Rename each of ``names`` from ``stage`` over its old version in ``out_dir``; should a
    rename fail, put the old versions back (they wait in ``stage/.previous``) and re-raise.
    Should putting one back fail too, the staging folder is kept and the error names where
    the earlier ``what``'s files are."""
    previous = stage / ".previous"
    previous.mkdir()
    moved: list[str] = []
    try:
        for name in names:
            target = out_dir / name
            if target.exists():
                os.replace(target, previous / name)
            moved.append(name)
            os.replace(stage / name, target)
    except OSError as exc:
        for name in reversed(moved):  # put the earlier files back
            try:
                (out_dir / name).unlink(missing_ok=True)
                if (previous / name).exists():
                    os.replace(previous / name, out_dir / name)
            except OSError:  # pragma: no cover - the old file stays in .previous
                kept = stage.with_name(stage.name.replace(".tmp-", ".previous-"))
                stage.rename(kept)
                raise OutputError(
                    f"{out_dir}: cannot write the {what} ({exc.strerror or exc}), nor put the "
                    f"earlier one back: its files are in {kept / '.previous'}.",
                    kind=disk_problem(exc),
                ) from None
        raise
