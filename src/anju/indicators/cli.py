"""The indicator dictionary's commands (``anju indicators …``)."""

from __future__ import annotations

import click


@click.group(name="indicators")
def indicators() -> None:
    """The indicator dictionary: list it, check it, refresh the stored values."""


@indicators.command("list")
@click.option("--csv", "as_csv", is_flag=True, help="Print the whole dictionary as CSV.")
def list_command(as_csv: bool) -> None:
    """Every indicator: code, name, unit, levels, owner (with --csv: every field)."""
    import sys

    from anju.core import csvout
    from anju.indicators.dictionary import dictionary

    book = dictionary()
    if as_csv:
        w = csvout.writer(sys.stdout)
        w.writerow(["code", "name", "unit", "formula", "source", "calibre", "levels", "owner", "provider", "reference"])
        for i in book.values():
            w.writerow([i.code, i.name, i.unit, i.formula, i.source, i.calibre, " ".join(i.levels), i.owner,
                        i.provider or "", i.reference])  # fmt: skip
        return
    for i in book.values():
        click.echo(f"{i.code}\t{i.name}（{i.unit or '—'}）\t{'/'.join(i.levels)}\t{i.owner}")
    click.echo(f"共 {len(book)} 项指标")


@indicators.command("check")
def check_command() -> None:
    """Read the dictionary and import every provider it names; exit 1 naming what is wrong."""
    from anju import contexts
    from anju.indicators.dictionary import load
    from anju.indicators.domain import IndicatorError

    try:
        book = load()
    except IndicatorError as e:
        raise click.ClickException(str(e)) from None
    bad = []
    for i in book.values():
        if i.provider:
            try:
                contexts.load(i.provider)
            except (ImportError, AttributeError) as e:
                bad.append(f"{i.code}: provider {i.provider} 无法加载（{e}）")
    for b in bad:
        click.echo(b, err=True)
    if bad:
        raise SystemExit(1)
    click.echo(f"指标字典完好：{len(book)} 项，其中 {sum(1 for i in book.values() if i.provider)} 项由平台计算")


@indicators.command("refresh")
@click.option("--year", "years", type=int, multiple=True, required=True, help="A year to compute (repeatable).")
@click.option("--code", "codes", multiple=True, help="Only this indicator (repeatable); default every computed one.")
def refresh_command(years: tuple[int, ...], codes: tuple[str, ...]) -> None:
    """Compute and store the values of the computed indicators for the given years."""
    from anju.core import migrate, runtime
    from anju.indicators.domain import IndicatorError
    from anju.indicators.refresh import refresh

    settings = runtime.settings()
    engine = runtime.engine(settings)
    migrate.upgrade(engine)
    try:
        r = refresh(engine, years, codes=codes or None)
    except IndicatorError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"刷新完成（第 {r.run_id} 次）：{len(r.codes)} 项指标，{len(r.years)} 个年份，{r.values} 个数值")
