"""Computing the market figures (``anju market compute``, the 开始计算 button of /market/runs): one run.

1. The run row is written ``running`` in a short transaction of its own (so a failure can be recorded).
2. The steps (:data:`STEPS`, in order) run inside **one** write transaction, each writing its rows with
   the run's id; the run is marked ``done`` with the steps' summaries in the same transaction, whose
   audit row (``market.compute``, entity the run) is written inside it (``audited_job``'s final
   transaction). Pages read the newest ``done`` run, so they never see half a run.
3. A step's failure rolls all of that back; the run is then marked ``failed`` (with the error) in a
   transaction of its own, audited with outcome ``failed``.

The run's months: ``first_month`` (default the setting ``market_first_month``, 2016-01) to the last
complete month before today.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from anju import divisions, registry
from anju.core import clock
from anju.core.db import UnitOfWork
from anju.core.errors import ValidationError
from anju.market import domain, forecast, health, rent_ratio, supply, warnings
from anju.market.index_step import index_step
from anju.market.index_step import prepare as prepare_indices
from anju.market.runs import Run, finish_run, get_run, start_run
from anju.market.steps import Prepare, Progress, Step, StepContext
from anju.security import Caller, audited_job

#: The steps of a run, in order (name, step). Adding a step is one line here.
STEPS: tuple[tuple[str, Step], ...] = (
    ("supply", supply.step),
    ("indices", index_step),
    ("rent_ratios", rent_ratio.step),
    ("health", health.step),
    ("warnings", warnings.step),
    ("forecasts", forecast.step),
)

#: Preparations run before the write transaction (step name → prepare): what needs nothing the run
#: writes — reading the sales and estimating every index — so the write lock is held only for writing.
PREPARES: dict[str, Prepare] = {"indices": prepare_indices}

DEFAULT_FIRST_MONTH = "2016-01"


@dataclass(frozen=True)
class ComputeRequest:
    engine: str = "duckdb"
    first_month: str | None = None
    last_month: str | None = None
    truth_dir: Path | None = None
    folds: int = 5
    revision_months: int = 12


def last_complete_month(today: date) -> str:
    return domain.add_months(f"{today.year:04d}-{today.month:02d}", -1)


def _field(name: str, message: str) -> ValidationError:
    return ValidationError.of(name, message)


def validate(req: ComputeRequest, *, today: date, default_first: str) -> tuple[str, str]:
    """The run's (first, last) months, or a ValidationError naming the field."""
    if req.engine not in domain.ENGINES:
        raise _field("engine", f"计算引擎只能是 {'、'.join(domain.ENGINES)}：{req.engine!r}")
    first = req.first_month or default_first
    last = req.last_month or last_complete_month(today)
    for name, value in (("first_month", first), ("last_month", last)):
        try:
            domain.parse_month(value)
        except ValueError as e:
            raise _field(name, str(e)) from None
    if domain.month_index(last) >= domain.month_index(f"{today.year:04d}-{today.month:02d}"):
        raise _field("last_month", f"最后月份 {last} 尚未结束：只能计算已结束的月份")
    if domain.month_index(last) - domain.month_index(first) < 1:
        raise _field("first_month", f"起始月份 {first} 须早于最后月份 {last}")
    if req.truth_dir is not None and not (req.truth_dir / "index.csv").is_file():
        raise _field("truth", f"真值目录 {req.truth_dir} 中没有 index.csv")
    if not 2 <= req.folds <= 20:
        raise _field("folds", "折数须在 2 到 20 之间")
    return first, last


def compute(
    uow: UnitOfWork,
    caller: Caller,
    req: ComputeRequest,
    *,
    city_code: str,
    default_first_month: str = DEFAULT_FIRST_MONTH,
    progress: Progress | None = None,
    job_id: int | None = None,
    steps: tuple[tuple[str, Step], ...] | None = None,
    today: date | None = None,
) -> Run:
    """Run a computation (see the module docstring); returns the finished run (done or failed)."""
    today = today or clock.today()
    first, last = validate(req, today=today, default_first=default_first_month)
    report: Progress = progress or (lambda _m, _f: None)
    params: dict[str, Any] = {
        "methods": list(domain.METHODS),
        "bands": [b.code for b in domain.BANDS],
        "folds": req.folds,
        "revision_months": req.revision_months,
        "truth_dir": str(req.truth_dir) if req.truth_dir else None,
    }
    job = audited_job(uow, caller, "market.compute", "market_run")
    with job.batch() as conn:
        # The one synthetic rule (runs.is_synthetic) reads this flag: a run over a synthetic city says so.
        params["synthetic"] = registry.synthetic_scale(conn) is not None
        run = start_run(
            conn, engine=req.engine, first_month=first, last_month=last, edition=None, params=params,
            started_by=caller.username, job_id=job_id,
        )  # fmt: skip
        districts = tuple(c["code"] for c in divisions.choices(conn))
    job.entity_id = run.id
    chosen = STEPS if steps is None else steps
    summary: dict[str, Any] = {"steps": {}}
    started = time.perf_counter()
    stages = len(chosen) + len(PREPARES)
    try:
        prepared: dict[str, object] = {}
        names = {name for name, _ in chosen}
        for k, (name, prep) in enumerate(PREPARES.items()):
            if name not in names:
                continue

            def prep_progress(message: str, fraction: float, k: int = k) -> None:
                report(message, (k + max(0.0, min(1.0, fraction))) / max(1, stages))

            with uow.read() as rconn:
                prepared[name] = prep(StepContext(rconn, run, city_code, districts, today, prep_progress))
        with job.final() as conn:
            for i, (name, step) in enumerate(chosen):

                def step_progress(message: str, fraction: float, i: int = i + len(PREPARES)) -> None:
                    report(message, (i + max(0.0, min(1.0, fraction))) / max(1, stages))

                ctx = StepContext(conn, run, city_code, districts, today, step_progress, prepared)
                t0 = time.perf_counter()
                out = dict(step(ctx))
                out["seconds"] = round(time.perf_counter() - t0, 2)
                summary["steps"][name] = out
            summary["seconds"] = round(time.perf_counter() - started, 2)
            job.detail = {"run": run.id, "engine": req.engine, "first_month": first, "last_month": last}
            finish_run(conn, run.id, status="done", summary=summary)
    except Exception as e:
        failure = {"error": f"{type(e).__name__}: {e}", "steps": summary["steps"]}
        if not job.recorded:
            job.outcome = "failed"
            job.detail = {"run": run.id, "error": failure["error"][:500]}
            with job.final() as conn:
                finish_run(conn, run.id, status="failed", summary=failure)
        raise
    with uow.read() as conn:
        return get_run(conn, run.id)
