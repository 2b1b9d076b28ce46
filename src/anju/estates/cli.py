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
