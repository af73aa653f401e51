"""Exceptions raised by guaranty.

The hierarchy::

    GuarantyError                      base of everything guaranty raises on purpose
    ├── ScenarioError (+ ValueError)   a scenario or input file is malformed
    ├── DataError (+ ValueError)       a shipped or user data table is missing or malformed
    └── ModelError (+ RuntimeError)    a model cannot run on the inputs it was given

Library errors also subclass the built-in they resemble, so ``except ValueError`` in user
code keeps working. ``ScenarioError`` and ``DataError`` carry where the problem is (file,
line, column, field path) besides the message; ``str(err)`` renders one paragraph such as::

    scenarios/x.yaml:12:7: positions.ukraine.territory.salience: must be between 0 and 1; got 1.4
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["DataError", "GuarantyError", "ModelError", "ScenarioError"]


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
