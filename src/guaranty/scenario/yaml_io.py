"""Reading scenario YAML files with exact error locations.

The file is parsed with PyYAML's *safe* loader (no arbitrary objects), composed into a node
tree first so that every value keeps its line and column. Duplicate keys, which plain YAML
loaders silently overwrite, are errors. Validation errors from the schema are mapped back
to the node they concern, so a message reads ``file:line:column: field.path: what was
expected; got what``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from guaranty.errors import ScenarioError
from guaranty.scenario.schema import Scenario

__all__ = ["load_yaml_scenario", "parse_yaml_scenario", "read_text"]

# Location parts that pydantic inserts but that are not keys of the document.
_TAG_PARTS = {"fixed", "normal", "uniform", "triangular", "CowCapability"}


def read_text(path: Path) -> str:
    """Read a text input file, rejecting empty, binary and non-UTF-8 files clearly."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError("no such file", file=name) from None
    except IsADirectoryError:
        raise ScenarioError("expected a file, got a directory", file=name) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read the file ({exc.strerror})", file=name) from None
    if not raw.strip():
        raise ScenarioError("the file is empty; expected a scenario", file=name)
    if b"\x00" in raw[:8192]:
        raise ScenarioError(
            "this is a binary file; expected a text scenario (YAML, CSV, TSV or a decide "
            "exchange file)",
            file=name,
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


def load_yaml_scenario(path: Path | str) -> Scenario:
    """Load and validate a scenario YAML file."""
    path = Path(path)
    return parse_yaml_scenario(read_text(path), name=str(path))


def parse_yaml_scenario(text: str, *, name: str = "<string>") -> Scenario:
    """Validate scenario YAML ``text``; ``name`` is used in error messages."""
    node, data = _compose(text, name)
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "nothing"
        raise ScenarioError(
            f"expected a mapping of sections (name, actors, issues, positions, ...); got {kind}",
            file=name,
            line=node.start_mark.line + 1 if node is not None else None,
            column=node.start_mark.column + 1 if node is not None else None,
        )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _to_scenario_error(exc, node, name) from None
    from guaranty.claims import check_names

    try:
        check_names(scenario)
    except ScenarioError as exc:
        found, _ = _locate(node, list(exc.field))
        mark = found.start_mark if found is not None else None
        raise ScenarioError(
            exc.message,
            file=name,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
            field=exc.field,
        ) from None
    return scenario


def _compose(text: str, name: str) -> tuple[yaml.Node | None, Any]:
    try:
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as exc:  # the reader refuses control characters up front
        raise ScenarioError(f"malformed YAML: {exc}", file=name) from None
    try:
        node = loader.get_single_node()
        if node is None:
            raise ScenarioError("the file holds no YAML document; expected a scenario", file=name)
        _check_duplicate_keys(node, name)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = " ".join(p for p in (exc.context, exc.problem) if p) or "malformed YAML"
        raise ScenarioError(
            f"malformed YAML: {what}",
            file=name,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"malformed YAML: {exc}", file=name) from None
    finally:
        loader.dispose()
    return node, data


def _check_duplicate_keys(node: yaml.Node, name: str) -> None:
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, yaml.MappingNode):
            seen: dict[str, yaml.Node] = {}
            for key, value in n.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        first = seen[key.value].start_mark.line + 1
                        raise ScenarioError(
                            f"duplicate key '{key.value}' (first on line {first}); "
                            "each key may appear once",
                            file=name,
                            line=key.start_mark.line + 1,
                            column=key.start_mark.column + 1,
                        )
                    seen[key.value] = key
                stack.append(value)
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)


def _locate(root: yaml.Node | None, path: Sequence[Any]) -> tuple[yaml.Node | None, list[Any]]:
    """Follow ``path`` down the node tree as far as it goes; return the node and the path used."""
    node, used = root, []
    for part in path:
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    nxt = value
                    break
            if nxt is None:
                return node, used
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                return node, used
            node = node.value[part]
        else:
            return node, used
        used.append(part)
    return node, used


def _key_node(parent: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(parent, yaml.MappingNode):
        for k, _ in parent.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return k
    return None


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


def _to_scenario_error(exc: ValidationError, root: yaml.Node | None, name: str) -> ScenarioError:
    errors = exc.errors()
    path, msg, names_key = error_path_and_message(errors[0])
    node, used = _locate(root, path)
    if names_key:
        parent, used = _locate(root, path[:-1])
        node = _key_node(parent, str(path[-1])) or parent
    elif len(used) == len(path) and path:
        parent, _ = _locate(root, path[:-1])
        if isinstance(parent, yaml.MappingNode) and not isinstance(node, yaml.ScalarNode):
            node = _key_node(parent, str(path[-1])) or node
    if len(errors) > 1:
        msg += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    mark = node.start_mark if node is not None else None
    return ScenarioError(
        msg,
        file=name,
        line=mark.line + 1 if mark else None,
        column=mark.column + 1 if mark else None,
        field=path,
    )
