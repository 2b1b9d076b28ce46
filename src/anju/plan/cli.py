"""The plan's commands (``anju plan …``): check a plan's internal consistency, load an edition."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.group(name="plan")
def plan() -> None:
    """Plans as data: check a plan's figures, load an edition (a correction or the next plan)."""


@plan.command("check")
@click.option("--plan", "code", help="A plan code (e.g. 320100-14th): its newest loaded edition, else shipped.")
@click.option("--file", "path", type=click.Path(path_type=Path), help="A plan file, read without loading it.")
def check_command(code: str | None, path: Path | None) -> None:
    """Print the plan's inconsistencies as CSV table,row,column,stated,computed (exit 0 either way;
    exit 2 when the plan cannot be read). Default: the city's current plan."""
    from anju.core import csvout
    from anju.plan.plans import PlanReadError, check, current_plan, plan_by_code, read_plan

    try:
        if path is not None:
            p = read_plan(path)
        else:
            from anju.core import migrate, runtime

            settings = runtime.settings()
            engine = runtime.engine(settings)
            migrate.upgrade(engine)
            with engine.connect() as conn:
                found = plan_by_code(conn, code) if code else current_plan(conn, settings.city_code)
            if found is None:
                raise LookupError(f"城市 {settings.city_code} 没有规划")
            p = found
        rows = check(p)
    except (PlanReadError, LookupError) as e:
        click.echo(str(e).strip("'\""), err=True)
        raise SystemExit(2) from None
    w = csvout.writer(sys.stdout, lineterminator="\n")
    w.writerow(["table", "row", "column", "stated", "computed"])
    for i in rows:
        w.writerow([i.table, i.row, i.column, str(i.stated), str(i.computed)])


@plan.command("load")
@click.argument("path", type=click.Path(path_type=Path))
def load_command(path: Path) -> None:
    """Store the plan file as the next edition of its plan (an identical re-load changes nothing)."""
    from anju.core import migrate, runtime
    from anju.plan.plans import PlanReadError, load

    settings = runtime.settings()
    engine = runtime.engine(settings)
    migrate.upgrade(engine)
    try:
        r = load(engine, path)
    except PlanReadError as e:
        click.echo(str(e), err=True)
        raise SystemExit(2) from None
    ed = r.edition
    if r.created:
        click.echo(f"已载入规划 {ed.code} 第 {ed.edition} 版（{ed.name}，{ed.first_year}–{ed.last_year}）")
    else:
        click.echo(f"规划 {ed.code} 第 {ed.edition} 版与该文件相同，未重复载入")


def _monitoring() -> None:
    """The monitoring commands (report, evaluate, export) live in their own module."""
    from anju.plan.cli_monitoring import COMMANDS

    for command in COMMANDS:
        plan.add_command(command)


_monitoring()
