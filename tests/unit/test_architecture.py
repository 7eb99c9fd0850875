"""The walls of docs/architecture.md, checked on the import graph so a shortcut cannot creep in.

Only module-level imports count as the graph (an import inside a function is a deliberate
late choice, such as bootstrap loading one adapter set); adapter construction is checked
on every call in the source.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import calsnack

PACKAGE = Path(calsnack.__file__).parent
LAMBDAS = Path(__file__).resolve().parents[2] / "lambdas"

#: What each room may import from calsnack (besides itself). Anything not listed is free.
ALLOWED = {
    "calsnack.domain": {"calsnack.domain"},
    "calsnack.usecases": {
        "calsnack.usecases",
        "calsnack.domain",
        "calsnack.ports",
        "calsnack.config",
        "calsnack.branding",
        "calsnack.links",
        "calsnack.queue_messages",
        "calsnack.ical",
        "calsnack.mail",
        "calsnack.csvcommands",
        "calsnack.analytics",
        "calsnack.templating",
    },
}
#: The adapters' constructors: only the composition root (and the adapters themselves) call them.
ADAPTERS = {
    "SqliteStore",
    "SqliteQueue",
    "FileBlobStore",
    "MaildirMailer",
    "DynamoStore",
    "SqsQueue",
    "S3BlobStore",
    "SesMailer",
}


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def top_level_imports(name: str, path: Path) -> set[str]:
    """calsnack modules imported at module level (not inside functions or TYPE_CHECKING)."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.add(module)
            found |= {f"{module}.{a.name}" for a in node.names}
    known = dict(modules())
    return {m for m in found if m in known and m != name}


def graph() -> dict[str, set[str]]:
    return {name: top_level_imports(name, path) for name, path in modules()}


def test_no_import_cycle() -> None:
    edges = graph()
    done: set[str] = set()

    def visit(node: str, stack: list[str]) -> None:
        if node in stack:
            raise AssertionError("import cycle: " + " → ".join([*stack[stack.index(node) :], node]))
        if node in done:
            return
        for target in sorted(edges.get(node, ())):
            visit(target, [*stack, node])
        done.add(node)

    for node in sorted(edges):
        visit(node, [])


def test_each_room_imports_only_what_it_may() -> None:
    wrong = [
        f"{name} imports {target}"
        for name, targets in graph().items()
        for room, allowed in ALLOWED.items()
        if name == room or name.startswith(room + ".")
        for target in sorted(targets)
        if not any(target == a or target.startswith(a + ".") for a in allowed)
    ]
    assert wrong == []


def test_only_the_composition_root_builds_adapters() -> None:
    def callers(path: Path) -> set[str]:
        return {
            node.func.id
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ADAPTERS
        }

    builders = [
        f"{path.relative_to(PACKAGE.parent)} builds {', '.join(sorted(found))}"
        for path in [*(p for _, p in modules()), *LAMBDAS.rglob("*.py")]
        if "adapters" not in path.parts and path.name != "bootstrap.py" and (found := callers(path))
    ]
    assert builders == []
