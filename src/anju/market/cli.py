"""The market context's commands (``anju market …``)."""

from __future__ import annotations

import click


@click.group(name="market")
def market() -> None:
    """Market monitoring: price indices, land and supply, health evaluation, warnings, reports."""
