"""Reading scenario YAML files with exact error locations.

The file is parsed with PyYAML's *safe* loader (no arbitrary objects), composed into a node
tree first so that every value keeps its line and column. Duplicate keys, which plain YAML
loaders silently overwrite, are errors. Validation errors from the schema are mapped back
to the node they concern, so a message reads ``file:line:column: field.path: what was
expected; got what``.

Hostile files are refused early, each with its line (``docs/scenario-format.md``, "Limits"):
an input file may hold at most :data:`MAX_FILE_BYTES`; a YAML document may nest lists and
mappings at most :data:`MAX_DEPTH` levels deep (counted through aliases) and hold at most
:data:`MAX_NODES` nodes; aliases may add at most :data:`MAX_ALIAS_NODES` nodes (each alias
counts as a copy of everything under its anchor, so "billion laughs" stops at once), and an
alias may not refer to its own anchor.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent

from guaranty.errors import ScenarioError
from guaranty.scenario.text import (
    MAX_FILE_BYTES,
    error_path_and_message,
    read_text,
)

if TYPE_CHECKING:
    from pydantic import ValidationError

    from guaranty.scenario.schema import Scenario

# pydantic and the schema are imported only once the YAML has passed the reader's limits
# (aliases, depth, size), so a hostile file is refused before they load.

__all__ = [
    "MAX_ALIAS_NODES",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "load_yaml_scenario",
    "parse_yaml_scenario",
    "read_text",
]

#: The deepest nesting of lists and mappings in a YAML scenario (a scenario needs 5).
MAX_DEPTH = 32
#: The most nodes (scalars, lists, mappings) a YAML document may hold, aliases expanded.
MAX_NODES = 1_000_000
#: The most nodes aliases may add to a YAML document, each alias counting as a copy of
#: everything under its anchor.
MAX_ALIAS_NODES = 10_000


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
    from pydantic import ValidationError

    from guaranty.scenario.schema import validate_scenario

    try:
        scenario = validate_scenario(data)
    except ValidationError as exc:
        raise _to_scenario_error(exc, node, name) from None
    from guaranty.scenario.claim_names import check_names

    try:
        check_names(scenario)
    except ScenarioError as exc:
        found, _ = _locate(node, list(exc.field))
        raise _at_node(exc.message, name, found, exc.field) from None
    scenario._source = (name, text)
    return scenario


def locate_field(
    source: tuple[str, str] | None, message: str, field: Sequence[str | int]
) -> ScenarioError:
    """A :class:`ScenarioError` about ``field``, placed at the line and column of the field
    (its key, for a mapping) in ``source`` (the file's name and text), as far as the field
    is in the file; without a source, the error names the field alone."""
    if source is None:
        return ScenarioError(message, field=field)
    name, text = source
    node, _ = _compose(text, name)
    path = _by_id(node, list(field))
    found, used = _locate(node, path)
    if len(used) == len(path) and path:
        parent, _ = _locate(node, path[:-1])
        found = _key_node(parent, str(path[-1])) or found
    # the field, its key, or the deepest part of it the file has (none of it: the file alone)
    return _at_node(message, name, found if used or not path else None, field)


def _at_node(
    message: str, name: str, node: yaml.Node | None, field: Sequence[str | int]
) -> ScenarioError:
    """A :class:`ScenarioError` in file ``name`` at the start of ``node`` (if any)."""
    mark = node.start_mark if node is not None else None
    return ScenarioError(
        message,
        file=name,
        line=mark.line + 1 if mark else None,
        column=mark.column + 1 if mark else None,
        field=field,
    )


if yaml.__with_libyaml__:  # scanning and parsing in C (LibYAML): about 8x quicker

    class _Parser(yaml.composer.Composer, yaml.cyaml.CParser):  # type: ignore[misc]
        """LibYAML's events, composed into nodes here (by :class:`_Loader`'s compose_node,
        which checks the limits), not by LibYAML's own composer."""

        def __init__(self, text: str) -> None:
            # LibYAML's reader does not say where a character YAML forbids stands; PyYAML's
            # check of the text does, so it runs first
            found = yaml.reader.Reader.NON_PRINTABLE.search(text)
            if found is not None:
                raise yaml.reader.ReaderError(
                    "<text>",
                    found.start(),
                    ord(found.group()),
                    "unicode",
                    "special characters are not allowed",
                )
            yaml.cyaml.CParser.__init__(self, text)
            yaml.composer.Composer.__init__(self)

else:  # pragma: no cover - PyYAML wheels ship LibYAML

    class _Parser(  # type: ignore[no-redef]
        yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer
    ):
        def __init__(self, text: str) -> None:
            yaml.reader.Reader.__init__(self, text)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)


class _Loader(_Parser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
    """A safe loader with the limits above checked while the node tree is composed (before
    anything is built from it), and values that cannot be read as their tag says
    (``!!float abc``) reported at their node instead of as a bare Python error."""

    def __init__(self, text: str, name: str) -> None:
        _Parser.__init__(self, text)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self.file = name
        self.depth = 0  # lists and mappings open around the node being composed
        self.nodes = 0  # nodes so far, aliases expanded
        self.copied = 0  # nodes added by aliases
        self.open_anchors: set[str] = set()
        # (expanded size, depth) of every composed list and mapping, by id; scalars are (1, 0)
        self.extent: dict[int, tuple[int, int]] = {}

    def _refuse(self, message: str, mark: yaml.Mark) -> ScenarioError:
        return ScenarioError(message, file=self.file, line=mark.line + 1, column=mark.column + 1)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            target = self.anchors.get(event.anchor)
            if target is not None:
                if event.anchor in self.open_anchors:
                    raise self._refuse(
                        f"the alias *{event.anchor} refers to its own anchor (a recursive "
                        "alias); write the value out instead",
                        event.start_mark,
                    )
                size, depth = self.extent.get(id(target), (1, 0))
                self.copied += size
                self.nodes += size
                if self.copied > MAX_ALIAS_NODES:
                    raise self._refuse(
                        f"aliases expand to more than {MAX_ALIAS_NODES:,} nodes (the alias "
                        f"*{event.anchor} repeats {size:,}); write the values out instead of "
                        "nesting aliases",
                        event.start_mark,
                    )
                if self.depth + depth > MAX_DEPTH:
                    raise self._refuse(
                        f"the alias *{event.anchor} nests the document more than {MAX_DEPTH} "
                        "levels deep",
                        event.start_mark,
                    )
            return super().compose_node(parent, index)
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self._refuse(
                f"the document holds more than {MAX_NODES:,} values, lists and mappings",
                event.start_mark,
            )
        if not isinstance(event, SequenceStartEvent | MappingStartEvent):
            return super().compose_node(parent, index)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self._refuse(
                f"lists and mappings nest more than {MAX_DEPTH} levels deep here; a scenario "
                "needs 5",
                event.start_mark,
            )
        anchor = event.anchor
        if anchor is not None:
            self.open_anchors.add(anchor)
        try:
            node = super().compose_node(parent, index)
        finally:
            self.depth -= 1
            if anchor is not None:
                self.open_anchors.discard(anchor)
        if isinstance(node, yaml.MappingNode):
            children = [c for pair in node.value for c in pair]
        else:
            children = node.value
        size, depth = 1, 0
        for child in children:
            s, d = self.extent.get(id(child), (1, 0))
            size += s
            depth = max(depth, d)
        self.extent[id(node)] = (size, depth + 1)
        return node

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (yaml.YAMLError, ScenarioError):
            raise
        except Exception as exc:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            what = f"{node.value!r}" if isinstance(node, yaml.ScalarNode) else "the value"
            text = what if len(what) <= 60 else what[:57] + "..."
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {text} as {tag} ({exc})", node.start_mark
            ) from None


def _compose(text: str, name: str) -> tuple[yaml.Node | None, Any]:
    try:
        loader = _Loader(text, name)
    except yaml.YAMLError as exc:  # the reader refuses control characters up front
        raise _reader_error(exc, text, name) from None
    node = None
    try:
        node = loader.get_single_node()
        if node is None:
            raise ScenarioError("the file holds no YAML document; expected a scenario", file=name)
        _check_duplicate_keys(node, name)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = " ".join(p for p in (exc.context, exc.problem) if p) or "malformed YAML"
        if isinstance(exc, yaml.constructor.ConstructorError) and mark is not None:
            field = _path_to(node, mark) if node is not None else []
        else:
            field = []
        raise ScenarioError(
            f"malformed YAML: {what}",
            file=name,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
            field=field,
        ) from None
    except yaml.YAMLError as exc:
        raise _reader_error(exc, text, name) from None
    finally:
        loader.dispose()
    return node, data


def _reader_error(exc: yaml.YAMLError, text: str, name: str) -> ScenarioError:
    """A PyYAML error without a mark (the reader's, for a character YAML does not allow),
    with the line and column worked out from its position in the text."""
    position = getattr(exc, "position", None)
    if not isinstance(position, int) or not 0 <= position <= len(text):
        return ScenarioError(f"malformed YAML: {' '.join(str(exc).split())}", file=name)
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    char = getattr(exc, "character", None)
    what = f"the character {char!r}" if isinstance(char, str) else "a character"
    return ScenarioError(
        f"malformed YAML: {what} is not allowed in YAML (a control character); remove it",
        file=name,
        line=line,
        column=column,
    )


def _path_to(root: yaml.Node, mark: yaml.Mark) -> list[Any]:
    """The field path of the node that starts at ``mark`` (empty if none is found)."""
    stack: list[tuple[yaml.Node, list[Any]]] = [(root, [])]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.start_mark.index == mark.index and isinstance(node, yaml.ScalarNode):
            return path
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                label = key.value if isinstance(key, yaml.ScalarNode) else "?"
                stack.append((value, [*path, label]))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((v, [*path, k]) for k, v in enumerate(node.value))
    return []


def _check_duplicate_keys(node: yaml.Node, name: str) -> None:
    # Each node is visited once: an aliased node is shared, not copied, in the tree.
    stack = [node]
    visited: set[int] = set()
    while stack:
        n = stack.pop()
        if id(n) in visited:
            continue
        visited.add(id(n))
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


def _by_id(root: yaml.Node | None, path: list[Any]) -> list[Any]:
    """``path`` with an item of a list of mappings named by its ``id`` (the scenario's
    actors, issues and designs: ``("actors", "usa", "cow")``) replaced by its index."""
    out: list[Any] = []
    node = root
    for part in path:
        if isinstance(node, yaml.SequenceNode) and isinstance(part, str):
            for k, item in enumerate(node.value):
                key = _key_node(item, "id")
                value = dict(item.value).get(key) if key is not None else None
                if isinstance(value, yaml.ScalarNode) and value.value == part:
                    part = k
                    break
        out.append(part)
        node, used = _locate(root, out)
        if len(used) < len(out):
            return out + path[len(out) :]
    return out


def _key_node(parent: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(parent, yaml.MappingNode):
        for k, _ in parent.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return k
    return None


def _to_scenario_error(exc: ValidationError, root: yaml.Node | None, name: str) -> ScenarioError:
    errors = exc.errors()
    path, msg, names_key = error_path_and_message(errors[0])
    node, used = _locate(root, path)
    if isinstance(node, yaml.ScalarNode) and path[len(used) :] == ["value"]:
        path = used  # a bare number stands for {value: ...}: name the field the file has
    if names_key:
        parent, used = _locate(root, path[:-1])
        node = _key_node(parent, str(path[-1])) or parent
    elif len(used) == len(path) and path:
        parent, _ = _locate(root, path[:-1])
        if isinstance(parent, yaml.MappingNode) and not isinstance(node, yaml.ScalarNode):
            node = _key_node(parent, str(path[-1])) or node
    if len(errors) > 1:
        msg += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return _at_node(msg, name, node, path)
