"""``anju assistance …`` (programme policies, batch eligibility checks) and ``anju lottery …`` (run and
verify a public housing lottery (摇号) offline, no database: exit status 0 done / the result matches,
1 refused or does not match, 2 bad usage or a bad file)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from anju.assistance import domain
from anju.core.lottery import LotteryError, draw, list_hash, read_ids, verify, write_ids


@click.group("assistance")
def assistance() -> None:
    """Housing assistance and talent housing (住房保障、人才安居)."""


@assistance.group("programmes")
def programmes() -> None:
    """Programme policies (editions are immutable; a change is a new edition)."""


@programmes.command("load")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Policy file (default: ANJU_ASSISTANCE_PROGRAMMES, else the labelled sample of the city).",
)
def programmes_load(path: Path | None) -> None:
    """Validate a programmes file and store the editions not yet stored."""
    from anju.assistance import catalogue
    from anju.core import migrate, runtime
    from anju.core.errors import AnjuError
    from anju.security import audited_command

    settings = runtime.settings()
    path = path or settings.assistance_programmes_path or domain.sample_policy_path(settings.city_code)
    try:
        policies = domain.load_policies(path)
    except domain.PolicyError as e:
        raise click.BadParameter(str(e), param_hint="--file") from None
    engine = runtime.engine(settings)
    migrate.upgrade(engine)
    try:
        with audited_command(engine, "assistance.load_programmes") as conn:
            added = catalogue.load_programmes(conn, policies)
    except AnjuError as e:
        raise click.ClickException(e.message) from None
    sample = sum(1 for p in policies if p.sample)
    click.echo(
        json.dumps({"file": str(path), "editions": len(policies), "added": added, "sample": sample}, ensure_ascii=False)
    )


@programmes.command("list")
def programmes_list() -> None:
    """The stored editions (code, edition, dates, digest, sample)."""
    from anju.assistance import catalogue
    from anju.core import runtime

    with runtime.engine(runtime.settings()).connect() as conn:
        for p in catalogue.list_programmes(conn):
            for e in p["editions"]:
                flag = "（示例）" if e["sample"] else ""
                now = " 现行" if e["in_force"] else ""
                dates = f"{e['effective_from']}–{e['effective_to'] or ''}"
                click.echo(f"{p['code']:<18} 第{e['edition']}版 {dates} {e['digest'][:16]}{flag}{now}")


@assistance.command("check")
@click.option("--programme", default=None, help="Only this programme's applications.")
def check(programme: str | None) -> None:
    """Re-run the eligibility check of every pending application (batches of 20,000)."""
    from anju.assistance import eligibility
    from anju.core import runtime

    out = eligibility.check_all(runtime.engine(runtime.settings()), programme, progress=runtime.progress)
    click.echo(json.dumps(out, ensure_ascii=False))


CANDIDATES = click.option(
    "--candidates",
    "candidates_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="候选名单：one candidate id per line, in the frozen order published before the draw.",
)
SEED = click.option(
    "--seed", required=True, help="种子：the digits drawn in public, or the public randomness beacon value."
)
EXPECT_HASH = click.option(
    "--expect-hash",
    help="The published SM3 hash of the candidate list (64 hex digits); refuse if the file's differs.",
)


@click.group("lottery")
def lottery() -> None:
    """摇号：可验证的公开摇号 (verifiable housing lottery, algorithm anju-lottery-v1; see docs/assistance.md)."""


def _read(path: Path, option: str, *, field: str, check: bool) -> list[str]:
    try:
        return read_ids(path, field=field, check=check)
    except LotteryError as e:
        raise click.BadParameter(str(e), param_hint=option) from None


def _expected_hash(value: str | None) -> str | None:
    if value is None:
        return None
    h = value.strip().lower()
    if len(h) != 64 or any(c not in "0123456789abcdef" for c in h):
        raise click.BadParameter("不是 64 位十六进制 SM3 哈希", param_hint="--expect-hash")
    return h


def _echo(data: dict[str, object]) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@lottery.command("draw")
@CANDIDATES
@SEED
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write the result: one id per line, position 1 (chooses first) on the first line.",
)
@EXPECT_HASH
def draw_cmd(candidates_path: Path, seed: str, out_path: Path, expect_hash: str | None) -> None:
    """Draw the order of choosing and write it to OUT; print the summary to publish as JSON.

    抽签：按候选名单和种子确定选房顺序。
    """
    expected = _expected_hash(expect_hash)
    ids = _read(candidates_path, "--candidates", field="candidates", check=True)
    if not ids:
        raise click.BadParameter("候选名单（candidates）：名单为空", param_hint="--candidates")
    if expected is not None and (actual := list_hash(ids)) != expected:
        raise click.ClickException(
            f"拒绝摇号：候选名单的 SM3 哈希 {actual} 与公布的 {expected} 不同，名单在公布后被改动过"
        )
    try:
        d = draw(ids, seed)
    except LotteryError as e:
        raise click.BadParameter(str(e), param_hint="--seed" if e.field == "seed" else "--candidates") from None
    write_ids(out_path, d.order)
    _echo(
        {
            "algorithm": d.algorithm,
            "candidates": len(d.order),
            "list_hash": d.list_hash,
            "seed": d.seed,
            "result_hash": d.result_hash,
        }
    )


@lottery.command("verify")
@CANDIDATES
@SEED
@click.option(
    "--result",
    "result_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The published result: one id per line, as `anju lottery draw` wrote it.",
)
@EXPECT_HASH
def verify_cmd(candidates_path: Path, seed: str, result_path: Path, expect_hash: str | None) -> None:
    """Re-run the draw and check RESULT against it; exit 0 if it matches, 1 if not.

    核验：任何人都可以重新摇号，核对公布的结果。
    """
    expected = _expected_hash(expect_hash)
    ids = _read(candidates_path, "--candidates", field="candidates", check=True)
    if not ids:
        raise click.BadParameter("候选名单（candidates）：名单为空", param_hint="--candidates")
    result = _read(result_path, "--result", field="result", check=False)
    try:
        v = verify(ids, seed, result, expected)
    except LotteryError as e:
        raise click.BadParameter(str(e), param_hint="--seed" if e.field == "seed" else "--candidates") from None
    _echo(
        {
            "ok": v.ok,
            "algorithm": v.algorithm,
            "candidates": len(ids),
            "list_hash": v.list_hash,
            "seed": v.seed,
            "result_hash": v.result_hash,
            "submitted_result_hash": v.submitted_result_hash,
            "reasons": v.reasons,
        }
    )
    if not v.ok:
        raise click.ClickException("不一致：" + "；".join(v.reasons))
    click.echo("一致：结果与按候选名单和种子重新摇号的结果相同。", err=True)
