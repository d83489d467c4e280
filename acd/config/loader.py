"""Load the YAML file, validate it, and report problems as ``FILE:LINE: PATH: message``.

PyYAML's composed node tree gives the line of every key (and keys given twice, which
PyYAML would silently collapse); pydantic gives the path of every
shape error; ``check_references`` gives the paths of dangling names.

Whatever the file holds, the answer is a configuration or a ``ConfigError`` (fuzzed:
tests/unit/test_config_fuzz.py): bytes that are not UTF-8, nesting deeper than
``MAX_DEPTH`` (the parser recurses) and aliases that expand past ``MAX_NODES`` (a "billion
laughs") are problems with a line too, refused before anything walks the expanded tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from acd.config.model import CenterConfig
from acd.config.references import check_references

Loc = tuple[str | int, ...]
MAX_NODES = 100_000  # nodes, aliases expanded: a center's file has a few thousand
MAX_DEPTH = 50  # nested mappings and lists: a center's file goes 8 deep


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.path}: {self.message}"


class ConfigError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def load_config(path: str | Path) -> CenterConfig:
    path = Path(path)
    name = path.name
    root, data = _parse(name, _read(path))
    lines = _line_map(root)
    duplicates = [
        Problem(name, line, ".".join(map(str, at)), msg) for at, line, msg in _twice(root)
    ]
    try:
        cfg = CenterConfig.model_validate(data if data is not None else {})
    except ValidationError as exc:
        shapes = [_from_pydantic(name, lines, data, e) for e in exc.errors()]
        raise ConfigError(duplicates + shapes) from exc
    problems = duplicates + [_problem(name, lines, loc, m) for loc, m in check_references(cfg)]
    if problems:
        raise ConfigError(problems)
    return cfg


def _read(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError([Problem(path.name, 0, "", f"cannot read file: {exc.strerror}")]) from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problem = Problem(path.name, line, "", f"not UTF-8 text (byte {exc.start})")
        raise ConfigError([problem]) from exc


def _parse(name: str, text: str) -> tuple[yaml.Node | None, Any]:
    try:
        _check_depth(name, text)  # (before compose, which recurses)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        _count_nodes(name, root)
        return root, yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        raise ConfigError([Problem(name, line, "", f"not valid YAML: {exc}")]) from exc


def _check_depth(name: str, text: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH, reading the parser's events (no recursion)."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else 0
                raise ConfigError([Problem(name, line, "", f"nested more than {MAX_DEPTH} deep")])
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _count_nodes(name: str, root: yaml.Node | None) -> None:
    """Refuse a tree that, aliases expanded, has more than MAX_NODES nodes."""
    count, todo = 0, [root] if root is not None else []
    while todo:
        node = todo.pop()
        count += 1
        if count > MAX_NODES:
            line = node.start_mark.line + 1
            message = f"more than {MAX_NODES} values (aliases expanded): not a center's file"
            raise ConfigError([Problem(name, line, "", message)])
        if isinstance(node, yaml.MappingNode):
            todo += [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            todo += node.value


def _line_map(node: yaml.Node | None, at: Loc = ()) -> dict[Loc, int]:
    """Line (1-based) of every mapping key and sequence item, by path."""
    lines: dict[Loc, int] = {}
    if node is None:
        return lines
    lines.setdefault(at, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            here = (*at, str(key.value))
            lines[here] = key.start_mark.line + 1
            lines.update({k: v for k, v in _line_map(value, here).items() if k != here})
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.update(_line_map(item, (*at, i)))
    return lines


def _twice(node: yaml.Node | None, at: Loc = ()) -> list[tuple[Loc, int, str]]:
    """Keys given twice in one mapping: PyYAML would silently keep the last one."""
    found: list[tuple[Loc, int, str]] = []
    first: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            here, line = (*at, str(key.value)), key.start_mark.line + 1
            if str(key.value) in first:
                where = first[str(key.value)]
                found.append((here, line, f"{key.value!r} is given twice (first on line {where})"))
            first.setdefault(str(key.value), line)
            found += _twice(value, here)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            found += _twice(item, (*at, i))
    return found


def _from_pydantic(name: str, lines: dict[Loc, int], data: Any, error: Any) -> Problem:
    loc = _data_path(data, tuple(error["loc"]))
    message = str(error["msg"])
    if error["type"] == "missing":
        message = f"missing required field {loc[-1]!r}"
        loc = loc[:-1]
    elif error["type"] == "union_tag_invalid":
        ctx = error.get("ctx", {})
        message = f"unknown type {ctx.get('tag')!r} (expected one of {ctx.get('expected_tags')})"
    elif error["type"] == "extra_forbidden":
        message = f"unknown field {loc[-1]!r}"
    return _problem(name, lines, loc, message)


def _data_path(data: Any, loc: Loc) -> Loc:
    """Drop pydantic's own loc parts (union tags, key markers) that are not in the file."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and str(part) in {str(k) for k in node}:
            key = next(k for k in node if str(k) == str(part))
            path.append(str(key))
            node = node[key]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            path.append(part)
            node = node[part]
        elif part not in ("[key]",) and not _is_tag(node, part):
            path.append(part)
            node = None
    return tuple(path)


def _is_tag(node: Any, part: object) -> bool:
    return isinstance(node, dict) and node.get("type") == part


def _problem(name: str, lines: dict[Loc, int], loc: Loc, message: str) -> Problem:
    key = tuple(str(p) if not isinstance(p, int) else p for p in loc)
    while key and key not in lines:
        key = key[:-1]
    return Problem(name, lines.get(key, 1), ".".join(str(p) for p in loc), message)
