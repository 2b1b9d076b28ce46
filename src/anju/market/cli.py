"""The market context's commands (``anju market …``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from anju.core import runtime
from anju.core.errors import AnjuError
from anju.market.domain import CLI_METHODS


@click.group(name="market")
def market() -> None:
    """Market monitoring: price indices, land and supply, health evaluation, warnings, reports."""


@market.command("compute")
@click.option("--engine", "engine_name", default="duckdb", show_default=True, type=click.Choice(["duckdb", "spark"]))
@click.option(
    "--first-month", default=None, help="YYYY-MM, the indices' base month (default: the setting market_first_month)."
)
@click.option("--last-month", default=None, help="YYYY-MM (default: the last complete month before today).")
@click.option(
    "--truth",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="The synthetic market's truth folder (anju synth --truth): also score every index against it.",
)
@click.option("--folds", default=5, show_default=True, type=int, help="k of the k-fold accuracy.")
@click.option("--revision-months", default=12, show_default=True, type=int, help="Months of the revision measure.")
def compute_cmd(
    engine_name: str,
    first_month: str | None,
    last_month: str | None,
    truth: Path | None,
    folds: int,
    revision_months: int,
) -> None:
    """Compute the market figures (a run: every price index with its quality, …); prints the run as JSON."""
    from anju.core import migrate
    from anju.core.db import unit_of_work
    from anju.market.compute import ComputeRequest, compute
    from anju.security import Caller

    settings = runtime.settings()
    engine = runtime.engine(settings)
    migrate.upgrade(engine)

    def progress(message: str, fraction: float) -> None:
        click.echo(f"[{fraction:6.1%}] {message}", err=True)

    req = ComputeRequest(engine_name, first_month, last_month, truth, folds, revision_months)
    try:
        run = compute(
            unit_of_work(engine), Caller.system("cli"), req, city_code=settings.city_code,
            default_first_month=settings.market_first_month, progress=progress,
        )  # fmt: skip
    except AnjuError as e:
        click.echo(f"错误：{e.message}", err=True)
        sys.exit(2)
    out = {"run": run.id, "status": run.status, "first_month": run.first_month, "last_month": run.last_month}
    click.echo(json.dumps({**out, "summary": run.summary}, ensure_ascii=False, indent=2))


@market.command(name="index")
@click.option(
    "--method",
    required=True,
    type=click.Choice(CLI_METHODS),
    help="The estimator (see docs/market.md, 'Price indices: the estimators').",
)
@click.option(
    "--input", "input_path", required=True, type=click.Path(dir_okay=False, exists=True), help="Sales CSV file."
)
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False), help="Index CSV to write.")
@click.option(
    "--weights",
    type=click.Choice(["case-shiller", "none"]),
    default="case-shiller",
    show_default=True,
    help="Repeat sales: Case–Shiller interval weights (what the platform publishes) or none (equal weights).",
)
@click.option(
    "--min-obs",
    type=click.IntRange(min=1),
    default=None,
    help="Months with fewer pairs (repeat sales) or sales (hedonic) are flagged thin on stderr "
    "[default: the estimator's own threshold, repeat_sales.MIN_PAIRS or hedonic.MIN_SALES].",
)
def index(method: str, input_path: str, out_path: str, weights: str, min_obs: int | None) -> None:
    """Estimate a price index from a sales file (property_id,period,price[,characteristics…]).

    Writes period,index (first month = 100); months it cannot estimate are left empty and reported on
    stderr. Bad input is refused (exit status 2) naming the line and column, and nothing is written.
    """
    import os
    import tempfile

    from anju.market.indices import salesfile
    from anju.market.indices.hedonic import MIN_SALES
    from anju.market.indices.repeat_sales import MIN_PAIRS

    assert method in CLI_METHODS
    if min_obs is None:
        min_obs = MIN_SALES if method == "hedonic" else MIN_PAIRS
    try:
        with open(input_path, encoding="utf-8", newline="") as f:
            sales = salesfile.read(f)
        series = salesfile.estimate(sales, method, weights=weights, min_obs=min_obs)
    except salesfile.SalesFileError as e:
        raise click.BadParameter(str(e), param_hint="--input") from None
    for line in salesfile.report(sales, series):
        click.echo(line, err=True)
    directory = os.path.dirname(os.path.abspath(out_path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".index-", suffix=".csv")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            salesfile.write(out, sales, series)
        os.replace(tmp, out_path)
    except BaseException:
        os.unlink(tmp)
        raise
