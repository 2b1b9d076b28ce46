"""``anju estates coverage``: the property-service coverage table (物业服务覆盖率) by district → street,
as text or CSV, against the plan's target (thin: read the service, print)."""

from __future__ import annotations

import sys

import click

from anju.core import csvout, runtime
from anju.core.scope import SYSTEM
from anju.estates import services_coverage


@click.command("coverage")
@click.option("--district", default=None, help="Only this district (code).")
@click.option("--csv", "as_csv", is_flag=True, help="Write CSV (UTF-8 with BOM) to stdout instead of a table.")
def coverage_command(district: str | None, as_csv: bool) -> None:
    """Property-service coverage by district and street, against the plan's target."""
    with runtime.engine(runtime.settings()).connect() as conn:
        report = services_coverage.coverage_report(conn, SYSTEM, district)
    if as_csv:
        sys.stdout.buffer.write(
            csvout.to_bytes(services_coverage.COVERAGE_CSV_COLUMNS, services_coverage.coverage_rows(report))
        )
        return
    click.echo(f"规划目标：{report['target_label']} {report['target_percent']}%（{report['target_source']}）")
    click.echo(f"（按 {report['target_new_from_year']} 年起建成的新建住宅小区考核）")
    click.echo(
        f"{'区/街道':<20}{'住宅小区':>8}{'有物业':>8}{'覆盖率%':>9}{'住宅套数':>10}{'有物业':>10}{'覆盖率%':>9}"
        f"{'新建小区':>8}{'新建覆盖率%':>11}"
    )
    for x in report["lines"]:
        name = ("  " if x["level"] == "street" else "") + x["name"]
        ep = "—" if x["estate_percent"] is None else str(x["estate_percent"])
        hp = "—" if x["home_percent"] is None else str(x["home_percent"])
        np = "—" if x["new_estate_percent"] is None else str(x["new_estate_percent"])
        click.echo(
            f"{name:<20}{x['estates']:>8}{x['served_estates']:>8}{ep:>9}{x['homes']:>10}{x['served_homes']:>10}{hp:>9}"
            f"{x['new_estates']:>8}{np:>11}"
        )
