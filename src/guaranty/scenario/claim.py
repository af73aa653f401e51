"""A claim of the debate, as a scenario states it: who made it, a paraphrase, and the
checkable statement over model outputs (``docs/claims.md``), bounded in length and nesting
because :mod:`guaranty.claims` evaluates it by recursion.
"""

from __future__ import annotations

import ast
import re

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from guaranty.scenario.base import Id, Strict, optional

__all__ = ["MAX_STATEMENT_CHARS", "MAX_STATEMENT_DEPTH", "Claim"]


class Claim(Strict):
    """A claim of the debate, paraphrased, with who made it."""

    id: Id
    who: str = Field(min_length=1)
    paraphrase: str = Field(min_length=1)
    source: str | None = None
    statement: str | None = optional("the checkable statement over model outputs (docs/claims.md)")
    given: str | None = optional(
        "a statement selecting the draws the claim is about (e.g. 'peace'); the "
        "share is taken over those draws only"
    )
    note: str | None = optional("what the statement checks, and where it falls short")
    proxy: str | None = optional(
        "set when the statement does not measure the claim (why): the verdict is "
        "'not checkable' and the share is shown for information only"
    )
    restates: str | None = optional(
        "the input the statement restates (the claim and the input share a "
        "source): the verdict is 'by construction' if the statement holds in 80% or more "
        "of the draws it is about; otherwise it is read off the draws, naming the input"
    )

    @field_validator("statement", "given")
    @classmethod
    def _expression(cls, v: str | None) -> str | None:
        if v is None:
            return v
        if len(v) > MAX_STATEMENT_CHARS:
            raise PydanticCustomError(
                "statement",
                "a statement may have at most {n} characters; got {got}",
                {"n": MAX_STATEMENT_CHARS, "got": len(v)},
            )
        bad = _CONTROL.search(v)
        if bad:
            raise PydanticCustomError(
                "statement",
                "a statement may not contain the control character {c}",
                {"c": repr(bad.group())},
            )
        try:
            tree = ast.parse(v, mode="eval")
        except SyntaxError:
            return v  # guaranty.claims.check_names reports it with the claim's id
        except (RecursionError, MemoryError, ValueError):
            tree = None
        if tree is None or _ast_depth(tree) > MAX_STATEMENT_DEPTH:
            raise PydanticCustomError(
                "statement",
                "a statement may nest at most {n} levels of operators and parentheses",
                {"n": MAX_STATEMENT_DEPTH},
            )
        return v


#: Bounds on a claim's statement (guaranty.claims evaluates it by recursion).
MAX_STATEMENT_CHARS = 2000
MAX_STATEMENT_DEPTH = 50
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _ast_depth(tree: ast.AST) -> int:
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_STATEMENT_DEPTH:
            break
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest
