"""The credit context's commands (``anju credit …``)."""

from __future__ import annotations

import click


@click.group(name="credit")
def credit() -> None:
    """Industry credit: subjects, grades, lists, inspections draws, objections, repair."""
