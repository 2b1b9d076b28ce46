"""``anju address …``: parse addresses and link department records to register homes."""

from __future__ import annotations

import json

import click

from anju.addresses.parser import parse
from anju.core.errors import NotFound


@click.group("address")
def address() -> None:
    """Address standardisation and linkage (房产公安房屋地址融合库)."""


@address.command("parse")
@click.argument("text")
@click.option("--city", default="320100", show_default=True, help="City whose divisions and aliases to use.")
def parse_cmd(text: str, city: str) -> None:
    """Parse TEXT and print its components and canonical form as JSON (exit 1 if it cannot be parsed)."""
    try:
        p = parse(text, city)
    except NotFound as e:
        raise click.BadParameter(f"no division data for city {city}", param_hint="--city") from e
    click.echo(json.dumps(p.as_dict(), ensure_ascii=False, indent=2))
    if p.error:
        raise SystemExit(1)
