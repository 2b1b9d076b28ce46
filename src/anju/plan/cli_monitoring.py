"""The monitoring commands of ``anju plan``: report a year's figures (``report``), write an evaluation
report (``evaluate``), export a reported year for upward reporting (``export``). Attached to the context's
``plan`` group in :mod:`anju.plan.cli`."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command("report")
@click.option("--year", type=int, required=True, help="The plan year to report (its figures as of the year's end).")
@click.option("--note", default="", help="Required when the year was reported before: what is corrected and why.")
@click.option("--plan", "code", help="A plan code; default the city's current plan.")
def report_command(year: int, note: str, code: str | None) -> None:
    """Report a year's figures: a snapshot of every target (a correction when reported before)."""
    from anju.core import migrate, runtime
    from anju.core.errors import AnjuError
    from anju.plan import monitoring
    from anju.plan.current import plan_for
    from anju.security import audited_command, set_audit_detail, set_audit_target

    settings = runtime.settings()
    engine = runtime.engine(settings)
    migrate.upgrade(engine)
    try:
        with audited_command(engine, "plan.report", "plan_report") as conn:
            plan = plan_for(conn, settings.city_code, code)
            r = monitoring.report_year(conn, plan, year, by="cli", note=note or None)
            set_audit_target(conn, r.id)
            set_audit_detail(conn, {"plan": plan.code, "year": year, "version": r.version})
    except AnjuError as e:
        raise click.ClickException(e.message) from None
    what = "报送" if r.version == 1 else f"更正（第 {r.version} 版）"
    click.echo(f"{plan.name} {year} 年度数据已{what}：{len(plan.targets)} 项目标")


@click.command("evaluate")
@click.option("--kind", type=click.Choice(["midterm", "final"]), required=True, help="中期评估 or 总结评估.")
@click.option("--format", "fmt", type=click.Choice(["docx", "pdf"]), required=True)
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="The file to write.")
@click.option("--plan", "code", help="A plan code; default the city's current plan.")
def evaluate_command(kind: str, fmt: str, out: Path, code: str | None) -> None:
    """Write the mid-term or final evaluation report (.docx or PDF) from the stored data."""
    from anju.core import migrate, runtime
    from anju.core.errors import AnjuError
    from anju.plan import evaluation
    from anju.plan.current import plan_for

    settings = runtime.settings()
    engine = runtime.engine(settings)
    migrate.upgrade(engine)
    try:
        with engine.connect() as conn:
            plan = plan_for(conn, settings.city_code, code)
            e = evaluation.gather(conn, plan, "midterm" if kind == "midterm" else "final")
    except AnjuError as err:
        raise click.ClickException(err.message) from None
    out.write_bytes(render(e, fmt))
    click.echo(f"已生成 {e.title}（{fmt}）：{out}")


def render(e: object, fmt: str) -> bytes:
    """The evaluation as ``fmt`` (docx or pdf) bytes."""
    from anju.plan import report_docx, report_pdf
    from anju.plan.evaluation import Evaluation

    assert isinstance(e, Evaluation)
    return report_docx.render(e) if fmt == "docx" else report_pdf.render(e)


@click.command("export")
@click.option("--year", type=int, required=True, help="The reported year to export.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), required=True)
@click.option("--version", type=int, help="A reported version; default the current one.")
@click.option("--plan", "code", help="A plan code; default the city's current plan.")
@click.option("--out", "out", type=click.Path(path_type=Path), help="The file to write; default standard output.")
def export_command(year: int, fmt: str, version: int | None, code: str | None, out: Path | None) -> None:
    """Export a reported year's indicator set (CSV or JSON, docs/plan.md) for upward reporting."""
    from anju.core import migrate, runtime
    from anju.core.errors import AnjuError
    from anju.plan import export, monitoring
    from anju.plan.current import plan_for

    settings = runtime.settings()
    engine = runtime.engine(settings)
    migrate.upgrade(engine)
    try:
        with engine.connect() as conn:
            plan = plan_for(conn, settings.city_code, code)
            r = monitoring.get_report(conn, plan.code, year, version)
            rows = export.rows(monitoring.figures(conn, plan.code, report_ids=[r.id]))
    except AnjuError as e:
        raise click.ClickException(e.message) from None
    text = export.to_csv(rows) if fmt == "csv" else export.to_json(rows, synthetic=r.synthetic)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"已导出 {year} 年第 {r.version} 版：{len(rows)} 行 → {out}", err=True)


COMMANDS = (report_command, evaluate_command, export_command)
