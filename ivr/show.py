"""The IVR trees for review: an indented outline, or a Mermaid flowchart.

Pure text from the trees (and the public numbers that reach them);
``centralino ivr show [CONFIG] [--mermaid]`` (``acd.ivr_cli``) prints it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from ivr.center import PublicNumber
from ivr.checks import targets
from ivr.model import AnyNode, GotoNode, IvrTree


def describe(node: AnyNode) -> str:
    """One line about a node: its type and what it says or does."""
    fields = node.model_dump(exclude_none=True, exclude={"type", "options", "next"})
    for edge in ("fallback", "open", "closed", "holiday", "found", "not_found"):
        fields.pop(edge, None)
    text = ", ".join(f"{k}={v}" for k, v in fields.items() if v not in ("", ()))
    return f"{node.type}({text})"


def outline(trees: Mapping[str, IvrTree], numbers: Sequence[PublicNumber] = ()) -> Iterator[str]:
    """Each tree from its start, a line per node; a node reached again says "(see above)"."""
    for name, tree in trees.items():
        dialled = [n.number for n in numbers if n.ivr == name]
        yield f"ivr {name}" + (f" (numbers: {', '.join(dialled)})" if dialled else "")
        yield from _outline(tree, tree.start, "", "  ", set())


def _outline(tree: IvrTree, name: str, label: str, indent: str, seen: set[str]) -> Iterator[str]:
    node = tree.nodes[name]
    head = f"{indent}{label}{name}: {describe(node)}"
    if name in seen:
        yield f"{head}  (see above)"
        return
    seen.add(name)
    yield head
    for field, target in targets(node):
        edge = f"[{field[-1]}] " if field != ("next",) else ""
        yield from _outline(tree, target, edge, indent + "  ", seen)


def mermaid(trees: Mapping[str, IvrTree]) -> Iterator[str]:
    yield "flowchart TD"
    for tree_name, tree in trees.items():
        yield f"  subgraph {tree_name}"
        for name, node in tree.nodes.items():
            yield f'    {_id(tree_name, name)}["{name}<br/>{node.type}"]'
        yield "  end"
        for name, node in tree.nodes.items():
            yield from _edges(trees, tree_name, name, node)


def _edges(trees: Mapping[str, IvrTree], tree: str, name: str, node: AnyNode) -> Iterator[str]:
    if isinstance(node, GotoNode):
        target = node.node or trees[node.tree].start
        yield f"  {_id(tree, name)} --> {_id(node.tree, target)}"
        return
    for field, target in targets(node):
        label = "" if field == ("next",) else f"|{field[-1]}|"
        yield f"  {_id(tree, name)} -->{label} {_id(tree, target)}"


def _id(tree: str, node: str) -> str:
    return f"{tree}__{node}".replace("-", "_")
