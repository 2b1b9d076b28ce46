"""Use cases of the address fusion library: parse addresses, run a link job, train the model.

A link job is one write: the job, every record's outcome and the review candidates are stored in a
single transaction with its audit row (a crash leaves nothing). Clerks' decisions (:mod:`.review`)
are remembered per source and normalised address: an accepted home is linked directly by the next
job, a rejected one is never proposed again for that address.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypedDict

import pyarrow as pa
from sqlalchemy import Connection, Engine, select

from anju.addresses import linkage
from anju.addresses.domain import STATUSES
from anju.addresses.parser import PHONE_DIGITS, ParsedAddress, normalise_text, parse, stored_notes
from anju.addresses.tables import address_candidates, address_decisions, address_link_jobs, address_records
from anju.core import clock, csvout, dialect
from anju.core.db import UnitOfWork, unit_of_work
from anju.core.errors import ValidationError
from anju.security import Caller, audited_job, mask_phone

MAX_BATCH_PARSE = 1000
CLERK_LINK = "clerk_decision: 人工确认过的关联"
Progress = Callable[[str, float], None]


def address_key(text: str) -> str:
    """SM3 of the normalised text: one key for the same address however it is spaced or written."""
    norm = "".join(normalise_text(text).split())
    return hashlib.new("sm3", norm.encode("utf-8")).hexdigest()


def parse_many(texts: Sequence[object], city_code: str = "320100") -> list[ParsedAddress]:
    if len(texts) > MAX_BATCH_PARSE:
        raise ValidationError.of("addresses", f"一次最多解析 {MAX_BATCH_PARSE} 条")
    return [parse(t, city_code) for t in texts]


# -- input files -----------------------------------------------------------------------------------
@dataclass
class InputRecord:
    row: int
    record_id: str
    address: str
    error: str | None = None


def read_records(data: bytes) -> list[InputRecord]:
    """``record_id,address`` CSV with a header row. UTF-8 (with or without BOM); GBK/GB18030 files
    are detected and read; anything else is refused with the reason. Bad rows become per-record
    errors, never a failed batch."""
    text: str | None = None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise ValidationError.of("input", "文件既不是 UTF-8 也不是 GBK/GB18030 编码") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise ValidationError.of("input", "文件为空")
    cols = [h.strip().lower() for h in header]
    if "record_id" not in cols or "address" not in cols:
        raise ValidationError.of("input", "表头必须包含 record_id 和 address 两列")
    ri, ai = cols.index("record_id"), cols.index("address")
    out: list[InputRecord] = []
    seen: set[str] = set()
    for n, row in enumerate(reader, start=2):
        if not row:
            continue
        rid = row[ri].strip() if ri < len(row) else ""
        addr = row[ai] if ai < len(row) else ""
        rec = InputRecord(n, rid[:64], addr)
        if not rid:
            rec.record_id, rec.error = f"row-{n}", "record_id: 记录号为空"
        elif len(rid) > 64:
            rec.error = "record_id: 记录号超过 64 个字符"
        elif rid in seen:
            rec.record_id, rec.error = f"{rid}#row-{n}", "record_id: 记录号重复"
        seen.add(rec.record_id)
        out.append(rec)
    return out


# -- a link job ------------------------------------------------------------------------------------
@dataclass
class RecordResult:
    record_id: str
    address: str
    status: str
    house_code: str | None
    score: float | None
    reason: str
    canonical: str | None
    components: str  # JSON of the parsed components ("{}" when not kept)
    street_code: str | None
    candidates: list[linkage.Candidate] = field(default_factory=list)


class JobSummary(TypedDict):
    """A link job's counts and timings (what the API answers, the CLI prints and the audit row holds)."""

    job_id: int | None
    source: str
    backend: str
    records: int
    linked: int
    review: int
    unlinked: int
    errors: int
    pairs_scored: int
    seconds: dict[str, float]


@dataclass
class JobReport:
    job_id: int | None
    source: str
    backend: str
    records: int
    linked: int
    review: int
    unlinked: int
    errors: int
    pairs_scored: int
    seconds: dict[str, float]
    results: list[RecordResult]

    def summary(self) -> JobSummary:
        return {
            "job_id": self.job_id,
            "source": self.source,
            "backend": self.backend,
            "records": self.records,
            "linked": self.linked,
            "review": self.review,
            "unlinked": self.unlinked,
            "errors": self.errors,
            "pairs_scored": self.pairs_scored,
            "seconds": {k: round(v, 2) for k, v in self.seconds.items()},
        }


def _decisions(conn: Connection, source: str, keys: set[str]) -> tuple[dict[str, str], set[tuple[str, str]]]:
    accepted: dict[str, str] = {}
    rejected: set[tuple[str, str]] = set()
    if not keys:
        return accepted, rejected
    q = select(address_decisions.c.address_key, address_decisions.c.house_code, address_decisions.c.decision).where(
        address_decisions.c.source == source
    )
    # the decisions table is small next to a job: read it whole rather than IN (…1M keys…)
    for key, code, decision in conn.execute(q):
        if key not in keys:
            continue
        if decision == "accepted":
            accepted[key] = code
        else:
            rejected.add((key, code))
    return accepted, rejected


@dataclass
class _Parsed:
    """What a link job keeps of its parse pass (never the parsed objects of a million records)."""

    canonical: list[str | None]
    components: list[str]
    parsed_street: list[str | None]
    errors_of: list[str | None]
    #: indexes of the records to score, in the order of the scored table's rows
    to_score: list[int]


def run_link_job(
    target: Engine | UnitOfWork,
    records: Sequence[InputRecord],
    *,
    source: str,
    filename: str,
    caller: Caller,
    backend: linkage.Backend | None = None,
    memory_limit: str | None = None,
    thresholds: linkage.Thresholds = linkage.DEFAULT_THRESHOLDS,
    model: dict[str, Any] | None = None,
    store: bool = True,
    progress: Progress | None = None,
) -> JobReport:
    """Parse, link and (when ``store``) persist one batch of department records.

    ``target`` is the app's unit of work, or an engine (a command line, a test); the results, the job
    and its audit row are written in one transaction of the job (``security.audited_job``)."""
    import time

    uow = unit_of_work(target)
    engine = uow.engine

    say = progress or (lambda _m, _f: None)
    if not source or len(source) > 24:
        raise ValidationError.of("source", "来源必须是 1–24 个字符")
    t0 = time.perf_counter()
    say("解析地址", 0.0)
    keys = [address_key(r.address) for r in records]
    with engine.connect() as conn:
        accepted, rejected_keys = _decisions(conn, source, set(keys))
    table, parsed = _parse_all(records, keys, accepted, store=store)
    t_parse = time.perf_counter() - t0
    say("读取楼盘表", 0.15)
    with engine.connect() as conn:
        register = linkage.register_table(conn)
    code_to_home, street_of = _homes_of(register, {c for _k, c in rejected_keys} | set(accepted.values()))
    t_register = time.perf_counter() - t0 - t_parse
    rejected_by_key: dict[str, list[int]] = {}
    for k, c in rejected_keys:
        if c in code_to_home:
            rejected_by_key.setdefault(k, []).append(code_to_home[c])
    rejected_pairs = [(j, h) for j, i in enumerate(parsed.to_score) for h in rejected_by_key.get(keys[i], ())]
    say("比对评分", 0.3)
    own_backend = backend is None
    be = backend or linkage.DuckDBBackend(memory_limit=memory_limit)
    try:
        result = (
            linkage.link(table, register, be, model=model, thresholds=thresholds, rejected=rejected_pairs)
            if parsed.to_score
            else linkage.LinkResult([], 0, {})
        )
    finally:
        if own_backend:
            be.close()
    del register, table
    outcome_of = {parsed.to_score[o.index]: o for o in result.outcomes}
    results = _results(records, keys, accepted, parsed, outcome_of, street_of)
    del outcome_of, result.outcomes
    counts = {s: sum(1 for x in results if x.status == s) for s in STATUSES}
    errors = sum(1 for x in results if x.reason.startswith("invalid:"))
    seconds = {"parse": t_parse, "register": t_register, **result.seconds}
    report = JobReport(
        None,
        source,
        be.name,
        len(records),
        counts["linked"],
        counts["review"],
        counts["unlinked"],
        errors,
        result.pairs_scored,
        seconds,
        results,
    )
    if store:
        say("保存结果", 0.9)
        t_store = time.perf_counter()
        params = {"thresholds": thresholds.as_dict(), "model": (model or linkage.load_model()).get("description", "")}
        report.job_id = _store(uow, report, keys, filename=filename, caller=caller, params=params)
        report.seconds["store"] = time.perf_counter() - t_store
    say("完成", 1.0)
    return report


def _parse_all(
    records: Sequence[InputRecord], keys: Sequence[str], accepted: dict[str, str], *, store: bool
) -> tuple[pa.Table, _Parsed]:
    """One pass: parse, keep only what the results need, and collect the comparable components of
    the records to score (those that parse and that no clerk has linked already) as a table."""
    n = len(records)
    parsed = _Parsed([None] * n, ["{}"] * n, [None] * n, [None] * n, [])
    cols: dict[str, list[Any]] = {name: [] for name in linkage.SCHEMA.names}
    for i, r in enumerate(records):
        if r.error:
            parsed.errors_of[i] = r.error
            continue
        p = parse(r.address)
        parsed.canonical[i], parsed.parsed_street[i] = p.canonical, p.street_code
        if store:
            parsed.components[i] = json.dumps(_components(p), ensure_ascii=False)
        if not p.ok:
            parsed.errors_of[i] = p.error
            continue
        if keys[i] in accepted:
            continue
        comp = linkage.record_components(p)
        cols["unique_id"].append(len(parsed.to_score))
        for k in linkage.SCHEMA.names[1:]:
            cols[k].append(comp[k])
        parsed.to_score.append(i)
    return pa.table(cols, schema=linkage.SCHEMA), parsed


def _homes_of(register: pa.Table, wanted: set[str]) -> tuple[dict[str, int], dict[str, str]]:
    """The register's home id and street of the house codes clerks decided on."""
    code_to_home: dict[str, int] = {}
    street_of: dict[str, str] = {}
    if wanted:
        ids, codes = register.column("unique_id").to_pylist(), register.column("house_code").to_pylist()
        streets = register.column("street").to_pylist()
        for hid, c, st in zip(ids, codes, streets, strict=True):
            if c in wanted:
                code_to_home[c], street_of[c] = hid, st
    return code_to_home, street_of


def _results(
    records: Sequence[InputRecord],
    keys: Sequence[str],
    accepted: dict[str, str],
    parsed: _Parsed,
    outcome_of: dict[int, linkage.Outcome],
    street_of: dict[str, str],
) -> list[RecordResult]:
    """Each record's result: invalid, linked by a clerk's earlier decision, or the linker's outcome."""
    canonical, components = parsed.canonical, parsed.components
    results: list[RecordResult] = []
    for i, r in enumerate(records):
        if parsed.errors_of[i] is not None:
            why = f"invalid: {parsed.errors_of[i]}"
            results.append(
                RecordResult(r.record_id, r.address, "unlinked", None, None, why, canonical[i], components[i], None)
            )
            continue
        if keys[i] in accepted:
            code = accepted[keys[i]]
            results.append(
                RecordResult(
                    r.record_id,
                    r.address,
                    "linked",
                    code,
                    1.0,
                    CLERK_LINK,
                    canonical[i],
                    components[i],
                    street_of.get(code),
                )
            )
            continue
        o = outcome_of[i]
        best = o.best
        results.append(
            RecordResult(
                r.record_id,
                r.address,
                o.status,
                best.house_code if best and o.status == "linked" else None,
                best.probability if best else None,
                o.reason,
                canonical[i],
                components[i],
                best.street_code if best else parsed.parsed_street[i],
                o.candidates if o.status in ("review", "linked") else [],
            )
        )
    return results


def _store(
    uow: UnitOfWork,
    report: JobReport,
    keys: Sequence[str],
    *,
    filename: str,
    caller: Caller,
    params: dict[str, Any],
) -> int:
    now = clock.now()
    job = audited_job(uow, caller, "address.link", "address_link_job")
    job.detail = dict(report.summary())
    with job.final() as conn:
        job_id = conn.execute(
            address_link_jobs.insert()
            .values(
                source=report.source,
                filename=filename[:200],
                backend=report.backend,
                status="done",
                records_total=report.records,
                linked=report.linked,
                review=report.review,
                unlinked=report.unlinked,
                errors=report.errors,
                parameters=json.dumps(params, ensure_ascii=False),
                created_by=caller.username,
                created_at=now,
                finished_at=now,
            )
            .returning(address_link_jobs.c.id)
        ).scalar_one()
        first = dialect.next_ids(conn, address_records, len(report.results))
        cols = (
            "id", "job_id", "source", "record_id", "address", "address_key", "canonical", "components",
            "street_code", "status", "house_code", "score", "reason",
        )  # fmt: skip

        def rows() -> Iterator[tuple[Any, ...]]:
            for n, (r, key) in enumerate(zip(report.results, keys, strict=True)):
                yield (
                    first + n, job_id, report.source, _storable(r.record_id), _stored_address(r.address)[:1000], key,
                    r.canonical, r.components, r.street_code, r.status, r.house_code, r.score, r.reason[:200],
                )  # fmt: skip

        dialect.bulk_insert(conn, address_records, cols, rows())

        def cand_rows() -> Iterator[tuple[Any, ...]]:
            for n, r in enumerate(report.results):
                for rank, c in enumerate(r.candidates, start=1):
                    if not c.mws:
                        continue
                    expl = json.dumps(c.explanation, ensure_ascii=False)
                    yield (first + n, rank, c.house_code, c.probability, c.match_weight, expl)

        dialect.bulk_insert(
            conn,
            address_candidates,
            ("record_pk", "rank", "house_code", "score", "match_weight", "explanation"),
            cand_rows(),
        )
        if conn.dialect.name == "postgresql":
            dialect.reset_sequences(conn, [address_records])
        job.entity_id = job_id
    return int(job_id)


def _storable(text: str) -> str:
    """Text as both databases can keep it: PostgreSQL text cannot hold NUL, so it is written as the
    visible escape ``\\x00`` (the record is unlinked with reason ``invalid: control`` anyway)."""
    return text.replace("\x00", "\\x00") if "\x00" in text else text


def _stored_address(text: str) -> str:
    """A department's raw address as kept for review: phone numbers masked (a phone written into an
    address is personal data, not part of the address), NUL escaped."""
    if any("０" <= c <= "９" for c in text):
        text = unicodedata.normalize("NFKC", text)
    return _storable(PHONE_DIGITS.sub(lambda m: mask_phone(m.group(0)), text))


def _components(p: ParsedAddress) -> dict[str, str | int | list[str]]:
    """Parsed components as stored (the said ones of :class:`ParsedDict`): no input echo, and no text of
    removed notes (names, phones)."""
    out: dict[str, str | int | list[str]] = {
        k: v for k, v in asdict(p).items() if v not in (None, [], "") and k != "input"
    }
    if "notes" in out:
        out["notes"] = stored_notes(p.notes)
    return out


def write_links_csv(results: Iterable[RecordResult], out: Path) -> int:
    """``record_id,house_code,score,status`` (UTF-8, header row); house_code empty unless linked."""
    n = 0
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csvout.writer(f, lineterminator="\n")
        w.writerow(["record_id", "house_code", "score", "status"])
        for r in results:
            score = "" if r.score is None else f"{r.score:.6f}"
            w.writerow([r.record_id, r.house_code or "", score, r.status])
            n += 1
    return n


def train_model(
    engine: Engine,
    records: Sequence[InputRecord],
    *,
    truth: dict[str, str] | None = None,
    source: str | None = None,
    backend: linkage.Backend | None = None,
    max_pairs: float = 5e6,
) -> tuple[dict[str, Any], int]:
    """A re-estimated model from a batch of records: u by sampling; m from labelled pairs — the given
    ground truth (record_id → house code) and the clerks' accepted decisions of ``source``.
    Returns the model and the number of labelled pairs it learnt from."""
    parsed = [parse(r.address) for r in records if not r.error]
    kept = [r for r in records if not r.error]
    ok = [i for i, p in enumerate(parsed) if p.ok]
    with engine.connect() as conn:
        register = linkage.register_table(conn)
        accepted: dict[str, str] = {}
        if source:
            accepted, _rejected = _decisions(conn, source, {address_key(kept[i].address) for i in ok})
    home_of = dict(
        zip(register.column("house_code").to_pylist(), register.column("unique_id").to_pylist(), strict=True)
    )
    labels: list[tuple[int, int]] = []
    for j, i in enumerate(ok):
        code = (truth or {}).get(kept[i].record_id) or accepted.get(address_key(kept[i].address))
        if code and code in home_of:
            labels.append((j, home_of[code]))
    be = backend or linkage.DuckDBBackend()
    try:
        model = linkage.train(
            linkage.records_table([parsed[i] for i in ok]), register, be, labels=labels, max_pairs=max_pairs
        )
    finally:
        if backend is None:
            be.close()
    return model, len(labels)


def demo_link_job(engine: Engine, *, n: int, seed: int, memory_limit: str | None = None) -> JobReport:
    """The demo's first police link job: synthetic noisy records from the register (with the kinds
    of variation real ones have), linked, so that the review queue has something to show."""
    from anju.addresses.noisy import generate

    with engine.connect() as conn:
        records = [InputRecord(i + 2, r.record_id, r.address) for i, r in enumerate(generate(conn, n, seed))]
    return run_link_job(
        engine,
        records,
        source="police",
        filename="合成公安地址（演示）.csv",
        caller=Caller.system("demo"),
        memory_limit=memory_limit,
    )
