"""Layers point one way: ``core`` imports no domain app (apps plug in through registries), and
the API is assembled in one module without an import cycle."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2]
DOMAIN = {
    "orgs",
    "insured",
    "providers",
    "care",
    "visits",
    "assessment",
    "fund",
    "settlement",
    "supervision",
    "feedback",
    "matching",
}
MAX_LINES = 800


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


def page_and_api_modules() -> list[Path]:
    """The modules that answer requests: ``views.py``, ``*_views.py``, ``pwa.py``, ``api.py``,
    ``*_api.py`` and every module of an ``api`` package."""
    found = []
    for path in SRC.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        name = path.stem
        if (
            name in {"views", "pwa", "api"}
            or name.endswith(("_views", "_api"))
            or path.parent.name == "api"
        ):
            found.append(path)
    return sorted(found)


def orm_uses(path: Path) -> list[int]:
    """Lines of ``path`` that reach a model manager (``Model.objects``) themselves."""
    tree = ast.parse(path.read_text("utf-8"))
    return sorted(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "objects"
    )


def private_imports(path: Path) -> list[str]:
    """``from changhu.x import _y``: a private name taken from another module."""
    tree = ast.parse(path.read_text("utf-8"))
    return sorted(
        f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("changhu.")
        for alias in node.names
        if alias.name.startswith("_")
    )


def test_the_scan_finds_the_request_modules():
    names = {str(p.relative_to(SRC)) for p in page_and_api_modules()}
    assert {"visits/views.py", "visits/pwa.py", "care/assignment_views.py"} <= names
    assert {"providers/api/schemas.py", "insured/import_api.py", "api/account.py"} <= names


def test_the_scan_sees_orm_and_private_imports(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text(
        "from changhu.visits.services import _caregiver_of\n"
        "def page(request):\n"
        "    return Visit.objects.filter(pk=1)\n",
        "utf-8",
    )
    assert orm_uses(sample) == [3]
    assert private_imports(sample) == ["changhu.visits.services._caregiver_of"]


def test_views_and_api_read_through_selectors():
    """Views and API functions call selectors and services: no ``Model.objects`` (not even in
    ``get_scoped(Model.objects.all(), ...)``) and no private name of another module."""
    offenders = {}
    for path in page_and_api_modules():
        found = [f"line {n}: .objects" for n in orm_uses(path)] + private_imports(path)
        if found:
            offenders[str(path.relative_to(SRC))] = found
    assert offenders == {}


def test_no_module_is_longer_than_a_sitting():
    """No module outside migrations and tests has more than 800 lines: a longer one becomes a
    package split along its sections, its old import path kept (issue 11)."""
    long = {
        str(path.relative_to(SRC)): n
        for path in SRC.rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
        if (n := len(path.read_text("utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
