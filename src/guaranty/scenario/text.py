"""Reading any input file's text, and pydantic's errors as document paths: what every
input format shares, without YAML (a CSV or TSV input loads no YAML parser)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from guaranty.errors import ScenarioError

__all__ = ["MAX_FILE_BYTES", "error_path_and_message", "read_text"]

#: The largest input file (any format) guaranty reads: 16 MiB.
MAX_FILE_BYTES = 16 * 1024 * 1024

# Location parts that pydantic inserts but that are not keys of the document.
_TAG_PARTS = {"fixed", "normal", "uniform", "triangular", "CowCapability", "Uncertain"}


def read_text(path: Path) -> str:
    """Read a text input file, rejecting empty, binary, non-UTF-8 and too large files
    clearly (at most :data:`MAX_FILE_BYTES` bytes are read, so a device that never ends is
    refused too)."""
    name = str(path)
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError("no such file", file=name) from None
    except IsADirectoryError:
        raise ScenarioError("expected a file, got a directory", file=name) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read the file ({exc.strerror or exc})", file=name) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(
            f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB, the most guaranty "
            "reads; split it or leave out what the models do not use",
            file=name,
        )
    if not raw.strip():
        raise ScenarioError("the file is empty; expected a scenario", file=name)
    nul = raw.find(b"\x00")
    if nul >= 0:
        line = raw.count(b"\n", 0, nul) + 1
        column = nul - (raw.rfind(b"\n", 0, nul) + 1) + 1
        raise ScenarioError(
            f"this is a binary file (a NUL byte at byte {nul}); expected a text scenario "
            "(YAML, CSV, TSV or a decide exchange file)",
            file=name,
            line=line,
            column=column,
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError(
            f"the file is not valid UTF-8 text (byte {exc.start}); expected UTF-8",
            file=name,
            line=line,
        ) from None


def _clean_loc(loc: Sequence[Any]) -> list[Any]:
    out = []
    for part in loc:
        if isinstance(part, str) and (
            part in _TAG_PARTS
            or part.startswith(("function-", "union[", "tagged-union["))
            or part == "[key]"
        ):
            continue
        out.append(part)
    return out


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def error_path_and_message(err: dict[str, Any]) -> tuple[list[Any], str, bool]:
    """From one pydantic error: the document path, the message, and whether it names a key."""
    ctx = err.get("ctx") or {}
    etype = err["type"]
    if "path" in ctx:
        return list(ctx["path"]), err["msg"], False
    path = _clean_loc(err["loc"])
    if etype == "unknown_key":
        return [*path, ctx["key"]], err["msg"], True
    if etype == "missing":
        field = path[-1] if path else "?"
        return path[:-1], f"missing required field '{field}'", False
    if etype == "union_tag_invalid":
        return (
            path,
            (
                f"unknown distribution {_describe(ctx.get('tag'))}; expected dist: one of "
                "normal, uniform, triangular (or a plain number)"
            ),
            False,
        )
    msg = err["msg"]
    if etype.startswith(("value_error", "assertion_error")):
        msg = msg.removeprefix("Value error, ")
    if (
        etype
        not in {
            "unknown_key",
            "reference",
            "range",
            "bounds",
            "scale",
            "members",
            "cow_code",
            "cow_data",
        }
        and "input" in err
    ):
        msg = f"{msg[0].lower()}{msg[1:]}; got {_describe(err['input'])}"
    return path, msg, False
