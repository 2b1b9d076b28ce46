"""The ``anju`` command line: thin commands that call services.

Start-up is lazy: the root imports nothing of the web stack or the database layer, and a context's
commands (``anju.contexts.CONTEXTS``) are imported only when they run, so ``anju --help`` and the
stand-alone verifiers (``anju ledger verify-*``, ``anju lottery verify``) start fast.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from anju.core import runtime

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from anju.core.settings import Settings


class _ContextCommands(click.Group):
    """The root group: its own commands, and each context's (``CONTEXTS``) imported when invoked."""

    def _lazy(self) -> dict[str, tuple[str, str]]:
        from anju.contexts import CONTEXTS

        return {name: (target, ctx.help.get(name, "")) for ctx in CONTEXTS for name, target in ctx.commands.items()}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._lazy()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        own = super().get_command(ctx, cmd_name)
        if own is not None:
            return own
        lazy = self._lazy().get(cmd_name)
        if lazy is None:
            return None
        module, _, attr = lazy[0].partition(":")
        command = getattr(importlib.import_module(module), attr)
        assert isinstance(command, click.Command), lazy[0]
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # The help lists every command without importing the contexts' command modules.
        lazy = self._lazy()
        rows = []
        for name in self.list_commands(ctx):
            if name in lazy:
                rows.append((name, lazy[name][1]))
            else:
                cmd = super().get_command(ctx, name)
                if cmd is not None and not cmd.hidden:
                    rows.append((name, cmd.get_short_help_str(formatter.width)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=_ContextCommands)
@click.version_option(package_name="anju")
def main() -> None:
    """Anju（安居）城市住房管理平台。"""


@main.group()
def db() -> None:
    """Database schema (migrations)."""


@db.command("upgrade")
@click.option("--revision", default="head")
def db_upgrade(revision: str) -> None:
    """Create or upgrade the schema of the configured database."""
    from anju.core import migrate

    engine = runtime.engine()
    migrate.upgrade(engine, revision)
    click.echo(f"schema at {migrate.current_revision(engine)}")


@db.command("downgrade")
@click.option("--revision", default="base")
def db_downgrade(revision: str) -> None:
    """Downgrade the schema (``base`` removes every table)."""
    from anju.core import migrate

    engine = runtime.engine()
    migrate.downgrade(engine, revision)
    click.echo(f"schema at {migrate.current_revision(engine)}")


@main.group("jobs")
def jobs_group() -> None:
    """Background jobs (long work started from the pages)."""


@jobs_group.command("purge")
@click.option(
    "--days", type=click.IntRange(min=1), default=None, help="Keep this many days (default ANJU_JOB_RESULT_DAYS)."
)
def jobs_purge(days: int | None) -> None:
    """Delete the files of background jobs (reports, evaluations, progress) older than the retention."""
    from anju.core import jobs

    settings = runtime.settings()
    keep = days if days is not None else settings.job_result_days
    removed = jobs.purge(Path(settings.data_dir), keep)
    click.echo(f"deleted {removed} job files older than {keep} days")


@main.command()
@click.option("--scale", type=float, default=0.01, show_default=True, help="1.0 ≈ the real city (4M homes).")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--people/--no-people",
    default=True,
    show_default=True,
    help="Also generate owners, assisted homes and the housing-assistance history.",
)
@click.option(
    "--rental/--no-rental",
    default=True,
    show_default=True,
    help="Also generate the rental market (parties, listings, ≈1M filed leases at scale 1.0); needs --people.",
)
@click.option(
    "--market/--no-market",
    default=True,
    show_default=True,
    help="Also generate the market history from 2016-01 (developers, permits, price lists, new-home and resale "
    "contracts, registrations, mortgages, seizures; ≈2M sales at scale 1.0); needs --people.",
)
@click.option(
    "--truth",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write the market history's ground truth here: index.csv (true price index per district × month, "
    "2016-01 = 100) and coefficients.json (the price model's coefficients).",
)
@click.option(
    "--departments/--no-departments",
    default=True,
    show_default=True,
    help="Also generate the four department feeds (公安 hukou, 人社 social insurance, 民政 minimum income, 公积金) "
    "for the synthetic applicants, as CSV files applied through the feeds' checks; needs --people.",
)
@click.option(
    "--departments-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep the department feeds' CSV files (and mismatches.csv, the labelled disagreements) here; "
    "default: a temporary directory, removed after loading.",
)
@click.option(
    "--credit/--no-credit",
    default=True,
    show_default=True,
    help="Also file every party as a credit subject and generate its synthetic credit history (violations "
    "and good conduct over five years, references SYN-…), then grade every subject; needs --people.",
)
@click.option(
    "--estates/--no-estates",
    default=True,
    show_default=True,
    help="Also generate estate management: property-service companies and projects, complaints, owners' "
    "committees and votes, maintenance-fund accounts with ten years of deposits, interest and spending "
    "(docs/estates.md); needs --people, --market and --credit.",
)
@click.option(
    "--safety/--no-safety",
    default=True,
    show_default=True,
    help="Also generate house safety: appraisal agencies (≈28 at scale 1.0), inspections of older buildings, "
    "appraisals with realistic grade shares and the hazard cases they open (docs/safety.md); needs --credit.",
)
@click.option(
    "--renewal/--no-renewal",
    default=True,
    show_default=True,
    help="Also generate urban renewal: five years of old-community projects in proportion to the plan's "
    "district × year table, shanty-town and energy retrofits, lift retrofits with owners' agreements and "
    "completions (docs/renewal.md).",
)
@click.option(
    "--streets/--no-streets",
    default=True,
    show_default=True,
    help="Also synthesise the street database (人地房产业): population, land and industry of every street for "
    "2020–this year, consistent with the register and Nanjing's ≈9.5 million residents × scale (docs/streets.md), "
    "and refresh the street indicators.",
)
def synth(
    scale: float,
    seed: int,
    people: bool,
    rental: bool,
    market: bool,
    truth: Path | None,
    departments: bool,
    departments_dir: Path | None,
    credit: bool,
    estates: bool,
    safety: bool,
    renewal: bool,
    streets: bool,
) -> None:
    """Build the synthetic Nanjing into the configured (empty) database."""
    from anju.core import migrate
    from anju.core.errors import AnjuError
    from anju.security import keyring_from_settings
    from anju.synth import generate, generate_market, generate_people, generate_rental

    settings = runtime.settings()
    engine = runtime.engine(settings)
    migrate.upgrade(engine)
    t0 = time.perf_counter()
    try:
        report = generate(engine, scale, seed, batch=settings.import_batch_rows, progress=runtime.progress)
        out: dict[str, object] = report.__dict__ | {"seconds": round(time.perf_counter() - t0, 1)}
        if people:
            t1 = time.perf_counter()
            made = generate_people(
                engine,
                keyring_from_settings(settings),
                seed,
                scale=scale,
                batch=settings.import_batch_rows,
                progress=runtime.progress,
            )
            out |= {"people": made.__dict__, "people_seconds": round(time.perf_counter() - t1, 1)}
            if departments:
                out |= {"departments": _synth_departments(engine, settings, seed, departments_dir)}
            if rental:
                t2 = time.perf_counter()
                rental_made = generate_rental(
                    engine,
                    keyring_from_settings(settings),
                    seed,
                    scale=scale,
                    batch=settings.import_batch_rows,
                    progress=runtime.progress,
                    city_code=settings.city_code,
                    deposit_cap_months=settings.rental_deposit_cap_months,
                    escrow_rent_months=settings.rental_escrow_rent_months,
                    escrow_deposit_months=settings.rental_escrow_deposit_months,
                )
                out |= {"rental": rental_made.__dict__, "rental_seconds": round(time.perf_counter() - t2, 1)}
            if market:
                t3 = time.perf_counter()
                history = generate_market(
                    engine,
                    keyring_from_settings(settings),
                    seed,
                    scale=scale,
                    batch=settings.import_batch_rows,
                    progress=runtime.progress,
                    truth_dir=truth,
                )
                out |= {"market": history.__dict__, "market_seconds": round(time.perf_counter() - t3, 1)}
            if credit:
                from anju.synth import generate_credit

                t4 = time.perf_counter()
                cred = generate_credit(engine, keyring_from_settings(settings), seed, progress=runtime.progress)
                out |= {"credit": cred.__dict__, "credit_seconds": round(time.perf_counter() - t4, 1)}
            if estates:
                from anju.synth import generate_estates

                t5 = time.perf_counter()
                est = generate_estates(
                    engine, keyring_from_settings(settings), seed, scale=scale, progress=runtime.progress
                )
                out |= {"estates": est.made, "estates_seconds": round(time.perf_counter() - t5, 1)}
            if safety and credit:
                from anju.synth import generate_safety

                t6 = time.perf_counter()
                safety_made = generate_safety(
                    engine, keyring_from_settings(settings), seed, scale=scale, progress=runtime.progress
                )
                out |= {"safety": dict(safety_made), "safety_seconds": round(time.perf_counter() - t6, 1)}
        if renewal:
            from anju.synth import generate_renewal

            t6 = time.perf_counter()
            ren = generate_renewal(engine, seed, scale=scale, city_code=settings.city_code, progress=runtime.progress)
            out |= {"renewal": ren.made, "renewal_seconds": round(time.perf_counter() - t6, 1)}
        out |= _synth_streets_timed(engine, seed) if streets else {}
    except (AnjuError, ValueError) as e:
        raise click.ClickException(str(e)) from None
    click.echo(json.dumps(out, ensure_ascii=False))


def _synth_departments(engine: Engine, settings: Settings, seed: int, directory: Path | None) -> dict[str, object]:
    import tempfile

    from anju.security import keyring_from_settings
    from anju.synth.departments import generate_department_feeds

    kr = keyring_from_settings(settings)
    if directory is not None:
        return generate_department_feeds(engine, kr, settings, seed, directory, progress=runtime.progress).__dict__
    with tempfile.TemporaryDirectory(prefix="anju-departments-") as tmp:
        got = generate_department_feeds(engine, kr, settings, seed, Path(tmp), progress=runtime.progress)
    return got.__dict__ | {"directory": None}


def _demo_estates_safety_renewal(engine: Engine, settings: Settings, seed: int, scale: float) -> None:
    """The demo's estate management (docs/estates.md), house safety (docs/safety.md) and renewal projects
    (docs/renewal.md), after the credit files exist, each with its summary line."""
    from anju.security import keyring_from_settings
    from anju.synth import generate_estates, generate_renewal, generate_safety, safety_summary

    est = generate_estates(engine, keyring_from_settings(settings), seed, scale=scale, progress=runtime.progress)
    click.echo(f"已生成合成物业管理数据：{est.summary()}（/property）", err=True)
    made = generate_safety(engine, keyring_from_settings(settings), seed, scale=scale)
    click.echo(f"已生成合成房屋安全数据：{safety_summary(made)}（/safety）", err=True)
    ren = generate_renewal(engine, seed, scale=scale, city_code=settings.city_code, progress=runtime.progress)
    click.echo(f"已生成合成城市更新项目：{ren.summary()}（/renewal，公开页 /renewal/public）", err=True)


def _synth_streets(engine: Engine, seed: int) -> str:
    """The synthetic street panel (docs/streets.md) and the street indicators refreshed for its years."""
    from anju.core.db import unit_of_work
    from anju.indicators import dictionary, refresh
    from anju.streets import generate_synthetic

    made = generate_synthetic(unit_of_work(engine), seed)
    codes = [c for c, i in dictionary().items() if i.owner == "streets" and i.provider]
    got = refresh(engine, made.years, codes=codes)
    return f"{made.summary()}；指标 {got.values} 个"


def _demo_plan(engine: Engine, settings: Settings) -> None:
    """Every computed indicator refreshed for the plan's years (the plan's progress from the synthetic
    city), and each finished plan year reported, so /plan and the public /plan/public have figures."""
    from anju.core import clock
    from anju.indicators import dictionary, refresh
    from anju.plan import current_plan, monitoring
    from anju.security import audited_command

    with engine.connect() as conn:
        plan = current_plan(conn, settings.city_code)
    if plan is None:
        return
    this_year = clock.today().year
    years = [y for y in range(plan.first_year - 1, plan.last_year + 1) if y <= this_year]
    codes = [c for c, i in dictionary().items() if i.provider and i.owner != "streets"]
    got = refresh(engine, years, codes=codes)
    reported = []
    for year in (y for y in plan.years if y < this_year):
        with audited_command(engine, "plan.report", "plan_report") as conn:
            monitoring.report_year(conn, plan, year, by="demo", note=None)
        reported.append(year)
    done = f"，并报送 {reported[0]}–{reported[-1]} 年度数据（公开页 /plan/public）" if reported else ""
    click.echo(f"已按合成城市计算规划指标 {got.values} 个（/plan）{done}", err=True)


def _synth_streets_timed(engine: Engine, seed: int) -> dict[str, object]:
    t0 = time.perf_counter()
    return {"streets": _synth_streets(engine, seed), "streets_seconds": round(time.perf_counter() - t0, 1)}


def _demo_streets(engine: Engine, seed: int) -> None:
    """The demo's street database (合成) and its indicators (/streets, the map's choropleths)."""
    click.echo(f"已生成合成街道数据库（人地房产业）：{_synth_streets(engine, seed)}（/streets）", err=True)


def _demo_market_figures(engine: Engine, settings: Settings) -> None:
    """The market figures (price indices with their quality) from the demo's history, so the dashboards
    have data; a short revision window keeps the demo quick (docs/market.md)."""
    from anju.core.db import unit_of_work
    from anju.market.compute import ComputeRequest, compute
    from anju.security import Caller

    run = compute(
        unit_of_work(engine),
        Caller.system("demo"),
        ComputeRequest(revision_months=3),
        city_code=settings.city_code,
        default_first_month=settings.market_first_month,
        progress=runtime.progress,
    )
    click.echo(f"已计算市场监测指标（第 {run.id} 次计算，{run.first_month}–{run.last_month}，/market/runs）", err=True)


def _demo_accounts(engine: Engine, settings: Settings) -> None:
    """The demo's accounts, created once, and joined to the synthetic market (``attach_demo_accounts``)."""
    from anju.security import keyring_from_settings
    from anju.security.cli import DEMO_PASSWORD, ensure_demo_accounts
    from anju.synth import attach_demo_accounts

    made = ensure_demo_accounts(engine, settings)
    if made:
        click.echo(f"已创建演示账户（密码均为 {DEMO_PASSWORD}）：" + "、".join(a["username"] for a in made), err=True)
        attached = attach_demo_accounts(engine, keyring_from_settings(settings), made)
        if attached:
            click.echo(
                "演示账户已接入合成租赁市场：landlord 名下有已发布房源，agency 为已备案租赁企业，"
                "citizen 有一份已备案合同",
                err=True,
            )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, type=int, show_default=True)
@click.option(
    "--workers",
    default=1,
    type=click.IntRange(1, 64),
    show_default=True,
    help="Server processes (each with its own connection pool, session cache and rate-limit counters).",
)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the platform over the configured database."""
    import uvicorn

    from anju.app import create_app, prepare_routes
    from anju.core import migrate

    settings = runtime.settings()
    if workers == 1:
        uvicorn.run(prepare_routes(create_app(settings)), host=host, port=port, log_level=settings.log_level.lower())
        return
    # Migrate once here, then let every worker process build its app without migrating.
    migrate.upgrade(runtime.engine(settings))
    uvicorn.run(
        "anju.app:create_worker_app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
    )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, type=int, show_default=True)
@click.option("--scale", type=float, default=0.01, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
def demo(host: str, port: int, scale: float, seed: int) -> None:
    """Create the schema, build a small synthetic Nanjing if the database is empty, and serve."""
    import os

    from anju import registry as reg
    from anju.core import migrate
    from anju.core.scope import SYSTEM
    from anju.security import keyring_from_settings
    from anju.security.cli import DEMO_ACCOUNTS, DEMO_PASSWORD
    from anju.synth import generate, generate_market, generate_people, generate_rental

    settings = runtime.settings()
    if "ANJU_STAFF_TOTP_REQUIRED" not in os.environ and settings.environment != "production":
        # The demo's staff sign in without an authenticator app; production refuses this setting.
        settings = settings.model_copy(update={"staff_totp_required": False})
    engine = runtime.engine(settings)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        empty = reg.stats(conn, scope=SYSTEM)["homes"] == 0
    if empty:
        click.echo(f"正在生成合成南京（scale={scale}, seed={seed}）…", err=True)
        generate(engine, scale, seed, batch=settings.import_batch_rows, progress=runtime.progress)
        people = generate_people(
            engine,
            keyring_from_settings(settings),
            seed,
            scale=scale,
            batch=settings.import_batch_rows,
            progress=runtime.progress,
        )
        click.echo(
            f"已生成产权人 {people.owner_rows} 条、保障房源 {sum(people.assisted_homes.values())} 套、"
            f"保障申请 {people.applications} 份（审核中 {people.statuses.get('submitted', 0)} 份）",
            err=True,
        )
        dept = _synth_departments(engine, settings, seed, None)
        click.echo(f"已生成部门核查数据（合成）：{dept['applied']}，其中有意不一致 {dept['mismatches']} 条", err=True)
        market = generate_rental(
            engine,
            keyring_from_settings(settings),
            seed,
            scale=scale,
            batch=settings.import_batch_rows,
            progress=runtime.progress,
            city_code=settings.city_code,
            deposit_cap_months=settings.rental_deposit_cap_months,
            escrow_rent_months=settings.rental_escrow_rent_months,
            escrow_deposit_months=settings.rental_escrow_deposit_months,
        )
        click.echo(
            f"已生成租赁企业 {market.enterprises} 家、经纪机构 {market.agencies} 家、"
            f"房源 {sum(market.listings.values())} 条、已备案合同 {market.leases.get('filed', 0)} 份",
            err=True,
        )
        history = generate_market(
            engine,
            keyring_from_settings(settings),
            seed,
            scale=scale,
            batch=settings.import_batch_rows,
            progress=runtime.progress,
        )
        click.echo(
            f"已生成合成市场历史（2016 年起）：开发企业 {history.developers} 家、预售许可 {history.permits} 个、"
            f"新房合同 {history.new_sales} 份、存量房合同 {history.resales + history.pending_resales} 份、"
            f"登记 {history.registrations} 条",
            err=True,
        )
        _demo_market_figures(engine, settings)
        # the demo accounts join the market before the credit history is built: the agency's enterprise
        # is filed under the account's credit code, so it has one credit file (not one per code)
        _demo_accounts(engine, settings)
        from anju.synth import demo_credit_events, generate_credit

        cred = generate_credit(engine, keyring_from_settings(settings), seed, progress=runtime.progress)
        own = demo_credit_events(engine, keyring_from_settings(settings), DEMO_ACCOUNTS)
        if own:
            click.echo(f"演示账户各有一条合成信用记录（共 {own} 条，/credit/me）", err=True)
        click.echo(
            f"已生成合成信用记录：信用主体 {sum(cred.subjects.values())} 个、失信记录 {cred.negative} 条、"
            f"守信记录 {cred.positive} 条（/credit/subjects，公示 /credit/public）",
            err=True,
        )
        _demo_estates_safety_renewal(engine, settings, seed, scale)
        _demo_streets(engine, seed)
        _demo_plan(engine, settings)
        from anju.rental.cli import publish_demo_guidance

        edition = publish_demo_guidance(engine)
        if edition:
            click.echo(f"已按合成备案合同测算并发布租赁指导价格 {edition}（/rental/guidance）", err=True)
        from anju.addresses import demo_link_job

        job = demo_link_job(engine, n=3000, seed=seed, memory_limit=settings.address_link_memory)
        click.echo(
            f"已将 {job.records} 条合成公安地址关联到楼盘表：已关联 {job.linked}、待复核 {job.review}、"
            f"未关联 {job.unlinked}（复核队列 /addresses/review）",
            err=True,
        )
    _demo_accounts(engine, settings)
    click.echo(
        f"Anju 正在运行： http://{host}:{port}/  （演示账户见 README：admin、city、district、clerk、"
        f"auditor、citizen…，密码 {DEMO_PASSWORD}）",
        err=True,
    )
    sys.stdout.flush()
    import uvicorn

    from anju.app import create_app, prepare_routes

    uvicorn.run(prepare_routes(create_app(settings)), host=host, port=port, log_level=settings.log_level.lower())


if __name__ == "__main__":  # pragma: no cover
    main()
