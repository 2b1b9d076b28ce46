"""``anju registry …`` commands."""

from __future__ import annotations

import click


@click.group()
def registry() -> None:
    """楼盘表: import, export, look-ups."""
