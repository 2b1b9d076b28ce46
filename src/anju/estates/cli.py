"""The estates context's commands (``anju estates …``)."""

from __future__ import annotations

import click


@click.group(name="estates")
def estates() -> None:
    """Estate management: property services, owners' votes, the maintenance fund."""


# the maintenance fund (part "fund")
from anju.estates.cli_fund import fund  # noqa: E402

estates.add_command(fund)
# part "services"
from anju.estates.services_cli import coverage_command  # noqa: E402

estates.add_command(coverage_command)


@estates.command("company-subjects")
@click.option("--district", default=None, help="Only the companies registered in this district (code).")
def estates_company_subjects(district: str | None) -> None:
    """Give every filed property-service company its credit file (idempotent; service quality)."""
    from anju.core import migrate, runtime
    from anju.core.settings import load_settings
    from anju.estates import quality_credit
    from anju.security import audited_command, keyring_from_settings

    settings = load_settings()
    engine = runtime.engine(settings)
    migrate.upgrade(engine)
    with audited_command(engine, "estates.company_subjects") as conn:
        n = quality_credit.ensure_company_subjects(conn, keyring_from_settings(settings), district=district)
    click.echo(f"信用档案新建或更新 {n} 家物业服务企业")
