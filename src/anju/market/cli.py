"""The market context's commands (``anju market …``)."""

from __future__ import annotations

import click

from anju.market.domain import CLI_METHODS


@click.group(name="market")
def market() -> None:
    """Market monitoring: price indices, land and supply, health evaluation, warnings, reports."""


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
