"""The renewal context's commands (``anju renewal …``)."""

from __future__ import annotations

import click


@click.group(name="renewal")
def renewal() -> None:
    """Urban renewal: old-community, shanty-town, lift and energy retrofits, plan progress."""


@renewal.command("check-data")
def check_data() -> None:
    """Read and check the plan, the catalogue and the eligibility rules in use; print what they hold."""
    from anju.core.settings import load_settings
    from anju.renewal import rules

    settings = load_settings()
    try:
        cat = rules.catalogue(settings)
        elig = rules.eligibility(settings)
        plan = rules.plan(settings)
    except rules.RulesError as e:
        raise click.ClickException(str(e)) from None
    by_cat = {c: sum(1 for i in cat.items if i.category == c) for c in ("basic", "complete", "improve")}
    click.echo(
        f"改造内容清单：{cat.name}，基础类 {by_cat['basic']} 项、"
        f"完善类 {by_cat['complete']} 项、提升类 {by_cat['improve']} 项"
    )
    for ed in elig.editions:
        click.echo(f"改造范围规定 {ed.code}（{ed.effective_from} 起）：" + "；".join(r.text for r in ed.rules))
    click.echo(f"加装电梯协议须同意业主占比 ≥ {elig.lift_min_agreement}")
    if plan is None:
        click.echo(f"本市（{settings.city_code}）没有城市更新规划数据")
        return
    click.echo(f"规划：{plan.name}（{plan.first_year}–{plan.last_year}），{len(plan.districts)} 个区")
    for t in plan.targets:
        click.echo(f"  目标 {t.label}：{t.value} {t.unit}（{t.source}）")
    for n in plan.discrepancies:
        click.echo(f"  规划原表：{n}")


@renewal.command("progress")
@click.option("--csv", "as_csv", is_flag=True, help="Print the district × year table as CSV.")
def progress_command(as_csv: bool) -> None:
    """The district × year progress table against the plan (the whole city), and the targets."""
    import sys

    from anju.core import csvout, migrate, runtime
    from anju.core.scope import Scope
    from anju.renewal import progress, rules

    settings = runtime.settings()
    engine = runtime.engine(settings)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        try:
            plan = rules.plan(settings, conn)
        except rules.RulesError as e:
            raise click.ClickException(str(e)) from None
        if plan is None:
            raise click.ClickException(f"本市（{settings.city_code}）没有城市更新规划数据")
        p = progress.progress(conn, plan, scope=Scope.whole_city())
    if as_csv:
        w = csvout.writer(sys.stdout)
        w.writerow(
            [
                "district_code",
                "district",
                "year",
                "plan_communities",
                "plan_area_wan_m2",
                "listed",
                "accepted",
                "accepted_area_wan_m2",
            ]
        )
        for r in [*p.rows, p.total]:
            for c in r.cells:
                w.writerow([r.code, r.name, c.year, c.plan_communities, c.plan_area, c.listed, c.done, c.done_area])
        return
    for r in [*p.rows, p.total]:
        t = r.total
        click.echo(
            f"{r.name}：计划 {t.plan_communities} 个 / {t.plan_area} 万㎡，已竣工 {t.done} 个 / {t.done_area} 万㎡"
        )
    for tp in p.targets:
        click.echo(f"{tp.label}：{tp.actual} / {tp.target} {tp.unit}（{tp.percent}）")
