"""The steps of a market computation (``anju market compute``) and what each is given.

A run is one write transaction: the steps run in order inside it, each reading what the platform holds
(and what earlier steps of the same run wrote) and writing its rows with the run's id. A failure rolls
the whole run back (the run row is then marked ``failed`` in a transaction of its own), so pages never
see half a run. Order: supply (the pipeline per area × month), indices (every method × segment × area ×
band × month, with their quality), rent-to-price ratios, health (indicators, scores), warnings,
forecasts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection

from anju.market.runs import Run

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class StepContext:
    #: The run's write transaction.
    conn: Connection
    run: Run
    #: ``settings.city_code``: the area code of the city as a whole.
    city_code: str
    #: The city's districts (GB/T 2260 codes): the areas are these and the city.
    districts: tuple[str, ...]
    #: The day the run computes as of (``anju.core.clock.today()``); ``run.last_month`` is the last
    #: complete month before it.
    today: date
    #: Report progress: a message (Chinese, shown on the job's page) and the step's fraction done.
    progress: Progress
    #: What a step's ``prepare`` computed before the write transaction began (step name → its result;
    #: see :data:`Prepare`): the heavy reading and estimating that needs nothing the run writes, done
    #: outside the write lock (on SQLite the one writer's lock would otherwise stop every other write,
    #: sign-ins included, for minutes).
    prepared: Mapping[str, object] = field(default_factory=dict)

    @property
    def areas(self) -> tuple[str, ...]:
        return (*self.districts, self.city_code)


#: A step: writes its rows for ``ctx.run`` and returns a summary (counts, timings) for the run's record.
Step = Callable[[StepContext], Mapping[str, int | float | str]]

#: A step's optional preparation: run on a read-only connection before the run's write transaction, its
#: result handed to the step as ``ctx.prepared[name]``.
Prepare = Callable[[StepContext], object]
