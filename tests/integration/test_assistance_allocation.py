"""Draws, allocation and tracking of housing assistance (both databases).

Freeze → published hash → draw → ranks; a tampered list is refused; the public files verify; homes are
chosen in rank order within the household's size; the database never allocates a home or an
application twice, even to concurrent requests; tracking outcomes follow the exit rules (credit events,
log entries); re-qualification opens cases; subsidies are paid once a month; scopes hold.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update

from anju import ledger
from anju.assistance import catalogue, domain, drawing, selection, subsidies, tenancy, tracking, waitlist
from anju.assistance.tables import (
    allocations,
    application_members,
    application_steps,
    applications,
    assisted_homes,
    benefits,
    cases,
    draw_candidates,
    draws,
    subsidy_payments,
)
from anju.core import clock, lottery
from anju.core.errors import Conflict, Forbidden, NotFound, ValidationError
from anju.core.scope import Scope
from anju.credit import credit_events, effective_events
from anju.divisions import children
from anju.registry import Restriction, register_restriction_source
from anju.security import Caller, Role, keyring_from_settings
from tests.accounts import account_id, choose_world
from tests.assistance_builders import approved, assisted

SEED = "385729"
WITNESSES = ["公证员 王明", "监督员 李华"]


@pytest.fixture
def env(city_engine: Engine, settings_for: Any) -> dict[str, Any]:
    settings = settings_for(city_engine)
    w = choose_world(city_engine)
    with city_engine.begin() as conn:
        catalogue.load_programmes(conn, domain.load_policies(domain.sample_policy_path("320100")))
    with city_engine.connect() as conn:
        streets_a = frozenset(s.code for s in children(conn, w.district_a, "street", limit=1000).items)
        streets_b = frozenset(s.code for s in children(conn, w.district_b, "street", limit=1000).items)
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
    b_street = sorted(streets_b)[0]
    other_clerk = Caller(None, "clerk_b", Role.street_clerk, b_street, Scope.of_streets("street", b_street, [b_street]))
    other_officer = Caller(
        None, "district_b", Role.district_officer, w.district_b, Scope.of_streets("district", w.district_b, streets_b)
    )
    return {
        "engine": city_engine,
        "kr": keyring_from_settings(settings),
        "w": w,
        "s1": w.street_s1,
        "s2": w.street_s2,
        "city": city,
        "district": district,
        "clerk": clerk,
        "other_clerk": other_clerk,
        "other_officer": other_officer,
    }


def apps(e: dict[str, Any], n: int, street: str | None = None, **kw: Any) -> list[int]:
    with e["engine"].begin() as conn:
        return [approved(conn, e["kr"], street or e["s1"], **kw) for _ in range(n)]


def homes_for(e: dict[str, Any], n: int, street: str | None = None, **kw: Any) -> list[int]:
    with e["engine"].begin() as conn:
        return assisted(conn, street or e["s1"], n, **kw)


def freeze(
    e: dict[str, Any], who: str = "district", priority: str | None = "general", programme: str = "public_rental"
) -> int:
    with e["engine"].begin() as conn:
        return drawing.freeze_draw(conn, e[who], programme, priority, "2026年第一批公租房摇号")


def run(e: dict[str, Any], draw_id: int, seed: str = SEED, who: str = "district") -> drawing.DrawPublic:
    with e["engine"].begin() as conn:
        return drawing.run_draw(conn, e[who], draw_id, seed, "现场公开摇出的六位数字", WITNESSES)


def one(e: dict[str, Any], q: Any) -> Any:
    with e["engine"].connect() as conn:
        return conn.execute(q).scalar_one()


def ranked(e: dict[str, Any], draw_id: int) -> list[int]:
    """Application ids in drawn rank order."""
    with e["engine"].connect() as conn:
        return [
            int(x)
            for x in conn.execute(
                select(draw_candidates.c.application_id)
                .where(draw_candidates.c.draw_id == draw_id)
                .order_by(draw_candidates.c.rank)
            ).scalars()
        ]


def log_entry(e: dict[str, Any], log: str, index: int) -> dict[str, Any]:
    with e["engine"].connect() as conn:
        return dict(json.loads(ledger.entry(conn, log, index).data))


# --------------------------------------------------------------------------------------------- draws


def test_freeze_publishes_the_hash_and_the_draw_is_the_lottery_on_the_frozen_list(env: dict[str, Any]) -> None:
    ids = apps(env, 6)
    apps(env, 1, priority="elderly")  # another class: not in this list
    with env["engine"].connect() as conn:
        listed = waitlist.waiting_list(
            conn, "public_rental", "general", scope=env["district"].scope, limit=50, offset=0
        )
    assert listed.total == 6 and [w["id"] for w in listed.items] == ids  # submission order
    draw_id = freeze(env)
    with env["engine"].connect() as conn:
        row = conn.execute(select(draws).where(draws.c.id == draw_id)).one()
        frozen = [
            str(x)
            for x in conn.execute(
                select(draw_candidates.c.candidate_id)
                .where(draw_candidates.c.draw_id == draw_id)
                .order_by(draw_candidates.c.position)
            ).scalars()
        ]
        app_nos = [
            str(conn.execute(select(applications.c.app_no).where(applications.c.id == i)).scalar_one()) for i in ids
        ]
        waiting = waitlist.waiting_list(
            conn, "public_rental", "general", scope=env["city"].scope, limit=50, offset=0
        ).items
    assert frozen == app_nos
    assert row.status == "frozen" and row.candidates == 6 and row.list_hash == lottery.list_hash(app_nos)
    published = log_entry(env, "assistance", row.ledger_index)  # the hash is in the log before the draw
    assert published["type"] == "assistance.draw.frozen"
    assert (published["draw_no"], published["list_hash"], published["candidates"]) == (row.draw_no, row.list_hash, 6)
    assert {w["draw_no"] for w in waiting} == {row.draw_no}
    with pytest.raises(Conflict) as ei:  # nobody is left to freeze: an empty list is a clear error
        freeze(env)
    assert ei.value.errors[0].field == "priority_class"

    out = run(env, draw_id)
    expected = lottery.draw(app_nos, SEED)
    with env["engine"].connect() as conn:
        row = conn.execute(select(draws).where(draws.c.id == draw_id)).one()
        ranks = {
            str(c): int(r)
            for c, r in conn.execute(
                select(draw_candidates.c.candidate_id, draw_candidates.c.rank).where(
                    draw_candidates.c.draw_id == draw_id
                )
            )
        }
        steps = conn.execute(
            select(func.count())
            .select_from(application_steps)
            .where(application_steps.c.action == "draw", application_steps.c.application_id.in_(ids))
        ).scalar_one()
    assert sorted(ranks.values()) == list(range(1, 7))
    assert sorted(ranks, key=lambda c: ranks[c]) == list(expected.order)
    assert (row.status, row.seed, row.result_hash) == ("drawn", SEED, expected.result_hash)
    assert json.loads(row.witnesses) == WITNESSES and row.drawn_by == "district"
    result = log_entry(env, "assistance", row.ledger_index)
    assert result["type"] == "assistance.draw.result"
    assert (result["list_hash"], result["seed"], result["result_hash"]) == (row.list_hash, SEED, expected.result_hash)
    assert result["frozen_entry"] == published_index(env, row.draw_no)
    assert out["frozen_ledger_index"] == result["frozen_entry"] and out["ledger_index"] == row.ledger_index
    assert steps == 6

    with pytest.raises(Conflict) as ei:  # the same draw twice
        run(env, draw_id, "999999")
    assert ei.value.errors[0].field == "status"
    with env["engine"].connect() as conn:
        v = drawing.verify_draw(conn, draw_id)
    assert v.ok, v.reasons


def published_index(env: dict[str, Any], draw_no: str) -> int:
    with env["engine"].connect() as conn:
        size = ledger.get_log(conn, "assistance").size
        for i in range(size):
            data = json.loads(ledger.entry(conn, "assistance", i).data)
            if data.get("type") == "assistance.draw.frozen" and data.get("draw_no") == draw_no:
                return i
    raise AssertionError("frozen entry not in the log")


def test_public_files_verify_with_the_lottery_command(env: dict[str, Any], tmp_path: Any) -> None:
    apps(env, 5)
    draw_id = freeze(env)
    with env["engine"].connect() as conn:
        pending_candidates = drawing.candidates_text(conn, draw_id)
        with pytest.raises(Conflict):
            drawing.result_text(conn, draw_id)  # no result before the draw
    run(env, draw_id)
    with env["engine"].connect() as conn:
        pub = drawing.draw_public(conn, draw_id)
        cand, res = drawing.candidates_text(conn, draw_id), drawing.result_text(conn, draw_id)
        listed = drawing.draw_entries(conn, draw_id, limit=2, offset=2)
    assert pub["seed"] is not None
    assert cand == pending_candidates and cand.endswith("\n") and len(cand.splitlines()) == 5
    assert res.splitlines() == list(lottery.draw(cand.splitlines(), SEED).order)
    assert listed.total == 5 and [x["rank"] for x in listed.items] == [3, 4]
    v = lottery.verify(cand.splitlines(), pub["seed"], res.splitlines(), pub["list_hash"])
    assert v.ok and v.result_hash == pub["result_hash"]
    (tmp_path / "c.txt").write_text(cand, encoding="utf-8")
    (tmp_path / "r.txt").write_text(res, encoding="utf-8")
    from click.testing import CliRunner

    from anju.cli import main

    args = ["lottery", "verify", "--candidates", str(tmp_path / "c.txt"), "--seed", pub["seed"]]
    args += ["--result", str(tmp_path / "r.txt"), "--expect-hash", pub["list_hash"]]
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 0, out.output
    # the downloaded result, tampered with, does not verify
    r2 = res.splitlines()
    r2[0], r2[1] = r2[1], r2[0]
    (tmp_path / "r2.txt").write_text("\n".join(r2) + "\n", encoding="utf-8")
    out = CliRunner().invoke(main, [*args[:-4], "--result", str(tmp_path / "r2.txt")])
    assert out.exit_code == 1, out.output
    cmd = drawing.verify_command(pub)
    assert f"--seed '{SEED}'" in cmd and pub["list_hash"] in cmd


def test_a_list_changed_after_publication_is_refused(env: dict[str, Any]) -> None:
    apps(env, 4)
    draw_id = freeze(env)
    with env["engine"].begin() as conn:  # someone edits the stored list behind the platform's back
        a, b = conn.execute(
            select(draw_candidates.c.candidate_id)
            .where(draw_candidates.c.draw_id == draw_id)
            .order_by(draw_candidates.c.position)
            .limit(2)
        ).scalars()
        conn.execute(
            update(draw_candidates)
            .where(draw_candidates.c.draw_id == draw_id, draw_candidates.c.position == 1)
            .values(candidate_id="TMP")
        )
        conn.execute(
            update(draw_candidates)
            .where(draw_candidates.c.draw_id == draw_id, draw_candidates.c.position == 2)
            .values(candidate_id=a)
        )
        conn.execute(
            update(draw_candidates)
            .where(draw_candidates.c.draw_id == draw_id, draw_candidates.c.position == 1)
            .values(candidate_id=b)
        )
    with pytest.raises(Conflict) as ei:
        run(env, draw_id)
    assert ei.value.errors[0].field == "list_hash"
    assert one(env, select(draws.c.status).where(draws.c.id == draw_id)) == "frozen"
    with env["engine"].begin() as conn:  # a forged extra candidate is caught as well
        conn.execute(
            update(draw_candidates)
            .where(draw_candidates.c.draw_id == draw_id, draw_candidates.c.position == 1)
            .values(candidate_id=a)
        )
        conn.execute(
            update(draw_candidates)
            .where(draw_candidates.c.draw_id == draw_id, draw_candidates.c.position == 2)
            .values(candidate_id=b)
        )
        conn.execute(
            update(draw_candidates)
            .where(draw_candidates.c.draw_id == draw_id, draw_candidates.c.position == 4)
            .values(candidate_id="TA99999999")
        )
    with pytest.raises(Conflict) as ei:
        run(env, draw_id)
    assert ei.value.errors[0].field == "list_hash"


def test_seed_and_witness_errors_name_the_field(env: dict[str, Any]) -> None:
    apps(env, 2)
    draw_id = freeze(env)
    for seed in ("", "   ", "12\x0034", "x" * 300):
        with pytest.raises(ValidationError) as ei, env["engine"].begin() as conn:
            drawing.run_draw(conn, env["district"], draw_id, seed, "现场", WITNESSES)
        assert ei.value.errors[0].field == "seed", seed
    with pytest.raises(ValidationError) as ei, env["engine"].begin() as conn:
        drawing.run_draw(conn, env["district"], draw_id, SEED, "现场", [])
    assert ei.value.errors[0].field == "witnesses"
    with pytest.raises(Forbidden), env["engine"].begin() as conn:  # a street clerk does not draw
        drawing.run_draw(conn, env["clerk"], draw_id, SEED, "现场", WITNESSES)
    out = run(env, draw_id, "  385729 ")  # the seed is stored as the lottery uses it
    assert out["seed"] == SEED


def test_the_draw_reports_its_stages_with_counts_and_draws_the_same(env: dict[str, Any], monkeypatch: Any) -> None:
    """``run_draw(progress=)`` hears every stage with its counts, in order; listening changes nothing."""
    monkeypatch.setattr(drawing, "RUN_BATCH", 2)  # five candidates: three batches of each write
    apps(env, 5)
    draw_id = freeze(env)
    heard: list[tuple[str, float]] = []
    with env["engine"].begin() as conn:
        out = drawing.run_draw(
            conn, env["district"], draw_id, SEED, "现场", WITNESSES, progress=lambda m, f: heard.append((m, f))
        )
    messages = [m for m, _ in heard]
    assert messages[0] == "读取冻结名单（5 人）" and "SM3" in messages[1]
    assert [m for m in messages if m.startswith("已写入选房顺序")] == [f"已写入选房顺序 {n}/5 人" for n in (2, 4, 5)]
    assert [m for m in messages if m.startswith("已记入申请")] == [f"已记入申请的办理过程 {n}/5 份" for n in (2, 4, 5)]
    fractions = [f for _, f in heard]
    assert fractions == sorted(fractions) and fractions[0] > 0 and fractions[-1] < 1
    with env["engine"].connect() as conn:
        cand = drawing.candidates_text(conn, draw_id).splitlines()
        assert drawing.verify_draw(conn, draw_id).ok
    assert out["result_hash"] == lottery.draw(cand, SEED).result_hash
    assert (
        one(env, select(func.count()).select_from(application_steps).where(application_steps.c.action == "draw")) == 5
    )


def test_the_draw_page_runs_the_draw_as_a_job_that_leads_to_the_direct_result(
    env: dict[str, Any], settings_for: Any
) -> None:
    """The confirmed seed form starts the draw as a background job (its page: /jobs/{id}); the order and
    the result hash are those of the same draw run directly; a refusal the form can see is shown on the
    form in Chinese and starts no job; one the draw finds (a changed list) is the job's, in Chinese."""
    from fastapi.testclient import TestClient

    from anju.app import create_app
    from anju.core import jobs
    from tests.accounts import api_token

    apps(env, 4)
    draw_id = freeze(env)
    with env["engine"].connect() as conn:  # the same draw run directly, then undone
        undo = conn.begin()
        direct = drawing.run_draw(conn, env["district"], draw_id, SEED, "现场", WITNESSES)
        direct_order = [x.strip() for x in drawing.result_text(conn, draw_id).splitlines()]
        undo.rollback()
    assert one(env, select(draws.c.status).where(draws.c.id == draw_id)) == "frozen"
    app = create_app(settings_for(env["engine"]))
    h = {"authorization": f"Bearer {api_token(env['engine'], 'district')}", "accept": "text/html"}
    form = {"seed": SEED, "seed_source": "现场", "witnesses": WITNESSES}
    with TestClient(app, follow_redirects=False) as client:
        before = one(env, select(func.count()).select_from(jobs.background_jobs))
        r = client.post(f"/assistance/draws/{draw_id}/run", data={**form, "seed": "   "}, headers=h)
        assert r.status_code == 422 and "种子：" in r.text, r.text  # the field in Chinese, not its code
        r = client.post(f"/assistance/draws/{draw_id}/run", data={**form, "witnesses": []}, headers=h)
        assert r.status_code == 422 and "见证人：至少一名在场见证人" in r.text
        assert one(env, select(func.count()).select_from(jobs.background_jobs)) == before  # no job started

        r = client.post(f"/assistance/draws/{draw_id}/run", data=form, headers=h)
        assert r.status_code == 303 and r.headers["location"].startswith("/jobs/"), r.text
        job_path = r.headers["location"]
        jobs.wait(int(job_path.rsplit("/", 1)[1]))
        job = client.get("/api/v1" + job_path, headers=h).json()
        assert job["status"] == "done" and job["kind"] == "assistance.run_draw", job
        assert job["result_path"] == f"/assistance/draws/{draw_id}/public"
        assert direct["draw_no"] in job["title"] and direct["result_hash"] in job["message"]
        page = client.get(job_path, headers=h)
        assert page.status_code == 200 and "查看结果" in page.text and job["result_path"] in page.text
        with env["engine"].connect() as conn:
            drawn = drawing.draw_public(conn, draw_id)
            assert drawing.result_text(conn, draw_id).splitlines() == direct_order
            assert drawing.verify_draw(conn, draw_id).ok
        assert (drawn["status"], drawn["seed"], drawn["result_hash"]) == ("drawn", SEED, direct["result_hash"])
        assert drawn["witnesses"] == WITNESSES and drawn["drawn_by"] == "district"
        r = client.post(f"/assistance/draws/{draw_id}/run", data=form, headers=h)  # drawn: refused on the form
        assert r.status_code == 409 and "已经进行过" in r.text

        apps(env, 3)
        changed = freeze(env)
        with env["engine"].begin() as conn:  # the stored list is changed after its hash was published
            conn.execute(
                update(draw_candidates)
                .where(draw_candidates.c.draw_id == changed, draw_candidates.c.position == 1)
                .values(candidate_id="TA99999999")
            )
        r = client.post(f"/assistance/draws/{changed}/run", data=form, headers=h)
        assert r.status_code == 303 and r.headers["location"].startswith("/jobs/"), r.text
        jobs.wait(int(r.headers["location"].rsplit("/", 1)[1]))
        job = client.get("/api/v1" + r.headers["location"], headers=h).json()
        assert job["status"] == "failed" and job["error"].startswith("拒绝摇号：候选名单的 SM3 哈希"), job
        page = client.get(r.headers["location"], headers=h)
        assert "失败" in page.text and "名单在公布后被改动过" in page.text
        assert f"/assistance/draws/{changed}/public" not in page.text  # no result to lead to
        assert one(env, select(draws.c.status).where(draws.c.id == changed)) == "frozen"
    with TestClient(app, follow_redirects=False) as client:  # the job is its owner's: another officer's 404
        other = {"authorization": f"Bearer {api_token(env['engine'], 'city')}"}
        assert client.get("/api/v1" + job_path, headers=other).status_code == 404
    app.state.engine.dispose()


# ----------------------------------------------------------------------------------------- selection


def test_homes_are_chosen_in_rank_order_within_the_household_size(env: dict[str, Any]) -> None:
    small = apps(env, 1, size=1)[0]  # 1 person: at most 1 bedroom (sample policy)
    apps(env, 2, size=4)  # 4 people: at most 2 bedrooms
    one_bed = homes_for(env, 2, bedrooms=1)
    two_bed = homes_for(env, 1, bedrooms=2)
    three_bed = homes_for(env, 1, bedrooms=3)
    draw_id = freeze(env)
    run(env, draw_id)
    order = ranked(env, draw_id)
    first, second, third = order
    with env["engine"].connect() as conn:
        t = selection.turn(conn, draw_id, scope=env["district"].scope)
    assert t["next"] is not None and t["next"]["application_id"] == first
    fits = {h["home_id"] for h in t["homes"]}
    assert three_bed[0] not in fits and set(one_bed) <= fits
    with pytest.raises(Conflict) as ei, env["engine"].begin() as conn:  # not its turn
        selection.select_home(conn, env["district"], draw_id, second, one_bed[0])
    assert ei.value.errors[0].field == "application_id"
    too_big = two_bed[0] if first == small else three_bed[0]
    with pytest.raises(ValidationError) as ei2, env["engine"].begin() as conn:
        selection.select_home(conn, env["district"], draw_id, first, too_big)
    assert ei2.value.errors[0].field == "home_id"
    with env["engine"].begin() as conn:
        alloc_id = selection.select_home(conn, env["district"], draw_id, first, one_bed[0])
    with env["engine"].connect() as conn:
        a = tenancy.get_allocation(conn, alloc_id, scope=env["clerk"].scope)
        st = conn.execute(select(applications.c.status).where(applications.c.id == first)).scalar_one()
        pend = (
            conn.execute(select(application_members.c.pending).where(application_members.c.application_id == first))
            .scalars()
            .all()
        )
        ben = conn.execute(
            select(func.count()).select_from(benefits).where(benefits.c.application_id == first)
        ).scalar_one()
        home_st = conn.execute(
            select(assisted_homes.c.status).where(assisted_homes.c.home_id == one_bed[0])
        ).scalar_one()
        step = conn.execute(
            select(application_steps).where(
                application_steps.c.application_id == first, application_steps.c.action == "select"
            )
        ).one()
    assert a["status"] == "selected" and a["active"] and a["rank"] == 1 and a["draw_id"] == draw_id
    assert st == "allocated" and set(pend) == {None} and ben >= 1 and home_st == "allocated"
    entry = log_entry(env, "assistance", step.ledger_index)
    assert entry["type"] == "assistance.selection" and entry["house_code"] == a["house_code"]
    with pytest.raises(Conflict) as ei, env["engine"].begin() as conn:  # the home is taken
        selection.pass_turn(conn, env["district"], draw_id, first, "已选")
    with env["engine"].begin() as conn:
        selection.pass_turn(conn, env["district"], draw_id, second, "放弃本轮：房源楼层不合适")
    with pytest.raises(Conflict) as ei, env["engine"].begin() as conn:
        selection.select_home(conn, env["district"], draw_id, third, one_bed[0])
    assert ei.value.errors[0].field == "home_id"
    with env["engine"].begin() as conn:
        selection.select_home(conn, env["district"], draw_id, third, one_bed[1])
    with env["engine"].connect() as conn:
        assert selection.turn(conn, draw_id, scope=env["city"].scope)["next"] is None
    # the one who passed is back on the waiting list and may be frozen into the next draw
    again = freeze(env)
    with env["engine"].connect() as conn:
        assert [
            int(x)
            for x in conn.execute(
                select(draw_candidates.c.application_id).where(draw_candidates.c.draw_id == again)
            ).scalars()
        ] == [second]

    # contract, then move-in, in that order
    with pytest.raises(Conflict), env["engine"].begin() as conn:
        tenancy.move_in(conn, env["district"], alloc_id, clock.today())
    with env["engine"].begin() as conn:
        tenancy.contract(conn, env["district"], alloc_id, "GZ-2026-0001")
    with pytest.raises(Conflict), env["engine"].begin() as conn:
        tenancy.contract(conn, env["district"], alloc_id, "GZ-2026-0002")
    with pytest.raises(ValidationError) as ei2, env["engine"].begin() as conn:
        tenancy.move_in(conn, env["district"], alloc_id, clock.today() + timedelta(days=3))
    assert ei2.value.errors[0].field == "on"
    with env["engine"].begin() as conn:
        tenancy.move_in(conn, env["district"], alloc_id, clock.today())
    with env["engine"].connect() as conn:
        a = tenancy.get_allocation(conn, alloc_id, scope=env["city"].scope)
    assert a["status"] == "moved_in" and a["contract_no"] == "GZ-2026-0001"


def test_a_restricted_home_is_shown_as_not_selectable_and_choosing_it_is_refused(env: dict[str, Any]) -> None:
    """Allocation consults the one restriction mechanism (an open hazard case's 危房, a court's 查封 …):
    the turn lists the home with why it cannot be chosen, and choosing it is refused naming the home and
    changing nothing; once the restriction ends the home can be chosen."""
    first = apps(env, 1, size=1)[0]
    barred, free = homes_for(env, 2, bedrooms=1)
    in_force = {"on": True}

    def source(conn: Any, ids: Any, on: Any) -> dict[int, list[Restriction]]:
        hit = in_force["on"] and barred in ids
        return {barred: [Restriction("unsafe", "safety", "房屋安全鉴定 D 级，危房处置中")]} if hit else {}

    register_restriction_source("test_allocation", source)
    try:
        draw_id = freeze(env)
        run(env, draw_id)
        with env["engine"].connect() as conn:
            t = selection.turn(conn, draw_id, scope=env["district"].scope)
        shown = {h["home_id"]: h["restrictions"] for h in t["homes"]}
        assert shown[barred] == ["危房：房屋安全鉴定 D 级，危房处置中"] and shown[free] == []
        with pytest.raises(Conflict) as ei, env["engine"].begin() as conn:
            selection.select_home(conn, env["district"], draw_id, first, barred)
        assert ei.value.errors[0].field == "home_id" and "危房" in ei.value.errors[0].reason
        with env["engine"].connect() as conn:
            assert one(env, select(func.count()).select_from(allocations).where(allocations.c.home_id == barred)) == 0
            assert conn.execute(select(applications.c.status).where(applications.c.id == first)).scalar_one() == (
                domain.AppStatus.approved.value
            )
        in_force["on"] = False
        with env["engine"].begin() as conn:
            selection.select_home(conn, env["district"], draw_id, first, barred)
    finally:
        register_restriction_source("test_allocation", lambda conn, ids, on: {})


def test_the_unique_index_refuses_a_second_active_allocation_of_a_home(env: dict[str, Any]) -> None:
    app_id = apps(env, 1)[0]
    other = apps(env, 1, priority="elderly")[0]
    home = homes_for(env, 1, bedrooms=1)[0]
    draw_id = freeze(env)
    run(env, draw_id)
    now = clock.now()
    with env["engine"].begin() as conn:  # a row written behind the services' back; the home still says available
        conn.execute(
            allocations.insert().values(
                application_id=other,
                home_id=home,
                programme_code="public_rental",
                status="selected",
                active=1,
                street_code=env["s1"],
                selected_at=now,
                selected_by="test",
            )
        )
    with pytest.raises(Conflict) as ei, env["engine"].begin() as conn:
        selection.select_home(conn, env["district"], draw_id, app_id, home)
    assert ei.value.errors[0].field == "home_id" and "已被选定" in ei.value.message
    assert one(env, select(func.count()).select_from(allocations).where(allocations.c.home_id == home)) == 1
    assert one(env, select(applications.c.status).where(applications.c.id == app_id)) == "approved"


def _race(engine: Engine, calls: list[Any]) -> list[Any]:
    """Run each call in its own thread and transaction, started together; their results or errors."""
    barrier = threading.Barrier(len(calls))
    out: list[Any] = [None] * len(calls)

    def work(i: int) -> None:
        try:
            barrier.wait(10)
            with engine.begin() as conn:
                out[i] = calls[i](conn)
        except Exception as e:  # recorded for the assertions
            out[i] = e

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def test_two_households_racing_for_one_home_get_it_once(env: dict[str, Any]) -> None:
    a = apps(env, 1, priority="elderly")[0]
    b = apps(env, 1, priority="general")[0]
    home = homes_for(env, 1, bedrooms=1)[0]
    d1, d2 = freeze(env, priority="elderly"), freeze(env, priority="general")
    run(env, d1)
    run(env, d2, "111111")
    res = _race(
        env["engine"],
        [
            lambda c: selection.select_home(c, env["district"], d1, a, home),
            lambda c: selection.select_home(c, env["city"], d2, b, home),
        ],
    )
    assert sum(isinstance(r, int) for r in res) == 1, res
    lost = next(r for r in res if not isinstance(r, int))
    assert isinstance(lost, Conflict) and lost.errors[0].field == "home_id", lost
    q = select(func.count()).select_from(allocations).where(allocations.c.home_id == home, allocations.c.active == 1)
    assert one(env, q) == 1
    statuses = {one(env, select(applications.c.status).where(applications.c.id == x)) for x in (a, b)}
    assert statuses == {"allocated", "approved"}


def test_one_household_choosing_two_homes_at_once_gets_one(env: dict[str, Any]) -> None:
    a = apps(env, 1)[0]
    h1, h2 = homes_for(env, 2, bedrooms=1)
    draw_id = freeze(env)
    run(env, draw_id)
    res = _race(
        env["engine"],
        [
            lambda c: selection.select_home(c, env["district"], draw_id, a, h1),
            lambda c: selection.select_home(c, env["city"], draw_id, a, h2),
        ],
    )
    assert sum(isinstance(r, int) for r in res) == 1, res
    assert isinstance(next(r for r in res if not isinstance(r, int)), Conflict)
    q = select(func.count()).select_from(allocations).where(allocations.c.application_id == a)
    assert one(env, q) == 1
    assert (
        one(
            env,
            select(func.count())
            .select_from(assisted_homes)
            .where(assisted_homes.c.home_id.in_([h1, h2]), assisted_homes.c.status == "available"),
        )
        == 1
    )


def test_closing_a_draw_returns_the_unreached_to_the_waiting_list(env: dict[str, Any]) -> None:
    ids = apps(env, 3)
    homes_for(env, 1, bedrooms=1)
    draw_id = freeze(env)
    run(env, draw_id)
    with pytest.raises(Conflict):
        freeze(env)  # all three await their turn
    with env["engine"].begin() as conn:
        drawing.close_draw(conn, env["district"], draw_id, "房源已选完")
    with pytest.raises(Conflict), env["engine"].begin() as conn:
        selection.select_home(conn, env["district"], draw_id, ranked(env, draw_id)[0], 1)
    again = freeze(env)
    assert one(env, select(draws.c.candidates).where(draws.c.id == again)) == len(ids)


# ------------------------------------------------------------------------------------------ tracking


def allocated_household(
    env: dict[str, Any], programme: str = "public_rental", priority: str = "general"
) -> tuple[int, int, int]:
    """(application, allocation, home) of a household that chose a home."""
    app_id = apps(env, 1, programme=programme, priority=priority)[0]
    home = homes_for(env, 1, programme=programme, bedrooms=1)[0]
    with env["engine"].begin() as conn:
        draw_id = drawing.freeze_draw(conn, env["district"], programme, priority, "摇号")
        drawing.run_draw(conn, env["district"], draw_id, SEED, "现场", WITNESSES)
        alloc = selection.select_home(conn, env["district"], draw_id, app_id, home)
    return app_id, alloc, home


def test_a_sublet_case_recovers_the_home_and_records_credit_events_for_every_member(env: dict[str, Any]) -> None:
    app_id, alloc, home = allocated_household(env)
    with pytest.raises(ValidationError) as ei, env["engine"].begin() as conn:
        tracking.open_case(conn, env["clerk"], app_id, "burglary", {})
    assert ei.value.errors[0].field == "kind"
    with env["engine"].begin() as conn:
        case_id = tracking.open_case(conn, env["clerk"], app_id, "sublet", {"来源": "街道巡查", "日期": "2026-06-01"})
    with pytest.raises(Conflict), env["engine"].begin() as conn:  # one open case per kind
        tracking.open_case(conn, env["clerk"], app_id, "sublet", {})
    with pytest.raises(Forbidden), env["engine"].begin() as conn:  # a clerk opens, an officer decides
        tracking.decide_case(conn, env["clerk"], case_id, "recovery", None)
    with env["engine"].begin() as conn:
        out = tracking.decide_case(conn, env["district"], case_id, "recovery", None)  # the rule's default
    today = clock.today()
    assert out["default"] == "recovery" and out["credit_severity"] == "serious" and out["credit_events"] == 2
    with env["engine"].connect() as conn:
        c = tracking.get_case(conn, case_id, scope=env["clerk"].scope)
        a = conn.execute(select(allocations).where(allocations.c.id == alloc)).one()
        h = conn.execute(select(assisted_homes.c.status).where(assisted_homes.c.home_id == home)).scalar_one()
        st = conn.execute(select(applications.c.status).where(applications.c.id == app_id)).scalar_one()
        open_benefits = conn.execute(
            select(func.count())
            .select_from(benefits)
            .where(benefits.c.application_id == app_id, benefits.c.until.is_(None))
        ).scalar_one()
        bidxs = list(
            conn.execute(
                select(application_members.c.id_bidx).where(application_members.c.application_id == app_id)
            ).scalars()
        )
        evs = conn.execute(select(credit_events).where(credit_events.c.subject_bidx.in_(bidxs))).all()
        effective = effective_events(conn, bidxs, today)
    assert c["status"] == "closed" and c["outcome"] == "recovery"
    assert c["exit_deadline"] == today + timedelta(days=30) and c["ban_until"] == domain.add_years(today, 5)
    assert (a.status, a.active, a.ended_at is not None) == ("ended", None, True) and "转租转借" in a.end_reason
    assert h == "available" and st == "exited" and open_benefits == 0
    assert (
        len(evs) == 2 and {e.severity for e in evs} == {"serious"} and {e.expires_on for e in evs} == {c["ban_until"]}
    )
    assert all(e.ledger_index is not None for e in evs) and {e.reference for e in evs} == {c["case_no"]}
    assert all(effective[b] == [("assistance.sublet", "serious")] for b in bidxs)  # the next application is refused
    entry = log_entry(env, "assistance", out["ledger_index"])
    assert entry["type"] == "assistance.case.decided" and entry["outcome"] == "recovery" and entry["members"] == 2
    with pytest.raises(Conflict), env["engine"].begin() as conn:
        tracking.decide_case(conn, env["district"], case_id, "recovery", None)


def test_other_outcomes_need_a_reason_and_milder_ones_keep_the_home(env: dict[str, Any]) -> None:
    app_id, alloc, _ = allocated_household(env)
    with env["engine"].begin() as conn:
        case_id = tracking.open_case(conn, env["clerk"], app_id, "arrears", {"欠租月数": 3})
    with pytest.raises(ValidationError) as ei, env["engine"].begin() as conn:
        tracking.decide_case(conn, env["district"], case_id, "continue", "  ")
    assert ei.value.errors[0].field == "reason"
    with env["engine"].begin() as conn:
        out = tracking.decide_case(conn, env["district"], case_id, "continue", "已补缴全部欠租")
    assert out["credit_events"] == 0 and out["allocation_ended"] is None
    assert one(env, select(allocations.c.active).where(allocations.c.id == alloc)) == 1
    assert one(env, select(applications.c.status).where(applications.c.id == app_id)) == "allocated"
    with env["engine"].begin() as conn:  # requalification → market rent (default), the home is kept
        req = tracking.open_case(conn, env["district"], app_id, "requalification", {"收入": "超标"})
    with pytest.raises(ValidationError) as ei, env["engine"].begin() as conn:
        tracking.decide_case(conn, env["district"], req, "ban", "严重")  # the rule sets no ban period
    assert ei.value.errors[0].field == "outcome"
    with env["engine"].begin() as conn:
        out = tracking.decide_case(conn, env["district"], req, "market_rent", None)
    assert out["exit_deadline"] == clock.today() + timedelta(days=180) and out["allocation_ended"] is None
    with env["engine"].begin() as conn:  # arrears again, the default (exit: 3-year ban, major credit)
        again = tracking.open_case(conn, env["district"], app_id, "arrears", {"欠租月数": 7})
        out = tracking.decide_case(conn, env["district"], again, "exit", None)
    assert out["allocation_ended"] == alloc and out["credit_severity"] == "major"
    assert out["ban_until"] == domain.add_years(clock.today(), 3)


def test_requalification_opens_cases_for_households_no_longer_eligible(env: dict[str, Any]) -> None:
    ok_app, _, _ = allocated_household(env)
    rich_app, rich_alloc, _ = allocated_household(env)
    fresh_app, _, _ = allocated_household(env)
    old = clock.now() - timedelta(days=800)
    with env["engine"].begin() as conn:
        conn.execute(update(applications).where(applications.c.id.in_([ok_app, rich_app])).values(checked_at=old))
        conn.execute(
            update(application_members)
            .where(application_members.c.application_id == rich_app)
            .values(annual_income_fen=90_000_00)
        )
    with env["engine"].begin() as conn:
        out = tracking.requalify(conn, env["district"], "public_rental")
    assert out == {"checked": 2, "qualified": 1, "cases": 1}  # fresh_app was checked recently
    with env["engine"].connect() as conn:
        rows = conn.execute(select(cases).where(cases.c.kind == "requalification")).all()
    assert [r.application_id for r in rows] == [rich_app] and rows[0].allocation_id == rich_alloc
    facts = json.loads(rows[0].facts)
    assert [f["code"] for f in facts["failed"]] == ["income"]
    with env["engine"].begin() as conn:  # nothing new the second time
        assert tracking.requalify(conn, env["district"], "public_rental") == {"checked": 0, "qualified": 0, "cases": 0}
    assert fresh_app


def test_subsidies_are_paid_once_per_application_and_month(env: dict[str, Any]) -> None:
    rent = apps(env, 1, programme="rent_subsidy", size=2, priority=None)[0]
    big = apps(env, 1, programme="rent_subsidy", size=5, priority=None)[0]
    talent = apps(env, 1, programme="talent_subsidy", size=1, priority=None, tier="C")[0]
    apps(env, 1)  # a home programme: no subsidy
    apps(env, 1, programme="rent_subsidy", street=env["other_clerk"].division_code, priority=None)  # outside A
    month = clock.today().strftime("%Y-%m")
    with env["engine"].begin() as conn:
        out = subsidies.pay_subsidies(conn, env["district"], month)
    assert out == {"paid": 3, "amount_fen": 300_00 * 2 + 1200_00 + 1000_00, "already_paid": 0}
    with env["engine"].begin() as conn:
        assert subsidies.pay_subsidies(conn, env["district"], month) == {"paid": 0, "amount_fen": 0, "already_paid": 3}
    with env["engine"].connect() as conn:
        paid = {
            int(a): int(f)
            for a, f in conn.execute(select(subsidy_payments.c.application_id, subsidy_payments.c.amount_fen))
        }
    assert paid == {rent: 600_00, big: 1200_00, talent: 1000_00}
    for bad in ("2026-13", "26-01", "2026/05", ""):
        with pytest.raises(ValidationError) as ei, env["engine"].begin() as conn:
            subsidies.pay_subsidies(conn, env["district"], bad)
        assert ei.value.errors[0].field == "month"
    future = (clock.today().replace(day=1) + timedelta(days=40)).strftime("%Y-%m")
    with pytest.raises(ValidationError), env["engine"].begin() as conn:
        subsidies.pay_subsidies(conn, env["district"], future)


# ----------------------------------------------------------------------------------------------- scope


def test_a_clerk_of_another_district_sees_nothing(env: dict[str, Any]) -> None:
    app_id, alloc, _ = allocated_household(env)
    apps(env, 2)
    draw_id = freeze(env)
    with env["engine"].begin() as conn:
        case_id = tracking.open_case(conn, env["clerk"], app_id, "vacancy", {"天数": 200})
    other = env["other_clerk"]
    with env["engine"].connect() as conn:
        for call in (
            lambda: drawing.get_draw(conn, draw_id, scope=other.scope),
            lambda: tenancy.get_allocation(conn, alloc, scope=other.scope),
            lambda: tracking.get_case(conn, case_id, scope=other.scope),
            lambda: selection.turn(conn, draw_id, scope=other.scope),
        ):
            with pytest.raises(NotFound):
                call()
        assert drawing.list_draws(conn, drawing.DrawFilter(), scope=other.scope, limit=50, offset=0).total == 0
        assert (
            tenancy.list_allocations(conn, tenancy.AllocationFilter(), scope=other.scope, limit=50, offset=0).total == 0
        )
        assert tracking.list_cases(conn, tracking.CaseFilter(), scope=other.scope, limit=50, offset=0).total == 0
        assert waitlist.waiting_list(conn, "public_rental", None, scope=other.scope, limit=50, offset=0).total == 0
        assert drawing.list_draws(conn, drawing.DrawFilter(), scope=env["clerk"].scope, limit=50, offset=0).total == 2
        assert drawing.get_draw(conn, draw_id, scope=env["clerk"].scope)["street_codes"] == [env["s1"]]
    writes: list[Callable[[Any], Any]] = [
        lambda c: drawing.run_draw(c, env["other_officer"], draw_id, SEED, "现场", WITNESSES),
        lambda c: tracking.decide_case(c, env["other_officer"], case_id, "recovery", None),
        lambda c: tenancy.contract(c, env["other_officer"], alloc, "X-1"),
        lambda c: tracking.open_case(c, other, app_id, "arrears", {}),
    ]
    for write in writes:
        with pytest.raises(NotFound), env["engine"].begin() as conn:
            write(conn)
    with pytest.raises(Conflict), env["engine"].begin() as conn:  # the other district freezes only its own
        drawing.freeze_draw(conn, env["other_officer"], "public_rental", None, "B 区摇号")
    with env["engine"].connect() as conn:  # the public sees every draw's published material
        assert drawing.draw_public(conn, draw_id)["candidates"] == 2


# ---------------------------------------------------------------------------------------------- the API


def send(client: Any, method: str, url: str, body: Any, headers: dict[str, str]) -> Any:
    """A JSON request sent as escaped ASCII, so that lone surrogates (\\ud800) reach the server."""
    if body is None:
        return client.request(method, url, headers=headers)
    return client.request(
        method, url, content=json.dumps(body), headers={**headers, "content-type": "application/json"}
    )


def test_the_api_publishes_the_draw_and_answers_junk_with_4xx(env: dict[str, Any], settings_for: Any) -> None:
    from fastapi.testclient import TestClient

    from anju.app import create_app
    from tests.accounts import api_token

    ids = apps(env, 3, size=1)
    home = homes_for(env, 1, bedrooms=1)[0]
    app = create_app(settings_for(env["engine"]))
    auth = {"authorization": f"Bearer {api_token(env['engine'], 'district')}"}
    base = "/api/v1/assistance"
    with TestClient(app) as client:
        r = client.post(
            f"{base}/draws",
            json={"programme_code": "public_rental", "priority_class": "general", "title": "第一批"},
            headers=auth,
        )
        assert r.status_code == 201, r.text
        draw = r.json()
        pub = client.get(f"{base}/draws/{draw['id']}/public")  # anonymous
        assert (
            pub.status_code == 200 and pub.json()["list_hash"] == draw["list_hash"] and pub.json()["result_url"] is None
        )
        cand = client.get(pub.json()["candidates_url"])
        assert cand.headers["content-type"].startswith("text/plain") and len(cand.text.splitlines()) == 3
        assert client.get(f"{base}/draws/{draw['id']}/result.txt").status_code == 409
        for bad, field in (("", "seed"), ("\ud800", "seed"), ("x" * 300, "seed"), ("1\u0000", "seed")):
            r = send(
                client,
                "POST",
                f"{base}/draws/{draw['id']}/run",
                {"seed": bad, "seed_source": "现场", "witnesses": ["甲"]},
                auth,
            )
            assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, r.text
        r = client.post(
            f"{base}/draws/{draw['id']}/run",
            json={"seed": SEED, "seed_source": "现场", "witnesses": WITNESSES},
            headers=auth,
        )
        assert r.status_code == 200 and r.json()["status"] == "drawn", r.text
        assert (
            client.post(
                f"{base}/draws/{draw['id']}/run",
                json={"seed": SEED, "seed_source": "现场", "witnesses": WITNESSES},
                headers=auth,
            ).status_code
            == 409
        )
        res = client.get(f"{base}/draws/{draw['id']}/result.txt").text.splitlines()
        assert res == list(lottery.draw(cand.text.splitlines(), SEED).order)
        v = client.get(f"{base}/draws/{draw['id']}/verify").json()
        assert v["ok"] is True and v["result_hash"] == r.json()["result_hash"]
        entries = client.get(f"{base}/draws/{draw['id']}/entries", params={"page_size": 2}).json()
        assert entries["total"] == 3 and [e["rank"] for e in entries["items"]] == [1, 2]
        order = ranked(env, draw["id"])
        turn = client.get(f"{base}/draws/{draw['id']}/turn", headers=auth).json()
        assert turn["next"]["application_id"] == order[0] and [h["home_id"] for h in turn["homes"]] == [home]
        r = client.post(
            f"{base}/draws/{draw['id']}/selections", json={"application_id": order[1], "home_id": home}, headers=auth
        )
        assert r.status_code == 409 and r.json()["errors"][0]["field"] == "application_id"
        r = client.post(
            f"{base}/draws/{draw['id']}/selections", json={"application_id": order[0], "home_id": home}, headers=auth
        )
        assert r.status_code == 201 and r.json()["house_code"], r.text
        alloc = r.json()["id"]
        r = client.post(
            f"{base}/draws/{draw['id']}/selections", json={"application_id": order[1], "home_id": home}, headers=auth
        )
        assert r.status_code == 409 and r.json()["errors"][0]["field"] == "home_id"
        junk = [
            ("POST", f"{base}/allocations/{alloc}/move-in", {"on": "0001-01-01"}),
            ("POST", f"{base}/allocations/{alloc}/contract", {"contract_no": "\ud800"}),
            ("POST", f"{base}/allocations/{alloc}/contract", {"contract_no": "x" * 40}),
            ("POST", f"{base}/cases", {"application_id": order[0], "kind": "sublet", "facts": {"x": "\ud800"}}),
            ("POST", f"{base}/cases", {"application_id": order[0], "kind": "sublet", "facts": {"x": "y" * 9000}}),
            ("POST", f"{base}/cases", {"application_id": 2**62, "kind": "sublet", "facts": {}}),
            ("POST", f"{base}/requalify", {"programme_code": "public_rental", "on": "0001-01-01"}),
            ("POST", f"{base}/requalify", {"programme_code": "\ud800"}),
            ("POST", f"{base}/subsidies/payments", {"month": "9999-99"}),
            ("POST", f"{base}/draws", {"programme_code": "rent_subsidy", "title": "补贴不摇号"}),
            ("POST", f"{base}/draws", {"programme_code": "public_rental", "title": "\ud800"}),
            ("POST", f"{base}/draws/{2**62}/passes", {"application_id": 1, "reason": "x"}),
            ("GET", f"{base}/draws/{2**62}/public", None),
            ("GET", f"{base}/waiting-list?programme_code=nothing", None),
        ]
        for method, url, body in junk:
            r = send(client, method, url, body, auth)
            assert 400 <= r.status_code < 500, (url, body, r.status_code, r.text)
        r = client.post(f"{base}/allocations/{alloc}/contract", json={"contract_no": "GZ-1"}, headers=auth)
        assert r.status_code == 200 and r.json()["status"] == "contracted"
        r = client.post(
            f"{base}/cases",
            json={"application_id": order[0], "kind": "sublet", "facts": {"来源": "举报"}},
            headers=auth,
        )
        assert r.status_code == 201 and r.json()["rule"]["outcome"] == "recovery", r.text
        case_id = r.json()["id"]
        r = client.post(f"{base}/cases/{case_id}/decision", json={"outcome": "continue"}, headers=auth)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
        r = client.post(f"{base}/cases/{case_id}/decision", json={"outcome": "recovery"}, headers=auth)
        assert r.status_code == 200 and r.json()["credit_events"] == 1, r.text
        page = client.get(f"/assistance/draws/{draw['id']}/public", headers={"accept": "text/html"})
        assert page.status_code == 200 and draw["list_hash"] in page.text and "anju lottery verify" in page.text
    app.state.engine.dispose()
    assert ids


def test_the_turn_walks_past_served_and_passed_candidates_in_batches(env: dict[str, Any], monkeypatch: Any) -> None:
    monkeypatch.setattr(selection, "_TURN_BATCH", 1)  # one candidate per look-up: every step crosses a batch
    apps(env, 4, size=1)
    homes = homes_for(env, 2, bedrooms=1)
    draw_id = freeze(env)
    run(env, draw_id)
    order = ranked(env, draw_id)

    def next_app() -> int | None:
        with env["engine"].connect() as conn:
            t = selection.turn(conn, draw_id, scope=env["city"].scope)
        return t["next"]["application_id"] if t["next"] else None

    with env["engine"].begin() as conn:  # the third passes early; the first chooses
        selection.pass_turn(conn, env["district"], draw_id, order[2], "书面放弃")
        selection.select_home(conn, env["district"], draw_id, order[0], homes[0])
    assert next_app() == order[1]
    with env["engine"].begin() as conn:  # the second withdrew meanwhile: skipped without a step
        conn.execute(update(applications).where(applications.c.id == order[1]).values(status="withdrawn"))
    assert next_app() == order[3]
    with env["engine"].begin() as conn:
        selection.select_home(conn, env["district"], draw_id, order[3], homes[1])
    assert next_app() is None
