"""``anju address …``: parse addresses and link department records to register homes."""

from __future__ import annotations

import json
from pathlib import Path

import click

from anju.addresses.parser import parse


@click.group("address")
def address() -> None:
    """Address standardisation and linkage (房产公安房屋地址融合库)."""


@address.command("parse")
@click.argument("text")
@click.option("--city", default="320100", show_default=True, help="City whose divisions and aliases to use.")
def parse_cmd(text: str, city: str) -> None:
    """Parse TEXT and print its components and canonical form as JSON (exit 1 if it cannot be parsed)."""
    p = parse(text, city)
    click.echo(json.dumps(p.as_dict(), ensure_ascii=False, indent=2))
    if p.error:
        raise SystemExit(1)


@address.command("link")
@click.option("--input", "input_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--source", default="police", show_default=True, help="Which department the records come from.")
@click.option("--backend", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True)
@click.option("--store/--no-store", default=True, show_default=True, help="Keep the job and the review queue.")
def link_cmd(input_path: Path, out_path: Path, source: str, backend: str, store: bool) -> None:
    """Link INPUT (CSV: record_id,address) to register homes; write OUT (record_id,house_code,score,status)."""
    from anju.addresses import linkage, services
    from anju.cli import _engine, _progress, _settings
    from anju.core.errors import AnjuError
    from anju.security import Caller

    settings = _settings()
    engine = _engine(settings)
    caller = Caller.system("address-link")
    try:
        records = services.read_records(input_path.read_bytes())
        be: linkage.Backend = linkage.SparkBackend() if backend == "spark" else linkage.DuckDBBackend()
        report = services.run_link_job(
            engine,
            records,
            source=source,
            filename=input_path.name,
            caller=caller,
            backend=be,
            thresholds=linkage.Thresholds(
                settings.address_link_threshold, settings.address_review_threshold, settings.address_link_margin
            ),
            store=store,
            progress=_progress,
        )
    except AnjuError as e:
        raise click.ClickException(e.message) from None
    services.write_links_csv(report.results, out_path)
    click.echo(json.dumps(report.summary(), ensure_ascii=False))
