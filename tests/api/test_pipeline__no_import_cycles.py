"""The service modules import each other without a cycle — counting imports inside functions too, so no "import
late to avoid a cycle" is left in api/services (issue 10 item 2: ``instances → hooks → disclosures → instances``
and ``runtime ⇄ settings`` were broken by registering the hooks at app start)."""
from __future__ import annotations

import ast
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[2] / "api" / "services"


def _sources() -> dict[str, list[tuple[Path, int]]]:
    """service module -> its files, each with the relative import level that names api.services from it (a
    package such as definition_files is one module: its files' imports of each other stay inside it)."""
    found = {p.stem: [(p, 1)] for p in SERVICES.glob("*.py") if p.stem != "__init__"}
    for package in sorted(p for p in SERVICES.iterdir() if (p / "__init__.py").is_file()):
        found[package.name] = [(p, 2) for p in sorted(package.glob("*.py"))]
    return found


def _graph() -> dict[str, set[str]]:
    """module -> the api.services modules it imports (anywhere in the file)."""
    sources = _sources()
    names = set(sources)
    graph: dict[str, set[str]] = {}
    for name, files in sources.items():
        deps: set[str] = set()
        for path, level in files:
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.ImportFrom):
                    continue
                if node.level == level and node.module is None:
                    deps |= {alias.name for alias in node.names if alias.name in names}
                elif node.level == level and node.module:
                    deps.add(node.module.split(".")[0])
                elif node.level == 0 and (node.module or "").startswith("api.services."):
                    deps.add(node.module.split(".")[2])
        graph[name] = (deps & names) - {name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as a path of module names, or None."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                return path[path.index(dep):] + [dep]
            if dep not in state and (found := visit(dep)):
                return found
        state[node] = 2
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_service_modules_import_each_other_without_a_cycle():
    graph = _graph()
    assert {"instances", "hooks", "disclosures", "runtime", "settings", "steps"} <= set(graph)
    cycle = _cycle(graph)
    assert cycle is None, " -> ".join(cycle)


def test_the_pipeline_and_the_settings_import_none_of_what_depends_on_them():
    graph = _graph()
    assert "hooks" not in graph["steps"] and "hooks" not in graph["instances"]
    assert "runtime" not in graph["settings"]


def test_the_cycle_check_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
