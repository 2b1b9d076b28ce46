"""``anju exchange …`` commands: thin — parse options, call the exchange, print."""

from __future__ import annotations

import json
import signal
import threading
from dataclasses import asdict
from typing import Any

import click

from anju.core import migrate, runtime
from anju.core.settings import load_settings


@click.group()
def exchange() -> None:
    """Data exchange: deliver the outbox's events to subscribers (webhooks, AMQP)."""


@exchange.command("deliver")
@click.option("--once", is_flag=True, help="Deliver what is due, then exit (else loop until SIGTERM/SIGINT).")
@click.option("--quiet", is_flag=True, help="Print only the final counts.")
def deliver(once: bool, quiet: bool) -> None:
    """Deliver pending events to subscribers: signed webhooks and AMQP (at least once, in order per key).

    Several deliverers may run at once (on PostgreSQL they claim with SKIP LOCKED; on SQLite they
    take turns). Prints one JSON line of counts per round (unless --quiet) and at the end."""
    from anju.exchange import delivery
    from anju.security import keyring_from_settings

    settings = load_settings()
    engine = runtime.engine(settings)
    migrate.upgrade(engine)
    stop = threading.Event()

    def on_signal(*_: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def progress(stats: delivery.RunStats) -> None:
        if not quiet:
            click.echo(json.dumps(asdict(stats)), err=True)

    stats = delivery.run(engine, settings, keyring_from_settings(settings), once=once, stop=stop, on_round=progress)
    click.echo(json.dumps(asdict(stats)))
