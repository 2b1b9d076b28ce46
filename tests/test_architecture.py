"""The rooms stay rooms: a context imports another only through its public ``__init__``."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "anju"
SHARED = {"core", "web"}
#: The composition roots wire every context's adapters (routers, commands).
ROOTS = {"app.py", "cli.py"}
ADAPTERS = {"api", "pages", "cli", "api_imports", "api_figures", "pages_figures"}


def contexts() -> set[str]:
    return {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()} - SHARED


def test_contexts_import_each_other_only_through_their_public_api():
    ctx = contexts()
    bad = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        own = rel.split("/")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not node.module or not node.module.startswith("anju."):
                continue
            parts = node.module.split(".")
            other = parts[1]
            if other not in ctx or other == own or len(parts) == 2:
                continue
            if rel in ROOTS and parts[2] in ADAPTERS:
                continue
            bad.append(f"{rel}: from {node.module} import …")
    assert bad == []


def test_domain_modules_do_not_import_frameworks():
    for path in SRC.rglob("domain.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        mods = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        mods |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not {m for m in mods if m.split(".")[0] in ("sqlalchemy", "fastapi", "starlette")}, path


def test_route_modules_write_only_through_the_audited_transaction():
    """Writes in routes open ``audited(...)`` (audit row inside the transaction), never ``uow.begin()``.

    The security context's own routes are the exception: its services record their events themselves
    (sign-in attempts must be recorded even when they fail)."""
    src = Path(__file__).resolve().parents[1] / "src" / "anju"
    offenders = [
        str(p.relative_to(src))
        for p in src.rglob("*.py")
        if (p.stem in ("api", "pages") or p.stem.startswith(("api_", "pages_")))
        and p.parent.name != "security"
        and "uow.begin(" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []
