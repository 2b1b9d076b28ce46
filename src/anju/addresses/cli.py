"""``anju address …``: parse addresses and link department records to register homes."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import click

from anju.addresses.parser import parse
from anju.core import runtime
from anju.core.errors import NotFound


@click.group("address")
def address() -> None:
    """Address standardisation and linkage (房产公安房屋地址融合库)."""


@address.command("parse")
@click.argument("text")
@click.option("--city", default="320100", show_default=True, help="City whose divisions and aliases to use.")
def parse_cmd(text: str, city: str) -> None:
    """Parse TEXT and print its components and canonical form as JSON (exit 1 if it cannot be parsed)."""
    try:
        p = parse(text, city)
    except NotFound as e:
        raise click.BadParameter(f"no division data for city {city}", param_hint="--city") from e
    click.echo(json.dumps(p.as_dict(), ensure_ascii=False, indent=2))
    if p.error:
        raise SystemExit(1)


@address.command("link")
@click.option("--input", "input_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--source", default="police", show_default=True, help="Which department the records come from.")
@click.option("--backend", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True)
@click.option("--store/--no-store", default=True, show_default=True, help="Keep the job and the review queue.")
@click.option(
    "--model",
    "model_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A model file from `anju address train` (default: ANJU_ADDRESS_MODEL, else the shipped one).",
)
def link_cmd(input_path: Path, out_path: Path, source: str, backend: str, store: bool, model_path: Path | None) -> None:
    """Link INPUT (CSV: record_id,address) to register homes; write OUT (record_id,house_code,score,status)."""
    from anju.addresses import linkage, linking
    from anju.core.errors import AnjuError
    from anju.security import Caller

    settings = runtime.settings()
    engine = runtime.engine(settings)
    caller = Caller.system("address-link")
    try:
        records = linking.read_records(input_path.read_bytes())
        be: linkage.Backend = (
            linkage.SparkBackend()
            if backend == "spark"
            else linkage.DuckDBBackend(memory_limit=settings.address_link_memory)
        )
        report = linking.run_link_job(
            engine,
            records,
            source=source,
            filename=input_path.name,
            caller=caller,
            backend=be,
            thresholds=linkage.Thresholds(
                settings.address_link_threshold, settings.address_review_threshold, settings.address_link_margin
            ),
            store=store,
            model=linkage.load_model(model_path or settings.address_model_path),
            progress=runtime.progress,
        )
    except AnjuError as e:
        raise click.ClickException(e.message) from None
    linking.write_links_csv(report.results, out_path)
    click.echo(json.dumps(report.summary(), ensure_ascii=False))


@address.command("train")
@click.option("--input", "input_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--truth",
    "truth_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV record_id,house_code of known matches (e.g. from `anju address noisy --truth`).",
)
@click.option("--source", default="police", show_default=True, help="Also learn from clerks' accepted decisions.")
@click.option("--max-pairs", type=float, default=5e6, show_default=True, help="Record × home pairs sampled for u.")
def train_cmd(input_path: Path, out_path: Path, truth_path: Path | None, source: str, max_pairs: float) -> None:
    """Re-estimate the linkage model (u by sampling, m from labelled pairs) and write it to OUT.

    Use it with ANJU_ADDRESS_MODEL=OUT.
    """
    import csv

    from anju.addresses import linking
    from anju.core.errors import AnjuError

    engine = runtime.engine(runtime.settings())
    truth: dict[str, str] = {}
    if truth_path is not None:
        with truth_path.open(encoding="utf-8-sig", newline="") as f:
            truth = {r["record_id"]: r["house_code"] for r in csv.DictReader(f) if r.get("house_code")}
    try:
        records = linking.read_records(input_path.read_bytes())
        model, n = linking.train_model(engine, records, truth=truth, source=source, max_pairs=max_pairs)
    except AnjuError as e:
        raise click.ClickException(e.message) from None
    out_path.write_text(json.dumps(model, ensure_ascii=False, indent=2), encoding="utf-8")
    click.echo(json.dumps({"labelled_pairs": n, "out": str(out_path)}, ensure_ascii=False))


@address.command("noisy")
@click.option("--n", "n", type=click.IntRange(min=0), required=True, help="How many records to write.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="record_id,address CSV.")
@click.option(
    "--truth",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the ground truth: record_id,house_code,variations CSV.",
)
@click.option(
    "--no-home-share",
    type=click.FloatRange(0, 1),
    default=0.05,
    show_default=True,
    help="Share of records whose address has no home in the register.",
)
@click.option("--city", default="320100", show_default=True, help="City whose divisions and aliases to use.")
def noisy_cmd(n: int, seed: int, out: Path, truth: Path | None, no_home_share: float, city: str) -> None:
    """Write N synthetic police-register addresses of the register's homes, with their ground truth.

    Prints a JSON summary: the count, how many have no home, and how many records got each variation.
    """
    from anju.addresses.noisy import NoisyRecord, generate, write_csv
    from anju.core import dialect

    engine = runtime.engine(runtime.settings())
    variations: Counter[str] = Counter()
    no_home = 0

    def counted(records: Iterator[NoisyRecord]) -> Iterator[NoisyRecord]:
        nonlocal no_home
        for r in records:
            variations.update(r.variations)
            no_home += r.house_code is None
            yield r

    try:
        with engine.connect().execution_options(**dialect.read_options(engine)) as conn:
            count = write_csv(counted(generate(conn, n, seed, no_home_share=no_home_share, city_code=city)), out, truth)
    except ValueError as e:
        raise click.ClickException(str(e)) from e
    finally:
        engine.dispose()
    summary = {
        "count": count,
        "no_home": no_home,
        "seed": seed,
        "out": str(out),
        "truth": str(truth) if truth else None,
        "variations": dict(sorted(variations.items(), key=lambda kv: (-kv[1], kv[0]))),
    }
    click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
