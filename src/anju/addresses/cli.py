"""``anju address …``: parse addresses and link department records to register homes."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
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


@address.command("noisy")
@click.option("--n", "n", type=click.IntRange(min=0), required=True, help="How many records to write.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="record_id,address CSV.")
@click.option(
    "--truth",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the ground truth: record_id,house_code,variations CSV.",
)
@click.option(
    "--no-home-share",
    type=click.FloatRange(0, 1),
    default=0.05,
    show_default=True,
    help="Share of records whose address has no home in the register.",
)
@click.option("--city", default="320100", show_default=True, help="City whose divisions and aliases to use.")
def noisy_cmd(n: int, seed: int, out: Path, truth: Path | None, no_home_share: float, city: str) -> None:
    """Write N synthetic police-register addresses of the register's homes, with their ground truth.

    Prints a JSON summary: the count, how many have no home, and how many records got each variation.
    """
    from anju.addresses.noisy import NoisyRecord, generate, write_csv
    from anju.core import dialect
    from anju.core.db import make_engine
    from anju.core.settings import load_settings

    settings = load_settings()
    engine = make_engine(settings.resolved_database_url, settings.sql_echo, settings.db_pool_pre_ping)
    variations: Counter[str] = Counter()
    no_home = 0

    def counted(records: Iterator[NoisyRecord]) -> Iterator[NoisyRecord]:
        nonlocal no_home
        for r in records:
            variations.update(r.variations)
            no_home += r.house_code is None
            yield r

    try:
        with engine.connect().execution_options(**dialect.read_options(engine)) as conn:
            count = write_csv(counted(generate(conn, n, seed, no_home_share=no_home_share, city_code=city)), out, truth)
    except ValueError as e:
        raise click.ClickException(str(e)) from e
    finally:
        engine.dispose()
    summary = {
        "count": count,
        "no_home": no_home,
        "seed": seed,
        "out": str(out),
        "truth": str(truth) if truth else None,
        "variations": dict(sorted(variations.items(), key=lambda kv: (-kv[1], kv[0]))),
    }
    click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
