"""Lazy public APIs: a context's ``__init__`` names what it exports without importing it.

Importing a context's package must stay cheap, because the stand-alone verifiers (``anju ledger
verify-*``, ``anju lottery verify``) live in contexts whose services pull in the database layer. A
context's ``__init__.py`` lists its exports once, as imports under ``if TYPE_CHECKING:`` (so type
checkers and readers see them as usual), and ends with::

    if not TYPE_CHECKING:  # type checkers read the imports above; they must not see a catch-all hook
        __getattr__, __dir__ = lazy_exports(__name__, __file__)

The first access of an exported name imports the module that defines it (PEP 562); submodules
(``from anju.ledger import merkle``) import as usual.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _exports(init_file: str, package: str) -> dict[str, tuple[str, str]]:
    """Exported name → (module, attribute), read from the ``if TYPE_CHECKING:`` imports of the file."""
    tree = ast.parse(Path(init_file).read_text(encoding="utf-8"))
    out: dict[str, tuple[str, str]] = {}
    for node in tree.body:
        if not (isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
            continue
        for stmt in node.body:
            if isinstance(stmt, ast.ImportFrom) and stmt.module:
                module = stmt.module if stmt.level == 0 else f"{package}.{stmt.module}"
                for alias in stmt.names:
                    if module == package:  # ``from anju.x import submodule``: the submodule itself
                        out[alias.asname or alias.name] = (f"{package}.{alias.name}", "")
                    else:
                        out[alias.asname or alias.name] = (module, alias.name)
            elif isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    out[alias.asname or alias.name.rsplit(".", 1)[-1]] = (alias.name, "")
    return out


def lazy_exports(package: str, init_file: str) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a package whose exports import on first use."""
    exports = _exports(init_file, package)
    module = importlib.import_module(package)

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module protocol's name
        try:
            source, attr = exports[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        target = importlib.import_module(source)
        value = getattr(target, attr) if attr else target
        setattr(module, name, value)  # later look-ups find it without this hook
        return value

    def __dir__() -> list[str]:  # noqa: N807
        return sorted({*vars(module), *exports})

    return __getattr__, __dir__
