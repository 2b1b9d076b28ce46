"""Documentation as a contract: settings, CLI commands and the README's two commands."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from anju.cli import main
from anju.core.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_documented():
    doc = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"`ANJU_{name.upper()}`" in doc, name


def test_every_setting_has_a_description():
    assert all(f.description for f in Settings.model_fields.values())


def test_production_refuses_sqlite(monkeypatch):
    monkeypatch.setenv("ANJU_ENVIRONMENT", "production")
    with pytest.raises(ValueError, match="PostgreSQL"):
        load_settings()


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ANJU_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ANJU_PAGE_SIZE_DEFAULT", "7")
    s = load_settings()
    assert s.page_size_default == 7
    assert s.resolved_database_url == f"sqlite:///{tmp_path / 'anju.db'}"


def test_every_cli_command_is_documented():
    text = (ROOT / "README.md").read_text(encoding="utf-8") + "".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md")
    )

    def walk(group, prefix):
        # list_commands/get_command, not .commands: the root loads the contexts' commands lazily
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            cmd = group.get_command(ctx, name)
            full = f"{prefix} {name}"
            yield full
            if isinstance(cmd, click.Group):
                yield from walk(cmd, full)

    commands = list(walk(main, "anju"))
    assert {"anju ledger verify-inclusion", "anju lottery verify", "anju registry"} <= set(commands)
    missing = [c for c in commands if c not in text]
    assert missing == []


def test_readme_has_exactly_two_setup_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```sh", 1)[1].split("```", 1)[0]
    commands = [ln for ln in block.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    assert commands == ["python3 run.py demo", "python3 run.py test"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 run.py test" in ci
