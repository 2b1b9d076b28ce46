"""The house plan, enforced: one skeleton per context, rooms that stay rooms, no cycles, no god modules.

Every rule here fails on a violation. Allow-lists record today's exceptions and may only shrink: a
listed module that grows, or one that no longer needs its entry, fails too (so the list stays true).
See docs/architecture.md ("How to add a context").
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections import defaultdict
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from anju.contexts import CONTEXTS

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "anju"
#: Shared kernels: not contexts. ``core`` imports no other part of ``anju``; the web kit only ``core``.
SHARED = {"core", "web"}
#: The composition root: the only modules that may import every context's adapters.
ROOTS = {"app.py", "cli.py", "contexts.py", "home.py", "__main__.py", "__init__.py"}
#: Modules of a context's root that are not use-case (service) modules.
SKELETON = {"__init__.py", "domain.py", "tables.py", "cli.py"}
#: Adapter modules live in ``<ctx>/http/``, never at a context's root.
ADAPTER = re.compile(r"^(api|pages|schemas)(_\w+)?\.py$")

MAX_LINES = 700
#: Modules over the ceiling today (path → lines): may only shrink, and go when they fit.
OVERSIZE: dict[str, int] = {}

#: Contexts with nothing pure to hold (no statuses, labels or rules of their own).
NO_DOMAIN: set[str] = set()
#: Contexts that own no tables: the map reads the register and the divisions through their public APIs;
#: the synthetic generator writes the other contexts' tables.
NO_TABLES = {"map", "synth"}

#: Files that may keep a ``# type: ignore[arg-type]``: each splats a dict of keyword values into a typed
#: signature (pydantic's Settings, httpx, a test's pass-through of a service's options), which mypy cannot
#: check key by key. Routes splatting service dicts into models are not among them.
ARG_TYPE_IGNORES: dict[str, int] = {
    "src/anju/core/settings.py": 1,
    "tests/conftest.py": 2,
    "tests/integration/test_import.py": 1,
    "tests/integration/test_address_linkage.py": 1,
    "bench/rental_search.py": 2,
}

#: Functions that may return a bare ``dict[str, Any]`` (module → function names): page template
#: contexts, GeoJSON, free-form JSON read back from storage (a policy file, a partial patch, a source's
#: attributes) and the Splink model, whose keys are the library's. Every other service returns a
#: TypedDict, a dataclass or a ``Page`` of them. May only shrink.
UNTYPED_DICT_RETURNS: dict[str, set[str]] = {
    "src/anju/rental/http/pages_escrow.py": {"_ctx"},
    "src/anju/rental/http/pages_leases.py": {"labels_context"},
    "src/anju/rental/http/pages_governance.py": {"_ctx"},
    "src/anju/rental/http/pages_parties.py": {"_ctx"},
    "src/anju/assistance/http/pages_applications.py": {"_ctx"},
    "src/anju/registry/http/pages.py": {"_grid"},
    "src/anju/divisions/http/api.py": {"get_division_geometry"},
    "src/anju/registry/imports/scan.py": {"_given_building_attrs"},
    "src/anju/registry/changes.py": {"_normalise_home_patch"},
    "src/anju/assistance/catalogue.py": {"_policy_dict"},
    "src/anju/addresses/linkage.py": {"load_model", "settings_dict", "train"},
}

#: The security context's own transactions, which are the audit mechanism itself: a refusal is recorded
#: in a transaction of its own (the refused request wrote nothing), a session's last use is touched
#: outside the request's read, and the key rotation and the audit anchoring are batch jobs over the
#: audit and accounts tables that write their own audit events.
OWN_TRANSACTIONS = {"security/audit.py", "security/signin.py", "security/keys.py", "security/anchor.py"}

#: Per-file exceptions to the complexity rules (PLR0911/PLR0912/PLR0915) in pyproject.toml: may only shrink.
#: (Migrations are schema scripts, one statement per column; the stand-alone verifier's ``main`` is its
#: argument dispatch; the rest are rules that read as one table of checks and await a split.)
COMPLEXITY_EXCEPTIONS: dict[str, set[str]] = {
    "src/anju/core/migrations/versions/*": {"PLR0915"},
    "src/anju/ledger/verify.py": {"PLR0911", "PLR0912"},
    "src/anju/rental/contract_pdf.py": {"PLR0915"},
    "src/anju/rental/domain.py": {"PLR0912", "PLR0915"},
    "src/anju/rental/entrustments.py": {"PLR0912"},
    "src/anju/rental/escrow.py": {"PLR0912"},
    "src/anju/rental/governance.py": {"PLR0912", "PLR0915"},
    "src/anju/rental/guidance_model.py": {"PLR0915"},
}


def modules() -> Iterator[Path]:
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def rel(path: Path) -> str:
    return path.relative_to(SRC).as_posix()


def context_dirs() -> set[str]:
    return {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()} - SHARED


@cache
def imports_of(path: Path) -> tuple[str, ...]:
    """Every ``anju.…`` module a file imports, at any depth (a lazy import is still a dependency)."""
    out: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "anju":
                out += [f"anju.{a.name}" for a in node.names]
            elif node.module.startswith("anju."):
                out.append(node.module)
                out += [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            out += [a.name for a in node.names if a.name.startswith("anju.")]
    return tuple(out)


def package_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


# --------------------------------------------------------------------------------------------- the list


def test_every_context_is_in_the_one_list_and_every_listed_one_exists():
    assert {c.name for c in CONTEXTS} == context_dirs()


def test_the_lazy_command_list_names_real_commands_with_their_own_help():
    import importlib

    import click

    for ctx in CONTEXTS:
        for name, target in ctx.commands.items():
            module, _, attr = target.partition(":")
            command = getattr(importlib.import_module(module), attr)
            assert isinstance(command, click.Group), target
            assert command.name == name, target
            assert ctx.help.get(name) == command.get_short_help_str(200), f"help of {name} differs from {target}"
            assert module == f"anju.{ctx.name}.cli", f"{target}: a context's commands live in its cli.py"


# ------------------------------------------------------------------------------------------ the skeleton


def test_every_context_has_the_skeleton():
    problems = []
    for ctx in CONTEXTS:
        d = SRC / ctx.name
        if ctx.http:
            if not (d / "http" / "__init__.py").exists():
                problems.append(f"{ctx.name}: no http/__init__.py")
            elif "ROUTERS" not in (d / "http" / "__init__.py").read_text(encoding="utf-8"):
                problems.append(f"{ctx.name}: http/__init__.py exports no ROUTERS")
        elif (d / "http").exists():
            problems.append(f"{ctx.name}: has http/ but is listed without it in anju.contexts")
        if ctx.commands and not (d / "cli.py").exists():
            problems.append(f"{ctx.name}: commands listed but no cli.py")
        if ctx.name not in NO_TABLES and not (d / "tables.py").exists():
            problems.append(f"{ctx.name}: no tables.py")
        if ctx.name not in NO_DOMAIN and ctx.name != "synth" and not (d / "domain.py").exists():
            problems.append(f"{ctx.name}: no domain.py")
        for f in sorted(d.glob("*.py")):
            if ADAPTER.match(f.name):
                problems.append(f"{ctx.name}/{f.name}: adapters (api, pages, schemas) belong in http/")
    assert problems == []


def test_allow_lists_only_shrink():
    stale = [c for c in NO_DOMAIN if (SRC / c / "domain.py").exists()]
    assert stale == [], f"remove from NO_DOMAIN: {stale}"
    stale = [c for c in NO_TABLES if (SRC / c / "tables.py").exists()]
    assert stale == [], f"remove from NO_TABLES: {stale}"


def test_no_module_over_the_line_ceiling():
    over = {}
    for path in modules():
        n = len(path.read_text(encoding="utf-8").splitlines())
        allowed = OVERSIZE.get(rel(path), MAX_LINES)
        if n > allowed:
            over[rel(path)] = n
    assert over == {}, f"modules over {MAX_LINES} lines (split them along their seams): {over}"
    fits = [p for p in OVERSIZE if (SRC / p).exists() and len((SRC / p).read_text().splitlines()) <= MAX_LINES]
    gone = [p for p in OVERSIZE if not (SRC / p).exists()]
    assert fits == [] and gone == [], f"remove from OVERSIZE: {fits + gone}"


def test_domain_modules_do_not_import_frameworks_or_infrastructure():
    for path in SRC.rglob("domain.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        mods = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        mods |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        frameworks = {m for m in mods if m.split(".")[0] in ("sqlalchemy", "fastapi", "starlette", "click")}
        infrastructure = {m for m in mods if m.startswith("anju.") and m.split(".")[-1] in ("tables", "db", "http")}
        assert not frameworks and not infrastructure, (path, frameworks | infrastructure)


# ------------------------------------------------------------------------------------ rooms stay rooms


def test_contexts_import_each_other_only_through_their_public_api():
    """``from anju.rental import leases_view`` names what the package exports; ``from anju.rental.leases
    import …`` or ``import anju.rental.leases`` reaches past it (lazy imports included)."""
    ctx = context_dirs()
    bad = []
    for path in modules():
        r = rel(path)
        if r in ROOTS:
            continue
        own = r.split("/")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            for module in targets:
                parts = module.split(".")
                if parts[0] == "anju" and len(parts) > 2 and parts[1] in ctx and parts[1] != own:
                    bad.append(f"{r}: imports {module}")
    assert bad == []


def test_only_the_composition_root_imports_it_and_contexts_do_not_import_the_roots():
    """``anju.contexts`` is the exception: it is data (importing nothing of ``anju``), which the security
    context reads to gather the permissions."""
    bad = []
    for path in modules():
        r = rel(path)
        if r in ROOTS:
            continue
        for module in imports_of(path):
            if module in ("anju.app", "anju.cli") or module.startswith(("anju.app.", "anju.cli.")):
                bad.append(f"{r}: imports {module}")
    assert bad == []
    assert imports_of(SRC / "contexts.py") == (), "the one list must stay data"


def test_core_imports_nothing_else_and_the_web_kit_only_core():
    bad = []
    for path in modules():
        r = rel(path)
        own = r.split("/")[0]
        if own not in SHARED:
            continue
        allowed = {"core"} if own in ("core", "web") else set()
        for module in imports_of(path):
            pkg = package_of(module)
            if pkg and pkg != own and pkg not in allowed:
                bad.append(f"{r}: imports {module}")
    assert bad == []


def layer_of(r: str) -> str:
    """The node a module belongs to: its context's adapters (``<ctx>.http``, ``<ctx>.cli``) sit in
    a layer above the context itself, since every route declares a policy of the security context,
    which in turn builds on divisions (scopes) and the ledger (audit anchors)."""
    parts = r.split("/")
    if len(parts) > 1 and parts[1] in ("http", "cli.py"):
        return f"{parts[0]}.{parts[1].removesuffix('.py')}"
    return parts[0]


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in modules():
        r = rel(path)
        if r in ROOTS:
            continue
        own = layer_of(r)
        for module in imports_of(path):
            pkg = package_of(module)
            if not pkg or not (SRC / pkg).is_dir():
                continue
            target = layer_of("/".join(module.split(".")[1:3]) + ("" if module.count(".") > 1 else "/"))
            if target.split(".")[0] != own.split(".")[0]:
                graph[own].add(target)
    return graph


def module_graph() -> dict[str, set[str]]:
    names = {
        ".".join(("anju", *path.relative_to(SRC).with_suffix("").parts)).removesuffix(".__init__") for path in modules()
    }
    graph: dict[str, set[str]] = defaultdict(set)
    for path in modules():
        me = ".".join(("anju", *path.relative_to(SRC).with_suffix("").parts)).removesuffix(".__init__")
        for module in imports_of(path):
            if module in names and module != me and not me.startswith(module + "."):
                graph[me].add(module)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles_between_packages():
    graph = package_graph()
    assert "security.http" in graph and "web" in graph["security.http"]  # the graph sees the layers
    assert cycles(graph) == []


def test_no_import_cycles_between_modules():
    """A package's ``__init__`` re-exporting its own modules is not a cycle; anything else is."""
    assert cycles(module_graph()) == []


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


# ------------------------------------------------------------------------------------------ the writes


def test_route_modules_write_only_through_the_audited_transaction():
    """Writes in routes open ``audited(...)`` (audit row inside the transaction), never ``uow.begin()``.

    The security context's own routes are the exception: its services record their events themselves
    (sign-in attempts must be recorded even when they fail)."""
    offenders = [
        rel(p)
        for p in SRC.rglob("*.py")
        if "http" in p.parts
        and "security" not in p.relative_to(SRC).parts
        and ("uow.begin(" in p.read_text(encoding="utf-8") or "engine.begin(" in p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_services_do_not_open_transactions_on_a_bare_engine():
    """Long jobs go through ``security.audited_job`` (the writers' queue, audit with the job's record);
    ``engine.begin()`` outside core, migrations and the synthetic generator bypasses both."""
    offenders = [
        rel(p)
        for p in modules()
        if rel(p).split("/")[0] not in ("core", "synth")
        and rel(p) not in OWN_TRANSACTIONS
        and "engine.begin(" in p.read_text(encoding="utf-8")
    ]
    assert offenders == [], offenders
    stale = [r for r in OWN_TRANSACTIONS if "engine.begin(" not in (SRC / r).read_text(encoding="utf-8")]
    assert stale == [], f"remove from OWN_TRANSACTIONS: {stale}"


# --------------------------------------------------------------------------------------------- the types


def test_no_arg_type_ignores_outside_the_allow_list():
    found = {}
    for path in [*modules(), *(ROOT / "tests").rglob("*.py"), *(ROOT / "bench").rglob("*.py")]:
        if path.resolve() == Path(__file__).resolve():
            continue
        n = path.read_text(encoding="utf-8").count("type: ignore[arg-type]")
        if n:
            found[path.relative_to(ROOT).as_posix()] = n
    over = {p: n for p, n in found.items() if n > ARG_TYPE_IGNORES.get(p, 0)}
    assert over == {}, over


def _untyped_dict_returns(tree: ast.Module) -> set[str]:
    """Functions annotated to return ``dict[str, Any]`` (alone or ``| None``)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns is not None:
            text = ast.unparse(node.returns).replace(" ", "")
            if text in ("dict[str,Any]", "dict[str,Any]|None", "Optional[dict[str,Any]]"):
                found.add(node.name)
    return found


def test_services_return_typed_shapes_not_bare_dicts():
    found = {}
    for path in modules():
        names = _untyped_dict_returns(ast.parse(path.read_text(encoding="utf-8")))
        if names:
            found[path.relative_to(ROOT).as_posix()] = names
    new = {p: sorted(n - UNTYPED_DICT_RETURNS.get(p, set())) for p, n in found.items()}
    assert {p: n for p, n in new.items() if n} == {}, "return a TypedDict, a dataclass or a Page"
    stale = {p: sorted(n - found.get(p, set())) for p, n in UNTYPED_DICT_RETURNS.items()}
    assert {p: n for p, n in stale.items() if n} == {}, "remove from UNTYPED_DICT_RETURNS"


def test_complexity_rules_are_on_with_exceptions_that_only_shrink():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]["lint"]
    rules = {"PLR0911", "PLR0912", "PLR0915"}
    assert not rules & set(config.get("ignore", [])), "the complexity rules are switched off globally"
    exceptions = {
        path: set(codes) & rules
        for path, codes in config.get("per-file-ignores", {}).items()
        if set(codes) & rules and path.startswith("src/")
    }
    grown = {p: c - COMPLEXITY_EXCEPTIONS.get(p, set()) for p, c in exceptions.items()}
    assert {p: c for p, c in grown.items() if c} == {}, "new complexity exceptions: split the function instead"


def test_declared_restriction_sources_load_whoever_asks():
    """The registry's one restriction mechanism asks every source a context declares in the one list,
    loaded from its declaration (not from whichever module happened to be imported)."""
    from anju.contexts import CONTEXTS
    from anju.registry import restriction_sources

    declared = {name for c in CONTEXTS for name in c.restriction_sources}
    found = dict(restriction_sources())
    assert "rental_flags" in declared and declared <= set(found)
    assert all(callable(f) for f in found.values())
