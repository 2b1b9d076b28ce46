"""The credit context's commands (``anju credit …``)."""

from __future__ import annotations

import click


@click.group(name="credit")
def credit() -> None:
    """Industry credit: subjects, grades, lists, inspections draws, objections, repair."""


# --- builder "subjects": credit files of every filed party ------------------------------------------


@credit.command("sync")
@click.option("--only", multiple=True, help="Run only these providers (e.g. rental_parties); default: all.")
def credit_sync(only: tuple[str, ...]) -> None:
    """File every party the contexts file as a credit subject (信用主体): rental enterprises, agencies
    and practitioners, developers, assistance households. Idempotent; prints what each provider saw."""
    import json

    from anju.core import clock, migrate, runtime
    from anju.credit.subjects import providers, sync
    from anju.security import audited_command, keyring_from_settings

    settings = runtime.settings()
    engine = runtime.engine(settings)
    migrate.upgrade(engine)
    known = {name for name, _ in providers()}
    if unknown := sorted(set(only) - known):
        raise click.BadParameter(f"unknown provider(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    with audited_command(engine, "credit.sync_subjects", "credit_subject") as conn:
        done = sync(conn, keyring_from_settings(settings), clock.now(), only=only)
    click.echo(json.dumps([r.__dict__ for r in done], ensure_ascii=False))
