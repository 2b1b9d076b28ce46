"""``anju registry …`` commands: thin — parse options, call the importer or exporter, print."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from anju.core import runtime
from anju.core.errors import AnjuError
from anju.security import audited_command

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from anju.core.settings import Settings


@click.group()
def registry() -> None:
    """楼盘表: import, export, look-ups; registration and restriction feeds."""


def _engine() -> tuple[Settings, Engine]:
    """The settings and an engine over the configured database, its schema brought up to date."""
    from anju.core import migrate

    settings = runtime.settings()
    engine = runtime.engine(settings)
    migrate.upgrade(engine)
    return settings, engine


@registry.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--source",
    default="manual",
    show_default=True,
    type=click.Choice(["presale", "survey", "registration", "rental", "manual"]),
    help="Where the file comes from (预售, 测绘, 登记, 租赁, 手工).",
)
@click.option(
    "--mode",
    default="all_or_nothing",
    show_default=True,
    type=click.Choice(["all_or_nothing", "good_rows"]),
    help="all_or_nothing: any bad row changes nothing; good_rows: load the good rows.",
)
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the rejected rows (original columns + 错误原因) to this CSV file.",
)
def import_cmd(file: Path, source: str, mode: str, rejects: Path | None) -> None:
    """Import a 楼盘表 file (CSV or .xlsx); prints a JSON summary, exits 1 when the file is rejected."""
    from anju.registry import imports
    from anju.security import Caller

    settings, engine = _engine()
    try:
        size = file.stat().st_size
        if size > settings.upload_max_bytes:
            raise click.ClickException(
                f"文件大小 {size} 字节，超过上限 {settings.upload_max_bytes} 字节（ANJU_UPLOAD_MAX_BYTES）"
            )
        result = imports.import_file(
            engine,
            file.read_bytes(),
            file.name,
            caller=Caller.system("cli"),
            source=source,
            mode=mode,
            max_bytes=settings.upload_max_bytes,
            batch_rows=settings.import_batch_rows,
            xlsx_limits=imports.XlsxLimits.of(settings),
        )
    except AnjuError as e:
        raise click.ClickException(e.message) from None
    finally:
        engine.dispose()
    if rejects is not None and result.rejects:
        rejects.write_bytes(result.rejects_csv())
    out = {**result.summary(), "rejects_file": str(rejects) if rejects is not None and result.rejects else None}
    click.echo(json.dumps(out, ensure_ascii=False, default=str))
    if result.rejected:
        sys.exit(1)


def _export(out: Path, layer: str, district: str | None, street: str | None) -> None:
    from anju.registry import export

    _, engine = _engine()
    try:
        n = export.export_file(engine, out, layer, district_code=district, street_code=street)
    except AnjuError as e:
        raise click.ClickException(e.message) from None
    finally:
        engine.dispose()
    click.echo(json.dumps({"file": str(out), "format": export.format_of(out), "rows": n}, ensure_ascii=False))


@registry.command("export-homes")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output file; the format comes from the extension: .csv, .xlsx or .geojson.",
)
@click.option("--district", help="Only this district (or zone) code, e.g. 320105.")
@click.option("--street", help="Only this street code, e.g. 320105001.")
def export_homes(out: Path, district: str | None, street: str | None) -> None:
    """Export one row per home (GeoJSON: a point at the building footprint's centroid)."""
    _export(out, "homes", district, street)


@registry.command("export-buildings")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output file; the format comes from the extension: .csv, .xlsx or .geojson.",
)
@click.option("--district", help="Only this district (or zone) code.")
@click.option("--street", help="Only this street code.")
def export_buildings(out: Path, district: str | None, street: str | None) -> None:
    """Export one row per building (GeoJSON: the footprint polygon)."""
    _export(out, "buildings", district, street)


@registry.command("import-jobs")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
def import_jobs(limit: int) -> None:
    """List the latest import jobs as JSON lines."""
    from anju.registry import imports

    _, engine = _engine()
    with engine.connect() as conn:
        jobs = imports.list_jobs(conn, limit=limit)
    engine.dispose()
    for j in jobs.items:
        click.echo(json.dumps(j, ensure_ascii=False, default=str))


@registry.command("remerge")
def remerge() -> None:
    """Recompute merged values from the source records after source_rules changed."""
    from anju.registry import imports

    _, engine = _engine()
    with audited_command(engine, "registry.remerge") as conn:
        out = imports.remerge(conn)
    engine.dispose()
    click.echo(json.dumps(out, ensure_ascii=False))


def _load_feed(file: Path, feed: str) -> None:
    from anju.core.xlsx import XlsxLimits
    from anju.registry import feeds
    from anju.security import Caller, keyring_from_settings

    settings, engine = _engine()
    load = feeds.load_registrations if feed == "registrations" else feeds.load_restrictions
    try:
        result = load(
            engine,
            file,
            keyring_from_settings(settings),
            caller=Caller.system("cli"),
            xlsx_limits=XlsxLimits.of(settings),
            settings=settings,
        )
    except AnjuError as e:
        raise click.ClickException(e.message) from None
    finally:
        engine.dispose()
    click.echo(json.dumps(result.summary(), ensure_ascii=False, default=str))
    if result.rejected:
        sys.exit(1)


@registry.command("load-registrations")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_registrations(file: Path) -> None:
    """Load a registration-centre file (不动产登记: first registrations, transfers, corrections; .csv,
    .jsonl or .xlsx, see docs/registry.md) as one batch of the exchange's feed registry.registrations:
    a bad record goes alone to the dead-letter list, the rest is loaded. Prints a JSON summary naming
    every bad record's line, field and reason, and exits 1 when nothing could be loaded (the file is
    unreadable, or every new record was refused). Re-delivered records change nothing."""
    _load_feed(file, "registrations")


@registry.command("load-restrictions")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_restrictions(file: Path) -> None:
    """Load a restriction file (查封/解封, 抵押/注销, 行政限制/解除; .csv, .jsonl or .xlsx) as one batch
    of registry.restrictions, like load-registrations."""
    _load_feed(file, "restrictions")
