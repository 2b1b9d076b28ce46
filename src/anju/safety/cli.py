"""The safety context's commands (``anju safety …``): the rules in force, planning an inspection by
rule, the figures against the last plan's review, and what is overdue."""

from __future__ import annotations

import json

import click


@click.group(name="safety")
def safety() -> None:
    """House safety: appraisal agencies, inspections, appraisals, hazard cases, permits."""


@safety.command("rules")
def rules_command() -> None:
    """The inspection rules in force today (the dated data file's edition)."""
    from anju.core import clock
    from anju.safety import rules

    ed = rules.edition_on(clock.today())
    click.echo(f"{ed.name}（{ed.code}，{ed.effective_from} 起施行）")
    for r in ed.rules.values():
        extra = f"，结构 {'、'.join(r.structures)}" if r.structures else ""
        click.echo(f"  {r.code}: {r.label}（{r.trigger}，房龄 ≥ {r.min_age} 年{extra}，{r.due_days} 天内完成）")


@safety.command("plan")
@click.option("--rule", "rule_code", required=True, help="The rule's code in the edition in force.")
@click.option("--title", required=True, help="The plan's title (Chinese).")
@click.option("--district", default=None, help="Only this district (code).")
@click.option("--street", default=None, help="Only this street (code).")
@click.option("--event", "event_note", default=None, help="What happened (required by an event rule).")
def plan_command(rule_code: str, title: str, district: str | None, street: str | None, event_note: str | None) -> None:
    """Plan a safety inspection by rule over the register's buildings (city-wide caller)."""
    from anju.core import migrate, runtime
    from anju.core.errors import AnjuError
    from anju.safety import inspections
    from anju.security import Caller, audited_command, set_audit_target

    settings = runtime.settings()
    engine = runtime.engine(settings)
    migrate.upgrade(engine)
    try:
        with audited_command(engine, "safety.plan", "safety_plan") as conn:
            cmd = inspections.PlanIn(title, rule_code, district, street, event_note)
            pid = inspections.plan_inspection(conn, Caller.system("cli"), cmd)
            set_audit_target(conn, pid)
            plan = inspections.get_plan(conn, Caller.system("cli").scope, pid)
    except AnjuError as e:
        raise click.ClickException(e.message) from None
    click.echo(f"排查计划 {plan['plan_no']}：{plan['buildings']} 幢，期限 {plan['due_on']}")


@safety.command("figures")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def figures_command(as_json: bool) -> None:
    """Buildings inspected, appraisals by grade, open and closed hazard cases, agencies — by district and
    for the city, against the last plan's review."""
    from anju.core import runtime
    from anju.core.scope import Scope
    from anju.safety import figures

    engine = runtime.engine(runtime.settings())
    with engine.connect() as conn:
        f = figures.figures(conn, scope=Scope.whole_city())
    if as_json:
        click.echo(json.dumps(f, ensure_ascii=False))
        return
    click.echo("区\t已排查\tA\tB\tC\tD\t处置中\t已销案\t鉴定机构")
    for r in [*f["districts"], f["city"]]:
        click.echo(
            f"{r['name']}\t{r['inspected']}\t{r['grade_a']}\t{r['grade_b']}\t{r['grade_c']}\t{r['grade_d']}\t"
            f"{r['open_hazards']}\t{r['remediated']}\t{r['agencies']}"
        )
    ref = f["reference"]
    click.echo(
        f"参考（{ref['period']}）：排查 {ref['inspected_buildings']} 幢，治理危房 {ref['dangerous_remediated']} 幢，"
        f"备案鉴定机构 {ref['filed_agencies']} 家"
    )


@safety.command("overdue")
def overdue_command() -> None:
    """Counts of what is late: hazard cases (path or remediation deadline), permits, curtain walls."""
    from anju.core import runtime
    from anju.core.scope import Scope
    from anju.safety import hazards, records

    engine = runtime.engine(runtime.settings())
    city = Scope.whole_city()
    with engine.connect() as conn:
        h = hazards.list_hazards(conn, hazards.HazardFilter(overdue=True), scope=city, limit=1, offset=0).total
        p = records.list_permits(conn, scope=city, overdue=True, limit=1, offset=0).total
        w = records.list_curtain_walls(conn, scope=city, overdue=True, limit=1, offset=0).total
    click.echo(f"逾期危房隐患案件 {h} 件、逾期未决结构变动许可 {p} 件、逾期幕墙检查 {w} 幢")
