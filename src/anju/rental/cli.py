"""``anju rental …`` commands: thin — parse options, call the rental services, print."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import click

from anju.core import csvout, migrate, runtime
from anju.core.errors import AnjuError
from anju.core.settings import Settings, load_settings
from anju.security import audited_command

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sqlalchemy import Engine


def _engine(settings: Settings) -> Engine:
    engine = runtime.engine(settings)
    migrate.upgrade(engine)
    return engine


@click.group()
def rental() -> None:
    """Rental supervision (住房租赁监管服务平台)."""


# --- rental: guidance rents (租赁指导价格) -------------------------------------------------------


@rental.group("guidance")
def rental_guidance() -> None:
    """Guidance rents: compute a draft edition from filed leases, publish it, list editions."""


@rental_guidance.command("compute")
@click.option(
    "--until", "until", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Last day (default today)."
)
@click.option("--months", type=click.IntRange(1, 36), default=12, show_default=True, help="Months of filed leases.")
def rental_guidance_compute(until: Any, months: int) -> None:
    """Compute a draft edition (hedonic regression over the filed leases of the period)."""
    from anju.rental import guidance

    engine = _engine(load_settings())
    try:
        with audited_command(engine, "rental.compute_guidance") as conn:
            out = guidance.compute_edition(conn, until=until.date() if until else None, months=months)
    except AnjuError as e:
        raise click.ClickException(e.message + "".join(f"（{x.field}：{x.reason}）" for x in e.errors)) from None
    m = out["method"]
    summary = {k: out[k] for k in ("id", "edition_no", "status", "period_start", "period_end", "leases_used", "ranges")}
    summary |= {"r2_overall": m["r2_overall"], "seconds": m["seconds"]}
    click.echo(json.dumps(summary, ensure_ascii=False, default=str))


@rental_guidance.command("publish")
@click.argument("edition")
@click.option(
    "--from", "effective_from", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Effective date."
)
def rental_guidance_publish(edition: str, effective_from: Any) -> None:
    """Publish a draft edition (by number or id); the edition in force becomes superseded."""
    from anju.rental import guidance

    engine = _engine(load_settings())
    try:
        with audited_command(engine, "rental.publish_guidance") as conn:
            edition_id = guidance.find_edition(conn, edition)
            if edition_id is None:
                raise click.ClickException(f"没有这个指导租金版本：{edition}")
            on = effective_from.date() if effective_from else None
            out = guidance.publish(conn, int(edition_id), by=None, effective_from=on)
    except AnjuError as err:
        raise click.ClickException(err.message + "".join(f"（{x.reason}）" for x in err.errors)) from None
    click.echo(f"{out['edition_no']} 已发布，自 {out['effective_from']} 起执行")


@rental_guidance.command("list")
def rental_guidance_list() -> None:
    """Every edition, newest first (drafts included)."""
    from anju.rental import guidance

    with _engine(load_settings()).connect() as conn:
        items = guidance.list_editions(conn, staff=True, limit=1000).items
    for i in items:
        click.echo(
            f"{i['id']:>5} {i['edition_no']:<14} {i['status_label']:<4} {i['period_start']}–{i['period_end']} "
            f"执行 {i['effective_from'] or '—'} 合同 {i['leases_used']}"
        )


# --- rental: listings (房源核验) ------------------------------------------------------------------


@rental.group("listings")
def rental_listings() -> None:
    """Listings: the daily job that closes listings whose verification code has expired."""


@rental_listings.command("expire")
def rental_listings_expire() -> None:
    """Close every verified or published listing whose code is past rental_verify_code_days."""
    from anju.rental import listings

    settings = load_settings()
    engine = _engine(settings)
    with audited_command(engine, "rental.expire_listings") as conn:
        n = listings.expire(conn, settings.rental_verify_code_days)
    click.echo(f"{n} 条房源核验码已过期并关闭")


# --- rental: leases (网签备案) ---------------------------------------------------------------------


@rental.group("leases")
def rental_leases() -> None:
    """Leases: online signing and filing."""


@rental_leases.command("expire")
@click.option("--batch", default=2000, show_default=True, type=int, help="Leases per transaction.")
def rental_leases_expire(batch: int) -> None:
    """Mark filed leases whose term has ended as expired (each logged in the verifiable log)."""
    from anju.core import clock
    from anju.rental import lease_changes

    settings = load_settings()
    engine = _engine(settings)
    total = 0
    while True:
        with audited_command(engine, "rental.expire_leases") as conn:
            n = lease_changes.expire_leases(conn, settings, clock.today(), limit=batch)
        total += n
        if n < batch:
            break
    click.echo(f"expired {total} leases")


# --- rental: escrow (租金监管) ---------------------------------------------------------------------


@rental.group("escrow")
def rental_escrow() -> None:
    """Escrow: the daily release job and the daily reconciliation report."""


_DAY = click.DateTime(formats=["%Y-%m-%d"])


@rental_escrow.command("release")
@click.option("--on", "on", type=_DAY, default=None, help="Release what is due by this day (default today).")
def rental_escrow_release(on: Any) -> None:
    """Release every supervised rent month earned by the day to its enterprise (idempotent)."""
    from anju.core import clock
    from anju.rental import escrow

    engine = _engine(load_settings())
    with audited_command(engine, "rental.release_escrow") as conn:
        out = escrow.release_due(conn, on.date() if on else clock.today())
    click.echo(
        f"释放 {out['released']} 个月租金共 {out['released_fen'] / 100:.2f} 元；"
        f"向企业划付 {out['payouts']} 笔共 {out['paid_out_fen'] / 100:.2f} 元"
    )


@rental_escrow.command("reconcile")
@click.option("--on", "on", type=_DAY, default=None, help="The day to reconcile (default today).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), default=None, help="Also write the report here.")
def rental_escrow_reconcile(on: Any, csv_path: str | None) -> None:
    """The daily reconciliation of every escrow account against the bank's lines; exit 1 on any imbalance."""

    from anju.core import clock
    from anju.core.scope import Scope
    from anju.rental import escrow_reconciliation

    day = on.date() if on else clock.today()
    with _engine(load_settings()).connect() as conn:
        rows = escrow_reconciliation.reconcile_all(conn, Scope.whole_city(), day)
    bad = [r for r in rows if not r["balanced"]]
    if csv_path:
        cols = ("id", "party_name", "bank", "account_no", "platform_balance", "bank_balance", "difference", "balanced")
        with open(csv_path, "w", newline="", encoding="utf-8-sig") as f:
            w = csvout.writer(f)
            w.writerow(cols)
            by_name: list[Mapping[str, object]] = list(rows)  # the columns by name
            w.writerows([r[c] for c in cols] for r in by_name)
    for r in bad:
        click.echo(
            f"不平：账户 {r['id']} {r['party_name']} 平台 {r['platform_balance']} 分，银行 {r['bank_balance']} 分，"
            f"差额 {r['difference']} 分"
        )
    click.echo(f"{day} 对账：{len(rows)} 个监管账户，{len(bad)} 个不平")
    if bad:
        sys.exit(1)


def publish_demo_guidance(engine: Engine) -> str | None:
    """The demo's first guidance-rent edition, computed from the synthetic filed leases and published
    (so the public guidance page and the listings' guidance check have something to show). Returns its
    number, or None when there are too few leases."""
    from anju.rental import guidance

    try:
        with audited_command(engine, "rental.compute_and_publish_guidance") as conn:
            out = guidance.compute_edition(conn)
            guidance.publish(conn, int(out["id"]), by=None)
    except AnjuError:
        return None
    return str(out["edition_no"])
