"""The modules of guaranty import one way only, along the flow of data (issue 15):

    base (errors, data tables) -> scenario (schema, file formats, claim names)
    -> compile (scenario -> arrays) -> models (pure kernels and their fits to data)
    -> pipeline (the chain, its stages, forecasts, claims) -> runner, store and the main
    job's use case (analysis) -> interfaces (report, web, command line, the package's facade)

A module may import from its own layer and the layers before it, never from a later one;
imports inside functions count too (only ``if TYPE_CHECKING:`` blocks, which never run, are
left out). The package's ``__init__`` is the facade of the public API and loads the layers
lazily; the version is ``guaranty._version`` (base). docs/architecture.md shows the layers.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"

#: module-name prefixes -> layer, the most specific prefix wins
LAYERS: dict[str, int] = {
    "guaranty._version": 0,
    "guaranty.errors": 0,
    "guaranty.seeding": 0,
    "guaranty.data": 0,
    "guaranty.scenario": 1,
    "guaranty.scenario.compile": 2,
    "guaranty.scenario.design_matrix": 2,
    "guaranty.scenario.arrays": 2,
    "guaranty.models": 3,
    "guaranty.evidence": 3,
    "guaranty.warfit": 3,
    "guaranty.results": 4,
    "guaranty.montecarlo": 4,
    "guaranty.plan": 4,
    "guaranty.pipeline": 4,
    "guaranty.validation": 4,
    "guaranty.credibility": 4,
    "guaranty.credibility_case": 4,
    "guaranty.credibility_inputs": 4,
    "guaranty.war": 4,
    "guaranty.comparison": 4,
    "guaranty.sensitivity": 4,
    "guaranty.claims": 4,
    "guaranty.runner": 5,
    "guaranty.pool": 5,
    "guaranty.sweep": 5,
    "guaranty.runner_ray": 5,
    "guaranty.store": 5,
    "guaranty.analysis": 5,
    "guaranty.report": 6,
    "guaranty.web": 6,
    "guaranty.cli": 6,
    "guaranty": 6,
}
NAMES = ["base", "scenario", "compile", "models", "pipeline", "runner/store/use case", "interfaces"]


def layer(module: str) -> int:
    parts = module.split(".")
    for k in range(len(parts), 0, -1):
        prefix = ".".join(parts[:k])
        if prefix in LAYERS:
            return LAYERS[prefix]
    raise KeyError(f"{module} is in no layer: add it to LAYERS")


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(path: Path, module: str) -> list[tuple[int, str, list[str]]]:
    """(line, module imported, names) of every guaranty import that can run."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out: list[tuple[int, str, list[str]]] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                for sub in child.orelse:
                    visit(sub)
                continue
            if isinstance(child, ast.Import):
                out.extend((child.lineno, a.name, []) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                out.append((child.lineno, base, [a.name for a in child.names]))
            visit(child)

    visit(tree)
    return [(ln, m, names) for ln, m, names in out if m == "guaranty" or m.startswith("guaranty.")]


def violations() -> list[str]:
    found = []
    for path in sorted((SRC / "guaranty").rglob("*.py")):
        me = module_name(path)
        if me == "guaranty":
            continue  # the facade
        mine = layer(me)
        for line, target, names in imports(path, me):
            if target == "guaranty":
                targets = [f"guaranty.{n}" for n in names]
            else:
                targets = [target]
            for t in targets:
                if layer(t) > mine:
                    found.append(
                        f"{path.relative_to(SRC)}:{line}: {me} ({NAMES[mine]}) imports {t} "
                        f"({NAMES[layer(t)]})"
                    )
    return found


def test_every_module_has_a_layer() -> None:
    for path in (SRC / "guaranty").rglob("*.py"):
        layer(module_name(path))


def test_no_import_against_the_flow() -> None:
    found = violations()
    assert not found, "\n".join(found)


def test_the_check_catches_an_upstream_import(tmp_path: Path) -> None:
    """The checker itself: a schema-level module importing a kernel is reported."""
    fake = tmp_path / "guaranty" / "scenario" / "bad.py"
    fake.parent.mkdir(parents=True)
    fake.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from guaranty.pipeline import Forecast\n"
        "def f():\n    from guaranty.models.war import battlefield\n",
        encoding="utf-8",
    )
    got = imports(fake, "guaranty.scenario.bad")
    assert got == [(5, "guaranty.models.war", ["battlefield"])]
    assert layer(got[0][1]) > layer("guaranty.scenario.bad")
