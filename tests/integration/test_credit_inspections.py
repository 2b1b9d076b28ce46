"""Random inspections (双随机): tickets weighted by grade, frozen lists logged before the seed, a run
reproducible from the published files with the stand-alone lottery, scoping, one winner of two
concurrent runs, and outcomes recorded as credit events."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from anju import ledger
from anju.cli import main
from anju.core import clock, lottery
from anju.core.db import unit_of_work
from anju.core.errors import Conflict, NotFound, ValidationError
from anju.core.scope import Scope
from anju.credit import inspection_rule, inspection_views, inspections
from anju.credit.inspections import DrawIn, OutcomeIn
from anju.credit.tables import (
    credit_events,
    credit_inspection_assignments,
    credit_inspection_draws,
    credit_inspection_tickets,
)
from anju.divisions import children
from anju.security import Caller, NewAccount, Role, Security
from anju.security.users import create_account
from tests.accounts import PASSWORD, account_id, choose_world
from tests.credit_inspection_builders import subject

SEED = "385729"
WITNESSES = ["公证员 王明", "监督员 李华"]


@pytest.fixture
def env(city_engine: Engine, settings_for: Any) -> dict[str, Any]:
    w = choose_world(city_engine)
    with city_engine.connect() as conn:
        streets_a = frozenset(s.code for s in children(conn, w.district_a, "street", limit=1000).items)
        streets_b = frozenset(s.code for s in children(conn, w.district_b, "street", limit=1000).items)
    sec = Security(settings_for(city_engine))
    with city_engine.begin() as conn:
        for name, div in (("insp_a", w.district_a), ("insp_b", w.district_b)):
            create_account(
                conn,
                sec,
                NewAccount(name, PASSWORD, Role.district_officer, "检查员", division_code=div),
                Caller.system("t"),
            )
    city = Caller(account_id(city_engine, "city"), "city", Role.city_officer, "320100", Scope.whole_city("320100"))
    district = Caller(
        account_id(city_engine, "district"),
        "district",
        Role.district_officer,
        w.district_a,
        Scope.of_streets("district", w.district_a, streets_a),
    )
    clerk = Caller(
        account_id(city_engine, "clerk"),
        "clerk",
        Role.street_clerk,
        w.street_s1,
        Scope.of_streets("street", w.street_s1, [w.street_s1]),
    )
    insp_b = Caller(
        account_id(city_engine, "insp_b"),
        "insp_b",
        Role.district_officer,
        w.district_b,
        Scope.of_streets("district", w.district_b, streets_b),
    )
    b_street = sorted(streets_b)[0]
    return {
        "engine": city_engine,
        "w": w,
        "city": city,
        "district": district,
        "clerk": clerk,
        "insp_b": insp_b,
        "b_street": b_street,
    }


def subjects(
    env: dict[str, Any],
    grades: list[str | None],
    *,
    district: str | None = None,
    street: str | None = None,
    kind: str = "agency",
) -> list[int]:
    w = env["w"]
    with env["engine"].begin() as conn:
        return [subject(conn, kind, district or w.district_a, street or w.street_s1, g) for g in grades]


def freeze(env: dict[str, Any], caller: str = "district", **kw: Any) -> int:
    d = {
        "title": "2026年第四季度房地产经纪机构双随机抽查",
        "subject_types": ["agency", "practitioner"],
        "sample_size": 2,
        "inspectors": ["district", "insp_a"],
        "district_code": env["w"].district_a,
        **kw,
    }
    with env["engine"].begin() as conn:
        return inspections.freeze_draw(conn, env[caller], DrawIn(**d))


def run(env: dict[str, Any], draw_id: int, caller: str = "district", seed: str = SEED) -> None:
    with env["engine"].begin() as conn:
        inspections.run_draw(conn, env[caller], draw_id, seed, "市公证处现场摇号", WITNESSES)


def tickets_of(env: dict[str, Any], draw_id: int) -> list[tuple[str, int]]:
    t = credit_inspection_tickets
    with env["engine"].connect() as conn:
        rows = conn.execute(select(t.c.ticket, t.c.subject_id).where(t.c.draw_id == draw_id).order_by(t.c.seq))
        return [(str(a), int(b)) for a, b in rows]


def draw_of(env: dict[str, Any], draw_id: int) -> Any:
    with env["engine"].connect() as conn:
        return conn.execute(select(credit_inspection_draws).where(credit_inspection_draws.c.id == draw_id)).one()


# --------------------------------------------------------------------------------------------- tickets


def test_grades_weigh_the_tickets_in_the_documented_order(env: dict[str, Any]) -> None:
    ids = subjects(env, ["D", "C", "B", "A", None])
    weights = {"D": 4, "C": 3, "B": 2, "A": 1, "ungraded": 2}
    draw_id = freeze(env)
    tickets = [(t, s) for t, s in tickets_of(env, draw_id) if s in ids]
    per = Counter(s for _, s in tickets)
    assert [per[i] for i in ids] == [weights[g] for g in ("D", "C", "B", "A", "ungraded")]
    # frozen order: by subject id, then n = 1..weight; the ticket names its subject zero-padded
    assert [t for t, _ in tickets_of(env, draw_id)] == [
        t
        for t, _ in inspection_rule.tickets(
            [(s, c) for s, c in Counter(s for _, s in tickets_of(env, draw_id)).items()]
        )
    ]
    assert tickets[0][0] == f"S{ids[0]:06d}-1" and tickets[3][0] == f"S{ids[0]:06d}-4"
    crit = json.loads(draw_of(env, draw_id).criteria)
    assert crit["weights"] == weights and crit["algorithm"] == "anju-lottery-v1"


def test_chosen_weights_replace_the_defaults_and_zero_leaves_a_grade_out(env: dict[str, Any]) -> None:
    ids = subjects(env, ["D", "A", "A"])
    draw_id = freeze(env, weights={"D": 7, "A": 0}, sample_size=1)
    per = Counter(s for _, s in tickets_of(env, draw_id))
    assert per[ids[0]] == 7 and ids[1] not in per and ids[2] not in per
    with pytest.raises(ValidationError) as ei:
        freeze(env, weights={"D": 11})
    assert ei.value.errors[0].field == "weights.D"
    with pytest.raises(ValidationError) as ei:
        freeze(env, subject_types=["household"])
    assert ei.value.errors[0].field == "subject_types"
    with pytest.raises(ValidationError) as ei:
        freeze(env, sample_size=10_000)
    assert ei.value.errors[0].field == "sample_size"
    with pytest.raises(ValidationError) as ei:
        freeze(env, inspectors=["district", "citizen"])
    assert ei.value.errors[0].field == "inspectors" and "citizen" in ei.value.message + str(ei.value.errors)


# -------------------------------------------------------------------------------------- freeze and run


def test_the_frozen_lists_are_logged_before_the_seed_and_the_result_after(env: dict[str, Any]) -> None:
    subjects(env, ["D", "B", "A", None])
    draw_id = freeze(env)
    row = draw_of(env, draw_id)
    assert row.status == "frozen" and row.seed is None and row.frozen_ledger_index is not None
    with env["engine"].connect() as conn:
        frozen = json.loads(ledger.entry(conn, "credit", int(row.frozen_ledger_index)).data)
    assert frozen["type"] == "credit.inspection.frozen"
    assert frozen["subjects_hash"] == row.subjects_hash and frozen["inspectors_hash"] == row.inspectors_hash
    assert "seed" not in frozen
    run(env, draw_id)
    row = draw_of(env, draw_id)
    assert row.status == "drawn" and row.ledger_index > row.frozen_ledger_index
    with env["engine"].connect() as conn:
        drawn = json.loads(ledger.entry(conn, "credit", int(row.ledger_index)).data)
    assert drawn["frozen_entry"] == row.frozen_ledger_index and drawn["seed"] == SEED
    assert drawn["result_hash"] == row.result_hash and drawn["inspectors_result_hash"] == row.inspectors_result_hash
    with env["engine"].connect() as conn:
        assert inspection_views.verify_draw(conn, draw_id)["ok"]
    with pytest.raises(Conflict):
        run(env, draw_id)


def _standalone_lottery(tmp_path: Path) -> Any:
    """``lottery.py`` copied out of Anju and loaded alone (as anyone re-running a draw would)."""
    assert lottery.__file__ is not None
    src = Path(lottery.__file__)
    copy = tmp_path / "lottery_copy.py"
    shutil.copy(src, copy)
    spec = importlib.util.spec_from_file_location("lottery_copy", copy)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["lottery_copy"] = mod
    spec.loader.exec_module(mod)
    return mod


def test_the_run_is_reproducible_from_the_downloaded_files(env: dict[str, Any], tmp_path: Path) -> None:
    subjects(env, ["D", "C", "B", "A", None, "D", "C"])
    subjects(env, ["B", None], kind="practitioner")
    draw_id = freeze(env, sample_size=3)
    run(env, draw_id)
    with env["engine"].connect() as conn:
        pub = inspection_views.draw_public(conn, draw_id)
        tickets_txt = inspection_views.tickets_text(conn, draw_id)
        inspectors_txt = inspection_views.inspectors_text(conn, draw_id)
        result_txt = inspection_views.result_text(conn, draw_id, "tickets")
        stored = inspection_views.public_assignments(conn, draw_id, limit=50, offset=0).items
    (tmp_path / "tickets.txt").write_text(tickets_txt, encoding="utf-8")
    (tmp_path / "inspectors.txt").write_text(inspectors_txt, encoding="utf-8")
    (tmp_path / "result.txt").write_text(result_txt, encoding="utf-8")
    # 1. the stand-alone lottery and the documented selection rule, by hand
    lot = _standalone_lottery(tmp_path)
    tickets = lot.read_ids(str(tmp_path / "tickets.txt"))
    people = lot.read_ids(str(tmp_path / "inspectors.txt"))
    assert people == ["J01", "J02"]  # staff are published as the draw's codes, never by username
    assert lot.list_hash(tickets) == pub["subjects_hash"] and lot.list_hash(people) == pub["inspectors_hash"]
    order, chosen = lot.draw(tickets, SEED).order, []
    for t in order:
        s = t.rsplit("-", 1)[0]
        if s not in chosen:
            chosen.append(s)
    inspectors_order = lot.draw(people, SEED).order
    by_hand = [(k, s, inspectors_order[(k - 1) % len(people)]) for k, s in enumerate(chosen[:3], start=1)]
    assert by_hand == [(a["rank"], a["subject"], a["inspector"]) for a in stored]
    # 2. the command line, offline
    r = CliRunner().invoke(
        main,
        [
            "credit",
            "inspections",
            "verify",
            "--tickets",
            str(tmp_path / "tickets.txt"),
            "--inspectors",
            str(tmp_path / "inspectors.txt"),
            "--seed",
            SEED,
            "--sample",
            "3",
            "--expect-tickets-hash",
            pub["subjects_hash"],
            "--expect-inspectors-hash",
            pub["inspectors_hash"],
        ],
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert [(a["rank"], a["subject"], a["inspector"]) for a in out["assignments"]] == by_hand
    assert out["result_hash"] == pub["result_hash"] and out["inspectors_result_hash"] == pub["inspectors_result_hash"]
    # 3. `anju lottery verify` on each list
    r = CliRunner().invoke(
        main,
        [
            "lottery",
            "verify",
            "--candidates",
            str(tmp_path / "tickets.txt"),
            "--seed",
            SEED,
            "--result",
            str(tmp_path / "result.txt"),
            "--expect-hash",
            pub["subjects_hash"],
        ],
    )
    assert r.exit_code == 0, r.output
    # a changed list is refused
    (tmp_path / "tickets.txt").write_text(tickets_txt.replace("-1\n", "-9\n", 1), encoding="utf-8")
    r = CliRunner().invoke(
        main,
        [
            "credit",
            "inspections",
            "verify",
            "--tickets",
            str(tmp_path / "tickets.txt"),
            "--inspectors",
            str(tmp_path / "inspectors.txt"),
            "--seed",
            SEED,
            "--sample",
            "3",
            "--expect-tickets-hash",
            pub["subjects_hash"],
        ],
    )
    assert r.exit_code == 1


def test_two_concurrent_runs_have_exactly_one_winner(env: dict[str, Any]) -> None:
    subjects(env, ["D", "C", "A"])
    draw_id = freeze(env)
    barrier = threading.Barrier(2)
    out: list[Any] = [None, None]
    uow = unit_of_work(env["engine"])  # as the app writes: through the writers' queue on SQLite

    def work(i: int, who: str, seed: str) -> None:
        try:
            barrier.wait(10)
            with uow.begin() as conn:
                inspections.run_draw(conn, env[who], draw_id, seed, "现场", WITNESSES)
            out[i] = "ok"
        except Exception as e:  # recorded for the assertions
            out[i] = e

    threads = [
        threading.Thread(target=work, args=(0, "district", "111111")),
        threading.Thread(target=work, args=(1, "city", "222222")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert out.count("ok") == 1, out
    assert isinstance(next(x for x in out if x != "ok"), Conflict)
    row = draw_of(env, draw_id)
    with env["engine"].connect() as conn:
        n = len(
            conn.execute(
                select(credit_inspection_assignments).where(credit_inspection_assignments.c.draw_id == draw_id)
            ).all()
        )
        assert inspection_views.verify_draw(conn, draw_id)["ok"]
    assert n == 2 and row.seed in ("111111", "222222")


# ---------------------------------------------------------------------------------------------- scope


def test_a_district_officer_draws_only_in_its_district(env: dict[str, Any]) -> None:
    w = env["w"]
    subjects(env, ["D", "C"])
    subjects(env, ["D", "C"], district=w.district_b, street=env["b_street"])
    for district in (None, w.district_b):
        with pytest.raises(ValidationError) as ei:
            freeze(env, district_code=district)
        assert ei.value.errors[0].field == "district_code"
    with pytest.raises(ValidationError) as ei:  # an inspector of another district
        freeze(env, inspectors=["insp_b"])
    assert ei.value.errors[0].field == "inspectors"
    a = freeze(env)
    b = freeze(env, "city", district_code=w.district_b, inspectors=["insp_b"])
    city_wide = freeze(env, "city", district_code=None, inspectors=["city", "insp_a", "insp_b"])
    with env["engine"].connect() as conn:
        seen = {
            d["id"]
            for d in inspection_views.list_draws(
                conn, env["district"], inspection_views.DrawFilter(), limit=100, offset=0
            ).items
        }
        assert a in seen and b not in seen and city_wide in seen  # city-wide: it holds district A's subjects
        with pytest.raises(NotFound):
            inspection_views.get_draw(conn, env["district"], b)
        inspection_views.get_draw(conn, env["clerk"], a)  # a subject in the clerk's street
        inspection_views.get_draw(conn, env["insp_b"], city_wide)  # one of its inspectors
        with pytest.raises(NotFound):
            inspection_views.get_draw(conn, env["clerk"], b)
    with pytest.raises(NotFound):
        run(env, b)
    with pytest.raises(NotFound):
        run(env, city_wide)
    run(env, city_wide, "city")
    with env["engine"].connect() as conn:
        kinds = {c.username for c in inspections.inspector_choices(conn, env["district"], w.district_a).items}
    assert {"district", "insp_a"} <= kinds and "insp_b" not in kinds and "clerk" not in kinds


def test_a_city_wide_draw_shows_a_scoped_officer_only_its_own_assignments(env: dict[str, Any]) -> None:
    """A district officer sees a city-wide draw (it holds its subjects) but reads only the assignments
    of its own streets, or those it inspects: not another district's names, places and findings."""
    w = env["w"]
    mine = set(subjects(env, ["D", "C"]))
    theirs = set(subjects(env, ["D", "C"], district=w.district_b, street=env["b_street"]))
    draw_id = freeze(env, "city", district_code=None, sample_size=4, inspectors=["city", "insp_b"])
    run(env, draw_id, "city")
    with env["engine"].connect() as conn:
        every = inspection_views.assignments(conn, env["city"], draw_id, None, limit=10, offset=0).items
        assert {a["subject_id"] for a in every} == mine | theirs
        seen = inspection_views.assignments(conn, env["district"], draw_id, None, limit=10, offset=0)
        assert {a["subject_id"] for a in seen.items} == mine and seen.total == 2
        clerk = inspection_views.assignments(conn, env["clerk"], draw_id, None, limit=10, offset=0).items
        assert {a["subject_id"] for a in clerk} == mine  # both are in the clerk's street
        other = [a for a in every if a["subject_id"] in theirs]
        for a in other:
            with pytest.raises(NotFound):
                inspection_views.assignment(conn, env["district"], draw_id, a["rank"], None)
        own = next(a for a in every if a["subject_id"] in mine)
        assert inspection_views.assignment(conn, env["district"], draw_id, own["rank"], None)["subject_id"] in mine
        # insp_b sees district B's subjects (its streets) and any it was assigned to inspect
        b_seen = inspection_views.assignments(conn, env["insp_b"], draw_id, None, limit=10, offset=0).items
        assigned = {a["subject_id"] for a in every if a["inspector"] == "insp_b"}
        assert {a["subject_id"] for a in b_seen} == theirs | assigned


# -------------------------------------------------------------------------------------------- outcomes


def test_outcomes_are_credit_events(env: dict[str, Any]) -> None:
    subjects(env, ["D", "C", "B"])
    draw_id = freeze(env, sample_size=3)
    run(env, draw_id)
    with env["engine"].connect() as conn:
        asg = inspection_views.assignments(conn, env["district"], draw_id, None, limit=10, offset=0).items
    today = clock.today()
    first, second = asg[0], asg[1]
    other = env["insp_b"]  # neither its inspector nor in scope
    with pytest.raises(NotFound), env["engine"].begin() as conn:
        inspections.record_outcome(conn, other, draw_id, first["rank"], OutcomeIn("clean", today))
    with env["engine"].begin() as conn:
        clean_id = inspections.record_outcome(conn, env["city"], draw_id, first["rank"], OutcomeIn("clean", today))
    with pytest.raises(Conflict), env["engine"].begin() as conn:
        inspections.record_outcome(conn, env["city"], draw_id, first["rank"], OutcomeIn("clean", today))
    with pytest.raises(ValidationError) as ei, env["engine"].begin() as conn:
        inspections.record_outcome(
            conn,
            env["district"],
            draw_id,
            second["rank"],
            OutcomeIn("violations", today, "未公示收费标准", "good.award", "minor"),
        )
    assert ei.value.errors[0].field == "kind"
    with pytest.raises(ValidationError) as ei, env["engine"].begin() as conn:
        inspections.record_outcome(
            conn,
            env["district"],
            draw_id,
            second["rank"],
            OutcomeIn("violations", today, "", "rental.false_listing", "major"),
        )
    assert ei.value.errors[0].field == "findings"
    with env["engine"].begin() as conn:
        bad_id = inspections.record_outcome(
            conn,
            env["district"],
            draw_id,
            second["rank"],
            OutcomeIn("violations", today, "发布虚假房源 3 套", "rental.false_listing", "major"),
        )
    with env["engine"].connect() as conn:
        ev = {r.id: r for r in conn.execute(select(credit_events).where(credit_events.c.id.in_([clean_id, bad_id])))}
        asg = inspection_views.assignments(conn, env["district"], draw_id, None, limit=10, offset=0).items
    assert (ev[clean_id].kind, ev[clean_id].source, ev[clean_id].severity) == (
        "good.clean_inspection",
        "credit",
        "minor",
    )
    assert (ev[bad_id].kind, ev[bad_id].severity) == ("rental.false_listing", "major")
    assert ev[bad_id].ledger_index is not None
    draw_no = draw_of(env, draw_id).draw_no
    assert ev[bad_id].reference == f"{draw_no}-{second['rank']}"
    assert [a["outcome"] for a in asg] == ["clean", "violations", "pending"]
    assert asg[1]["findings"] == "发布虚假房源 3 套" and asg[1]["event_id"] == bad_id
