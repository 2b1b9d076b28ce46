"""Department facts in the eligibility check: where a department holds the fact, the check uses it
instead of what the applicant declared, and says so.

* **Read** (:func:`known_facts`): the facts of many people *known at* a moment (bitemporal: received by
  then and not yet superseded then), set-wise, by blind index. A source that had delivered nothing by
  then is not in use: the check keeps the declaration and says nothing of it.
* **Use** (:func:`use`, pure): the applicant's local hukou and its years (市公安局: no record, or a
  status other than 在册, is *not local*), months of social insurance (市人社局: no record is *0
  months*), the household's 低保/低收入/特困 status (市民政局: no record is *not assisted*; an
  assisted household meets the income condition of a priority class), the provident fund (市住房公积金
  管理中心: shown as verified evidence and cross-checked against the declared income; no record means
  no account). Register rules of members who have not consented are not read (``usable``): the same
  consent that gates the register gates the departments' facts.
* **Explain** (:func:`explain`, pure): each affected rule's inputs name the source and its as-of
  date ("据市公安局户籍信息（截至 2026-11-30）"), show the declaration when it differs, and the check
  records every fact it used (``Eligibility.department_facts``: source, fact and batch ids, as-of).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, Table, and_, func, or_, select

from anju.assistance import domain
from anju.assistance.department_feeds import SOURCES
from anju.core.money import fen_to_yuan
from anju.core.paging import Page

LABELS = {
    "hukou": "市公安局户籍信息",
    "social_insurance": "市人社局社保缴纳信息",
    "minimum_income": "市民政局社会救助信息",
    "provident_fund": "市住房公积金管理中心缴存信息",
}
DIFFERS = "与申报不一致，以部门数据为准"
ASSISTED = frozenset({"低保", "低收入", "特困"})
#: The highest combined (employee + employer) deposit rate: a monthly deposit D implies a monthly wage
#: of at least D / 24 %, the lowest wage consistent with it (the income cross-check).
MAX_FUND_RATE_PERCENT = 24


@dataclass(frozen=True)
class Fact:
    source: str
    fact_id: int
    batch_id: int
    as_of: date
    values: Mapping[str, Any]


@dataclass(frozen=True)
class Known:
    """The facts known at one moment about a set of people: per source, by blind index."""

    in_use: frozenset[str]  # sources that had delivered at least one fact by then
    facts: Mapping[str, Mapping[str, Fact]]

    def get(self, source: str, bidx: str) -> Fact | None:
        return self.facts.get(source, {}).get(bidx)


_VALUES = {
    "hukou": ("division_code", "registered_since", "status"),
    "social_insurance": ("months_paid", "last_paid_month", "employer_credit_code"),
    "minimum_income": ("status", "since", "until"),
    "provident_fund": ("account_status", "monthly_deposit_fen", "months_paid"),
}


def _known_now(t: Table, at: datetime) -> Any:
    return and_(t.c.received_at <= at, or_(t.c.superseded_at.is_(None), t.c.superseded_at > at))


def known_facts(conn: Connection, bidxs: Sequence[str], at: datetime) -> Known:
    """Every source's facts about ``bidxs`` as known at ``at`` (one query per source and 5,000 people)."""
    in_use: set[str] = set()
    facts: dict[str, dict[str, Fact]] = {}
    people = sorted(set(bidxs))
    for name, src in SOURCES.items():
        t = src.table
        if conn.execute(select(t.c.id).where(t.c.received_at <= at).limit(1)).first() is None:
            continue
        in_use.add(name)
        got: dict[str, Fact] = {}
        cols = [t.c.id, t.c.id_bidx, t.c.batch_id, t.c.as_of, *(t.c[c] for c in _VALUES[name])]
        for i in range(0, len(people), 5000):
            for r in conn.execute(select(*cols).where(t.c.id_bidx.in_(people[i : i + 5000]), _known_now(t, at))):
                m = r._mapping
                got[str(r.id_bidx)] = Fact(name, int(r.id), int(r.batch_id), r.as_of, {c: m[c] for c in _VALUES[name]})
        facts[name] = got
    return Known(frozenset(in_use), facts)


# ------------------------------------------------------------------------------------------- use


#: What a source's silence means, said in the explanation.
NO_RECORD = {
    "hukou": "市公安局无其户籍记录，按非本市户籍核验",
    "social_insurance": "市人社局无其本市社保缴纳记录，按 0 个月核验",
    "minimum_income": "市民政局无其救助记录，按非低保、低收入、特困人员核验",
    "provident_fund": "市住房公积金管理中心无其缴存记录",
}


def _basis(source: str, fact: Fact | None) -> str:
    if fact is None:
        return NO_RECORD[source]
    return f"据{LABELS[source]}（截至 {fact.as_of.isoformat()}）"


def _dept(source: str) -> str:
    return SOURCES[source].feed.source


#: Social insurance counts only while it is being paid: when the last paid month lies more than this
#: many months before the check date, the run has ended and the check counts 0 months (a delivery
#: lags the payroll by up to two months, so a recent gap is not yet an end).
SOCIAL_INSURANCE_LAPSE_MONTHS = 2
LAPSED = f"最近缴费月份距核验日已超过 {SOCIAL_INSURANCE_LAPSE_MONTHS} 个月，缴纳已中断，按 0 个月核验"


def months_between(month: date, on: date) -> int:
    """Whole calendar months from ``month`` to ``on`` (2026-09 → 2026-12-06: 3)."""
    return (on.year - month.year) * 12 + on.month - month.month


def full_years(since: date, on: date) -> int:
    return max(0, on.year - since.year - ((on.month, on.day) < (since.month, since.day)))


@dataclass(frozen=True)
class Used:
    """What the check used: the household with the departments' values, the basis of each rule it
    touched (code → inputs to add, a note to append to a failure's reason) and the evidence list."""

    household: domain.Household
    rules: Mapping[str, tuple[Mapping[str, Any], str]]
    evidence: tuple[Evidence, ...]


class Evidence(TypedDict):
    """One department fact a check used (or looked for), as stored with the check's explanation."""

    source: str
    source_label: str
    department: str
    member_seq: int
    relation: str
    found: bool
    fact_id: int | None
    batch_id: int | None
    as_of: str | None
    basis: str
    summary: str
    declared: str | None
    agrees: bool | None  # None: nothing declared to compare
    consulted: bool  # False: the member has not consented, the source was not read
    note: str | None


def _evidence(
    source: str,
    seq: int,
    relation: str,
    fact: Fact | None,
    summary: str,
    declared: str | None,
    agrees: bool | None,
    *,
    consulted: bool = True,
) -> Evidence:
    return {
        "source": source,
        "source_label": LABELS[source],
        "department": _dept(source),
        "member_seq": seq,
        "relation": relation,
        "found": fact is not None,
        "fact_id": fact.fact_id if fact else None,
        "batch_id": fact.batch_id if fact else None,
        "as_of": fact.as_of.isoformat() if fact else None,
        "basis": _basis(source, fact),
        "summary": summary,
        "declared": declared,
        "agrees": agrees,
        "consulted": consulted,
        "note": None,
    }


def _yes(v: bool) -> str:
    return "是" if v else "否"


def use(hh: domain.Household, known: Known, usable: Set[str] | None, on: date) -> Used:
    """The household as the departments know it, and what to say about it (pure)."""
    members = list(hh.members)
    a = members[0]
    rules: dict[str, tuple[Mapping[str, Any], str]] = {}
    ev: list[Evidence] = []
    own = usable is None or a.id_bidx in usable  # 本人 is always usable, except in drafts older than consent
    for name in ("hukou", "social_insurance"):
        if name in known.in_use and not own:
            ev.append(_evidence(name, 0, a.relation, None, "未授权，未查询（按申报核验）", None, None, consulted=False))
    if "hukou" in known.in_use and own:
        f = known.get("hukou", a.id_bidx)
        v = f.values if f else {}
        local = f is not None and v["status"] == "在册"  # the feed refuses divisions outside the city
        years = full_years(v["registered_since"], on) if local else 0
        # a declaration is older than the check: more years now than declared is no disagreement
        agrees = local == a.local_hukou and (not local or years >= a.hukou_years)
        said = f"本市户籍：{_yes(a.local_hukou)}，{a.hukou_years} 年"
        summary = (
            f"{v['status']}，户籍地 {v['division_code']}，{v['registered_since'].isoformat()} 起，按核验日计 {years} 年"
            if f
            else NO_RECORD["hukou"]
        )
        ev.append(_evidence("hukou", 0, a.relation, f, summary, said, agrees))
        basis = {"依据": _basis("hukou", f)} | ({} if agrees else {"申报": said, "核验": DIFFERS})
        rules["hukou"] = rules["hukou_years"] = (basis, _basis("hukou", f))
        a = replace(a, local_hukou=local, hukou_years=years)
    if "social_insurance" in known.in_use and own:
        f = known.get("social_insurance", a.id_bidx)
        last = f.values["last_paid_month"] if f else None
        lapsed = last is not None and months_between(last, on) > SOCIAL_INSURANCE_LAPSE_MONTHS
        months = int(f.values["months_paid"]) if f and not lapsed else 0
        agrees = months >= a.social_insurance_months
        said = f"{a.social_insurance_months} 个月"
        summary = NO_RECORD["social_insurance"]
        if f:
            summary = f"本市缴纳 {f.values['months_paid']} 个月，最近缴费 {last:%Y-%m}" + (
                f"；{LAPSED}" if lapsed else ""
            )
        ev.append(_evidence("social_insurance", 0, a.relation, f, summary, said, agrees))
        basis = {"依据": _basis("social_insurance", f)} | ({"缴纳状态": LAPSED} if lapsed else {})
        basis |= {} if agrees else {"申报": said, "核验": DIFFERS}
        note = _basis("social_insurance", f) + (f"，{LAPSED}" if lapsed else "")
        rules["social_insurance"] = (basis, note)
        a = replace(a, social_insurance_months=months)
    members[0] = a
    means_tested = False
    for seq, m in enumerate(members):
        readable = usable is None or m.id_bidx in usable
        if "minimum_income" in known.in_use:
            f = known.get("minimum_income", m.id_bidx) if readable else None
            means_tested = means_tested or _status_on(f, on) in ASSISTED
            ev.append(_assistance(seq, m, f, readable, on))
        if "provident_fund" in known.in_use:
            f = known.get("provident_fund", m.id_bidx) if readable else None
            ev.append(_fund(seq, m, f, readable))
    fund_flags = [x for x in ev if x["source"] == "provident_fund" and x["agrees"] is False]
    if fund_flags:
        rules["income"] = (
            {"公积金交叉核对": "；".join(f"{x['relation']}：{x['note']}" for x in fund_flags)},
            "",
        )
    return Used(replace(hh, members=tuple(members), means_tested=means_tested), rules, tuple(ev))


def _assistance(seq: int, m: domain.Member, f: Fact | None, readable: bool, on: date) -> Evidence:
    status = _status_on(f, on)
    if not readable:
        summary = "未授权，未查询"
    elif f is None:
        summary = NO_RECORD["minimum_income"]
    elif status == "无":  # a record, but no status in force on the day
        summary = f"核验日无救助认定（记录：{f.values['status']}，{_span(f)}）"
    else:
        summary = f"{status}（{_span(f)}）"
    return _evidence("minimum_income", seq, m.relation, f, summary, None, None, consulted=readable)


def _status_on(f: Fact | None, on: date) -> str:
    if f is None:
        return "无"
    v = f.values
    if v["status"] == "无" or (v["since"] and v["since"] > on) or (v["until"] and v["until"] < on):
        return "无"
    return str(v["status"])


def _span(f: Fact) -> str:
    v = f.values
    since = v["since"].isoformat() if v["since"] else "—"
    return f"{since} 起" + (f"至 {v['until'].isoformat()}" if v["until"] else "")


def _fund(seq: int, m: domain.Member, f: Fact | None, readable: bool) -> Evidence:
    if not readable:
        return _evidence("provident_fund", seq, m.relation, None, "未授权，未查询", None, None, consulted=False)
    if f is None:
        return _evidence("provident_fund", seq, m.relation, None, NO_RECORD["provident_fund"], None, None)
    v = f.values
    deposit = int(v["monthly_deposit_fen"])
    summary = f"{v['account_status']}，月缴存 {fen_to_yuan(deposit, unit=True)}，累计 {v['months_paid']} 个月"
    floor = deposit * 12 * 100 // MAX_FUND_RATE_PERCENT if v["account_status"] == "正常" else 0
    declared = f"年收入 {fen_to_yuan(m.annual_income_fen, unit=True)}"
    agrees = m.annual_income_fen >= floor
    out = _evidence("provident_fund", seq, m.relation, f, summary, declared, agrees)
    if not agrees:
        out["note"] = (
            f"申报年收入 {fen_to_yuan(m.annual_income_fen, unit=True)} 低于按公积金月缴存额推算的最低年收入 "
            f"{fen_to_yuan(floor, unit=True)}，请核实"
        )
    return out


def explain(e: domain.Eligibility, used: Used) -> domain.Eligibility:
    """The check's result with each rule the departments decided naming its source (pure)."""
    rules = []
    for r in e.rules:
        add = used.rules.get(r.code)
        if add is None or r.pending:
            rules.append(r)
            continue
        inputs, basis = add
        reason = r.reason if r.passed or not basis else f"{r.reason}（{basis}）"
        rules.append(replace(r, inputs={**r.inputs, **inputs}, reason=reason))
    return replace(e, rules=tuple(rules), department_facts=used.evidence)


# ------------------------------------------------------------------------------------- coverage


class SourceCoverage(TypedDict):
    """One source on the staff page 部门核查数据: who delivers it and how fresh it is."""

    source: str
    title: str
    department: str
    dataset: str
    people: int  # people with a fact in force
    latest_batch_id: int | None
    latest_facts: int  # the facts the latest batch brought (unchanged re-deliveries add none)
    latest_received_at: datetime | None
    latest_as_of: date | None  # the newest as-of date of the latest batch


def coverage(conn: Connection) -> Page[SourceCoverage]:
    """Per source: people covered and the latest batch. Index-only reads: the people count scans
    ``ix_<table>_current``, the latest batch is ``max(batch_id)`` on ``ix_<table>_batch`` (exchange
    batch ids grow with time) and only that batch's rows are aggregated."""
    out: list[SourceCoverage] = []
    for name, src in SOURCES.items():
        t = src.table
        people = conn.execute(select(func.count()).select_from(t).where(t.c.current == 1)).scalar_one()
        batch = conn.execute(select(func.max(t.c.batch_id))).scalar()
        last = None
        if batch is not None:
            last = conn.execute(
                select(func.count(), func.max(t.c.received_at), func.max(t.c.as_of)).where(t.c.batch_id == batch)
            ).one()
        out.append(
            {
                "source": name,
                "title": src.feed.title,
                "department": src.feed.source,
                "dataset": src.feed.dataset,
                "people": int(people),
                "latest_batch_id": None if batch is None else int(batch),
                "latest_facts": int(last[0]) if last else 0,
                "latest_received_at": last[1] if last else None,
                "latest_as_of": last[2] if last else None,
            }
        )
    return Page(out, len(out))
