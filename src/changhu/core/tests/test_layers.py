"""Layers point one way: ``core`` imports no domain app (apps plug in through registries), and
the API is assembled in one module without an import cycle."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2]
DOMAIN = {"orgs", "insured", "providers", "care", "visits", "assessment", "fund", "settlement"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_imports_no_domain_app():
    offenders = {}
    for path in (SRC / "core").rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        bad = {
            name
            for name in imported_modules(path)
            if name.startswith("changhu.") and name.split(".")[1] in DOMAIN | {"web", "api"}
        }
        if bad:
            offenders[str(path.relative_to(SRC))] = bad
    assert offenders == {}


def test_the_api_is_assembled_in_one_module():
    routes = imported_modules(SRC / "api" / "routes.py")
    assert "changhu.api.main" not in routes
    assert "changhu.api.routes" in imported_modules(SRC / "api" / "main.py")
