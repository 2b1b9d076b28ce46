"""The street database's commands (``anju streets …``): load a file, export a year, synthesise the panel
for the synthetic city."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.group(name="streets")
def streets() -> None:
    """The street database (人地房产业): load, export, synthesise the yearly street panel."""


@streets.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--year", type=int, required=True, help="The year the file's figures describe.")
@click.option("--source", required=True, help="The delivering source, e.g. 市统计局 (never 合成).")
def load_command(file: Path, year: int, source: str) -> None:
    """Check and load a CSV/.xlsx file of street figures (docs/streets.md); every bad cell is printed
    (row, column, reason) and nothing is written when any is bad (exit 2)."""
    from anju.core import migrate, runtime
    from anju.core.db import unit_of_work
    from anju.core.errors import AnjuError
    from anju.security import Caller
    from anju.streets import PanelRejected, load_file

    settings = runtime.settings()
    engine = runtime.engine(settings)
    migrate.upgrade(engine)
    try:
        got = load_file(
            unit_of_work(engine), Caller.system("streets.cli"), file.read_bytes(), file.name, year=year, source=source
        )
    except PanelRejected as e:
        click.echo(e.message, err=True)
        for err in e.errors:
            click.echo(f"第 {err.row or '-'} 行，{err.field}：{err.reason}", err=True)
        raise SystemExit(2) from None
    except AnjuError as e:
        raise click.ClickException(e.message) from None
    click.echo(json.dumps(got.__dict__, ensure_ascii=False))


@streets.command("export")
@click.option("--year", type=int, required=True)
@click.option("--csv", "as_csv", is_flag=True, help="CSV in the load format (default: JSON lines).")
def export_command(year: int, as_csv: bool) -> None:
    """The year's figures of every street (the chosen version of each), in the load format."""
    import sys

    from anju.core import csvout, migrate, runtime
    from anju.core.scope import Scope
    from anju.streets import domain, reads

    settings = runtime.settings()
    engine = runtime.engine(settings)
    migrate.upgrade(engine)
    header = domain.header()
    with engine.connect() as conn:
        rows = list(reads.export_rows(conn, Scope.whole_city(), year))
        synthetic = reads.year_is_synthetic(conn, year)
    if as_csv:
        w = csvout.writer(sys.stdout)
        w.writerow(header)
        for r in rows:
            w.writerow([str(x) for x in r])
        if synthetic:
            w.writerow([domain.SYNTHETIC_LABEL])
        return
    for r in rows:
        click.echo(json.dumps(dict(zip(header, [str(x) for x in r], strict=True)), ensure_ascii=False))


@streets.command("synth")
@click.option("--seed", type=int, default=1, show_default=True)
def synth_command(seed: int) -> None:
    """Synthesise the panel (2020–this year) for the synthetic city in the database (labelled 合成)."""
    from anju.core import migrate, runtime
    from anju.core.db import unit_of_work
    from anju.core.errors import AnjuError
    from anju.streets import generate_synthetic

    settings = runtime.settings()
    engine = runtime.engine(settings)
    migrate.upgrade(engine)
    try:
        got = generate_synthetic(unit_of_work(engine), seed)
    except AnjuError as e:
        raise click.ClickException(e.message) from None
    click.echo(got.summary())
