"""``anju assistance …``: programme policies and batch eligibility checks."""

from __future__ import annotations

import json
from pathlib import Path

import click

from anju.assistance import domain as d


@click.group("assistance")
def assistance() -> None:
    """Housing assistance and talent housing (住房保障、人才安居)."""


@assistance.group("programmes")
def programmes() -> None:
    """Programme policies (editions are immutable; a change is a new edition)."""


@programmes.command("load")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Policy file (default: ANJU_ASSISTANCE_PROGRAMMES, else the labelled sample of the city).",
)
def programmes_load(path: Path | None) -> None:
    """Validate a programmes file and store the editions not yet stored."""
    from anju.assistance import services as svc
    from anju.cli import _engine, _settings
    from anju.core import migrate
    from anju.core.errors import AnjuError

    settings = _settings()
    path = path or settings.assistance_programmes_path or d.sample_policy_path(settings.city_code)
    try:
        policies = d.load_policies(path)
    except d.PolicyError as e:
        raise click.BadParameter(str(e), param_hint="--file") from None
    engine = _engine(settings)
    migrate.upgrade(engine)
    try:
        with engine.begin() as conn:
            added = svc.load_programmes(conn, policies)
    except AnjuError as e:
        raise click.ClickException(e.message) from None
    sample = sum(1 for p in policies if p.sample)
    click.echo(
        json.dumps({"file": str(path), "editions": len(policies), "added": added, "sample": sample}, ensure_ascii=False)
    )


@programmes.command("list")
def programmes_list() -> None:
    """The stored editions (code, edition, dates, digest, sample)."""
    from anju.assistance import services as svc
    from anju.cli import _engine, _settings

    with _engine(_settings()).connect() as conn:
        for p in svc.list_programmes(conn):
            for e in p["editions"]:
                flag = "（示例）" if e["sample"] else ""
                now = " 现行" if e["in_force"] else ""
                dates = f"{e['effective_from']}–{e['effective_to'] or ''}"
                click.echo(f"{p['code']:<18} 第{e['edition']}版 {dates} {e['digest'][:16]}{flag}{now}")


@assistance.command("check")
@click.option("--programme", default=None, help="Only this programme's applications.")
def check(programme: str | None) -> None:
    """Re-run the eligibility check of every pending application (batches of 20,000)."""
    from anju.assistance import services as svc
    from anju.cli import _engine, _progress, _settings

    out = svc.check_all(_engine(_settings()), programme, progress=_progress)
    click.echo(json.dumps(out, ensure_ascii=False))
