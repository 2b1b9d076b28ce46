"""Lazy public APIs (core.lazy): exports import on first use, and only then."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from anju.core.lazy import _exports


def _package(tmp: Path) -> Path:
    pkg = tmp / "lazypkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        textwrap.dedent(
            """
            from typing import TYPE_CHECKING

            from anju.core.lazy import lazy_exports

            if TYPE_CHECKING:
                from lazypkg import heavy
                from lazypkg.heavy import answer
                from lazypkg.heavy import label as name

            if not TYPE_CHECKING:
                __getattr__, __dir__ = lazy_exports(__name__, __file__)
            """
        )
    )
    (pkg / "heavy.py").write_text("import sys\nsys.modules['lazypkg'].loaded = True\nanswer = 42\nlabel = 'x'\n")
    return pkg


def test_exports_are_read_from_the_type_checking_imports(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    assert _exports(str(pkg / "__init__.py"), "lazypkg") == {
        "heavy": ("lazypkg.heavy", ""),
        "answer": ("lazypkg.heavy", "answer"),
        "name": ("lazypkg.heavy", "label"),
    }


def test_an_export_imports_its_module_on_first_use_only(tmp_path: Path) -> None:
    _package(tmp_path)
    code = textwrap.dedent(
        """
        import sys
        import lazypkg
        assert 'lazypkg.heavy' not in sys.modules
        assert 'answer' in dir(lazypkg)
        assert lazypkg.heavy.__name__ == 'lazypkg.heavy'  # a submodule export is the module itself
        from lazypkg import answer, name
        assert (answer, name, lazypkg.loaded) == (42, 'x', True)
        try:
            lazypkg.missing
        except AttributeError as e:
            assert 'missing' in str(e)
        else:
            raise SystemExit('no AttributeError')
        print('ok')
        """
    )
    src = Path(__file__).resolve().parents[2] / "src"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": f"{tmp_path}:{src}"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.stdout.strip() == "ok", out.stderr


@pytest.mark.parametrize("module", ["anju.cli"])
def test_the_command_line_imports_no_web_or_database_module_at_start(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "heavy = sorted(m for m in ('fastapi', 'starlette', 'sqlalchemy', 'pydantic', 'uvicorn') if m in sys.modules)\n"
        "print(','.join(heavy) or '-')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "-"
