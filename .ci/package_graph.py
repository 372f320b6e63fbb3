"""Print the import graph between the node's packages (the children of ``roaming``): for each,
the packages it imports, and the groups of packages that import each other in a cycle.

    .venv/bin/python .ci/package_graph.py          # the graph, then its cycles
    .venv/bin/python .ci/package_graph.py --dot    # the same as Graphviz (dot -Tsvg)

It reads the code with grimp (installed with import-linter, the `lint` extra), counting every
import, in views and functions too, but not those made only for type annotations. The layers the
graph must keep are checked by `lint-imports` (setup.cfg, [importlinter]).
"""

from __future__ import annotations

import sys

import grimp

ROOT = "roaming"


def package_graph() -> dict[str, set[str]]:
    graph = grimp.build_graph(ROOT, exclude_type_checking_imports=True)
    children = sorted(graph.find_children(ROOT))
    edges: dict[str, set[str]] = {child: set() for child in children}
    for source in children:
        for target in children:
            if source != target and graph.direct_import_exists(importer=source, imported=target, as_packages=True):
                edges[source].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one package (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(edges[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    sys.setrecursionlimit(10_000)
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def short(name: str) -> str:
    return name.removeprefix(ROOT + ".")


def main() -> None:
    edges = package_graph()
    if "--dot" in sys.argv:
        print("digraph roaming {\n  rankdir=TB;")
        for source, targets in sorted(edges.items()):
            for target in sorted(targets):
                print(f'  "{short(source)}" -> "{short(target)}";')
        print("}")
        return
    for source, targets in sorted(edges.items()):
        print(f"{short(source)} -> {', '.join(short(target) for target in sorted(targets)) or '(nothing)'}")
    groups = cycles(edges)
    count = sum(len(targets) for targets in edges.values())
    print(f"\n{len(edges)} packages and modules, {count} imports between them, {len(groups)} cycle(s)")
    for group in groups:
        print(f"cycle of {len(group)}: {', '.join(short(name) for name in group)}")


if __name__ == "__main__":
    main()
