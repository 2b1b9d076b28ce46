"""Housing assistance: programmes as data, applications, the explained eligibility check, the review flow."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select, update
from stdnum.cn import ric

from anju import ledger
from anju.assistance import applying, catalogue, consent, domain, eligibility, queries, review
from anju.assistance.tables import application_members, application_steps, applications, benefits, programme_editions
from anju.core import clock
from anju.core.errors import Conflict, NotFound, ValidationError
from anju.core.scope import Scope
from anju.credit import Event, record_event
from anju.registry import home_owners, homes
from anju.security import Caller, Role, keyring_from_settings
from tests.accounts import account_id, choose_world, verified_person

PDF = b"%PDF-1.4\n%test\n"


def rid(n: int, birth: str = "19850101", region: str = "320102") -> str:
    body = f"{region}{birth}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture
def env(city_engine: Engine, settings_for: Any) -> dict[str, Any]:
    settings = settings_for(city_engine)
    kr = keyring_from_settings(settings)
    w = choose_world(city_engine)
    with city_engine.begin() as conn:
        catalogue.load_programmes(conn, domain.load_policies(domain.sample_policy_path("320100")))
    cid = account_id(city_engine, "citizen")
    citizen = Caller(cid, "citizen", Role.citizen, w.district_a, Scope.own(cid))
    with city_engine.connect() as conn:
        from anju.divisions import children

        streets_a = frozenset(s.code for s in children(conn, w.district_a, "street", limit=1000).items)
    clerk = Caller(
        account_id(city_engine, "clerk"),
        "clerk",
        Role.street_clerk,
        w.street_s1,
        Scope.of_streets("street", w.street_s1, [w.street_s1]),
    )
    district = Caller(
        account_id(city_engine, "district"),
        "district",
        Role.district_officer,
        w.district_a,
        Scope.of_streets("district", w.district_a, streets_a),
    )
    city = Caller(account_id(city_engine, "city"), "city", Role.city_officer, "320100", Scope.whole_city("320100"))
    other_clerk = Caller(None, "other", Role.street_clerk, None, Scope.of_streets("street", "x", ["320199999"]))
    return {
        "engine": city_engine,
        "settings": settings,
        "kr": kr,
        "w": w,
        "citizen": citizen,
        "clerk": clerk,
        "district": district,
        "city": city,
        "other": other_clerk,
    }


def household(n: int = 2, income: int = 30000, **kw: Any) -> list[applying.MemberIn]:
    """The applicant (本人: the signed-in account's verified identity, filled in by the service unless
    ``id_number`` names another applicant — see :func:`new_app`) and ``n - 1`` minor children, who
    need no consent."""
    kw.pop("base", None)
    first = applying.MemberIn("", "", "本人", income, 50000, True, 10, 60, True)
    out = [replace(first, **kw)]
    for i in range(1, n):
        out.append(applying.MemberIn("李小", rid(i + 1, "20120202"), "子女", income, 0, True, 5, 0, False))
    return out


def applicant(e: dict[str, Any], id_number: str) -> Caller:
    """The verified account of the applicant with ``id_number`` (made on first use)."""
    got: dict[str, Caller] = e.setdefault("applicants", {})
    if id_number not in got:
        name = f"p{len(got)}{id_number[-6:]}"
        aid = verified_person(e["engine"], e["settings"], name, "张三", id_number, f"1390000{len(got):04d}")
        got[id_number] = Caller(aid, name, Role.citizen, e["w"].district_a, Scope.own(aid))
    return got[id_number]


def new_app(
    e: dict[str, Any],
    members: list[applying.MemberIn] | None = None,
    programme: str = "public_rental",
    doc: bool = True,
) -> int:
    """A draft of the applicant named by the first member's ``id_number`` (the seeded citizen when it is
    empty), from that applicant's own verified account."""
    members = members or household()
    who = applicant(e, members[0].id_number) if members[0].id_number else e["citizen"]
    cmd = applying.ApplicationIn(programme, e["w"].street_s1, members, housing_status="rented")
    with e["engine"].begin() as conn:
        app_id = applying.create_draft(conn, e["kr"], who, cmd)
        if doc:
            applying.add_document(conn, who, app_id, "身份证明", "id.pdf", "application/pdf", PDF)
    e.setdefault("owners", {})[app_id] = who
    return app_id


def submit(e: dict[str, Any], conn: Any, app_id: int) -> domain.Eligibility:
    return review.submit(conn, e["kr"], e["owners"][app_id], app_id)


def self_check(e: dict[str, Any], conn: Any, app_id: int) -> domain.Eligibility:
    return consent.self_check(conn, e["kr"], e["owners"][app_id], app_id)


def status(e: dict[str, Any], app_id: int) -> str:
    with e["engine"].connect() as conn:
        return str(conn.execute(select(applications.c.status).where(applications.c.id == app_id)).scalar_one())


def test_sample_policies_load_once_and_editions_are_immutable(env: dict[str, Any]) -> None:
    policies = domain.load_policies(domain.sample_policy_path("320100"))
    assert {p.kind for p in policies} == set(domain.Kind)
    assert all(p.sample for p in policies)
    with env["engine"].begin() as conn:
        assert catalogue.load_programmes(conn, policies) == 0  # already there, identical
    changed = replace(policies[0], max_income_per_person_fen=1)
    with pytest.raises(Conflict) as ei, env["engine"].begin() as conn:
        catalogue.load_programmes(conn, [changed])
    assert ei.value.errors[0].field == "programme[public_rental].edition"


def test_bad_policy_file_names_the_field(tmp_path: Any) -> None:
    p = tmp_path / "p.toml"
    p.write_text(
        '[[programme]]\ncode="x"\nkind="public_rental"\nname="x"\nedition=1\neffective_from=2021-01-01\n'
        'review_levels=["street","county"]\n',
        encoding="utf-8",
    )
    with pytest.raises(domain.PolicyError, match="review_levels"):
        domain.load_policies(p)
    p.write_text(
        '[[programme]]\ncode="x"\nkind="public_rental"\nname="x"\nedition=1\neffective_from=2021-01-01\n'
        "max_income_per_person_yuan=-5\n",
        encoding="utf-8",
    )
    with pytest.raises(domain.PolicyError, match="max_income_per_person_yuan"):
        domain.load_policies(p)


def test_bad_application_input_names_every_field_and_writes_nothing(env: dict[str, Any]) -> None:
    members = [
        applying.MemberIn("", "", "本人", "-1", 0, True, 10, 60, True),
        applying.MemberIn("李四", rid(2), "配偶", "1e12", "abc", True, 200, 60, True),
        applying.MemberIn("王五", rid(2), "邻居", "1000.123", 0, False, 0, 0, False),
    ]
    cmd = applying.ApplicationIn("public_rental", "999999999", members, housing_status="castle", talent_tier="Z")
    with env["engine"].connect() as conn:
        before = conn.execute(select(func.count()).select_from(applications)).scalar_one()
    with pytest.raises(ValidationError) as ei, env["engine"].begin() as conn:
        applying.create_draft(conn, env["kr"], env["citizen"], cmd)
    fields = {e.field for e in ei.value.errors}
    assert {
        "street_code",
        "housing_status",
        "talent_tier",
        "members[0].annual_income_yuan",
        "members[1].annual_income_yuan",
        "members[1].assets_yuan",
        "members[1].hukou_years",
        "members[2].id_number",
        "members[2].relation",
        "members[2].annual_income_yuan",
    } <= fields
    with pytest.raises(ValidationError) as ei, env["engine"].begin() as conn:
        applying.create_draft(conn, env["kr"], env["citizen"], replace(cmd, programme_code="no_such"))
    assert ei.value.errors[0].field == "programme_code"
    with env["engine"].connect() as conn:
        assert conn.execute(select(func.count()).select_from(applications)).scalar_one() == before


def test_documents_must_be_of_the_declared_type_and_size(env: dict[str, Any]) -> None:
    app_id = new_app(env, doc=False)
    cases = [
        ("身份证明", "a.exe", "application/x-msdownload", b"MZ", "file"),
        ("身份证明", "a.pdf", "application/pdf", b"GIF89a", "file"),
        ("身份证明", "a.pdf", "application/pdf", b"%PDF-" + b"0" * applying.DOC_MAX_BYTES, "file"),
        ("简历", "a.pdf", "application/pdf", PDF, "kind"),
    ]
    for kind, name, ctype, data, fld in cases:
        with pytest.raises(ValidationError) as ei, env["engine"].begin() as conn:
            applying.add_document(conn, env["citizen"], app_id, kind, name, ctype, data)
        assert ei.value.errors[0].field == fld
    with pytest.raises(ValidationError) as ei, env["engine"].begin() as conn:
        submit(env, conn, app_id)
    assert ei.value.errors[0].field == "documents"


def test_eligibility_explains_each_rule_and_refuses_submission(env: dict[str, Any]) -> None:
    rich = new_app(env, household(2, income=500_000))
    with pytest.raises(ValidationError) as ei, env["engine"].begin() as conn:
        submit(env, conn, rich)
    assert [e.field for e in ei.value.errors] == ["eligibility.income"]
    # the refusal names the rule and its published requirement, not the figures the check used
    assert ei.value.errors[0].reason == "不符合「人均年收入上限」（要求：≤ 36,000.00 元）"
    assert "500,000" not in ei.value.message
    assert status(env, rich) == "draft"
    with env["engine"].begin() as conn:
        result = self_check(env, conn, rich)
    codes = {r.code: r for r in result.rules}
    assert not codes["income"].passed and codes["income"].inputs["人均年收入"] == "500,000.00 元"
    assert codes["hukou_years"].passed and codes["household_size"].passed


def test_register_ownership_benefits_and_credit_are_cross_checked(env: dict[str, Any]) -> None:
    kr, eng = env["kr"], env["engine"]
    idn = rid(77, "19860505")
    app_id = new_app(env, household(1, income=20000, id_number=idn))
    with eng.begin() as conn:
        home = conn.execute(select(homes.c.id, homes.c.construction_area).limit(1)).first()
        assert home is not None
        conn.execute(
            insert(home_owners).values(
                home_id=home.id,
                owner_kind="person",
                owner_bidx=kr.blind_index(idn, "id_number"),
                owner_id_enc=kr.encrypt(idn, "home_owners.owner_id"),
                owner_name_enc=kr.encrypt("张三", "home_owners.owner_name"),
                share_pct=100,
                acquired_on=date(2015, 1, 1),
                released_on=None,
                recorded_at=clock.now(),
            )
        )
        res = self_check(env, conn, app_id)
    rules = {r.code: r for r in res.rules}
    assert not res.eligible
    area = home.construction_area
    assert rules["area"].passed is (area <= 15)
    assert rules["area"].inputs["名下住房面积"] == f"{area} m²"
    # sold before today: no longer counts
    with eng.begin() as conn:
        conn.execute(update(home_owners).values(released_on=date(2020, 1, 1)))
        assert self_check(env, conn, app_id).eligible
        conn.execute(
            insert(benefits).values(
                id_bidx=kr.blind_index(idn, "id_number"),
                programme_code="rent_subsidy",
                kind="subsidy",
                since=date(2022, 1, 1),
            )
        )
        res = self_check(env, conn, app_id)
        assert [r.code for r in res.failed] == ["not_supported"]
        assert "rent_subsidy" in res.failed[0].reason
        conn.execute(benefits.delete())
        record_event(
            conn,
            Event(
                "person",
                kr.blind_index(idn, "id_number"),
                "assistance",
                "assistance.false_materials",
                "serious",
                date(2024, 1, 1),
                "T-1",
            ),
        )
        res = self_check(env, conn, app_id)
        assert [r.code for r in res.failed] == ["credit"]
        # the event, then its subject's first grade and black-list entry (recomputed in the same transaction)
        assert ledger.get_log(conn, "credit").size == 3


def _through_review(env: dict[str, Any], app_id: int) -> None:
    with env["engine"].begin() as conn:
        assert review.review(conn, env["clerk"], app_id, review.Decision("approve")) == domain.AppStatus.submitted
    with env["engine"].begin() as conn:
        assert review.review(conn, env["district"], app_id, review.Decision("approve")) == domain.AppStatus.submitted
    with env["engine"].begin() as conn:
        assert review.review(conn, env["city"], app_id, review.Decision("approve")) == domain.AppStatus.notice


def test_review_goes_street_district_city_then_notice_then_approval(env: dict[str, Any]) -> None:
    eng = env["engine"]
    app_id = new_app(env)
    with eng.begin() as conn:
        size0 = ledger.get_log(conn, "assistance").size
        result = submit(env, conn, app_id)
    assert result.eligible
    # the wrong level, a reviewer outside the scope, a stale version
    with pytest.raises(Conflict), eng.begin() as conn:
        review.review(conn, env["district"], app_id, review.Decision("approve"))
    with pytest.raises(NotFound), eng.begin() as conn:
        review.review(conn, env["other"], app_id, review.Decision("approve"))
    with pytest.raises(Conflict), eng.begin() as conn:
        review.review(conn, env["clerk"], app_id, review.Decision("approve", version=1))
    with pytest.raises(ValidationError) as ei, eng.begin() as conn:
        review.review(conn, env["clerk"], app_id, review.Decision("reject"))
    assert ei.value.errors[0].field == "reason"
    _through_review(env, app_id)
    assert status(env, app_id) == "notice"
    # the public notice lists it during its period, and not once the period has ended (issue 25, 4)
    with eng.connect() as conn:
        assert app_id in [n["id"] for n in queries.public_notices(conn, limit=100, offset=0).items]
        until = conn.execute(select(applications.c.notice_until).where(applications.c.id == app_id)).scalar_one()
    with eng.begin() as conn:
        conn.execute(
            update(applications).where(applications.c.id == app_id).values(notice_until=clock.now() - timedelta(days=1))
        )
    with eng.connect() as conn:
        assert app_id not in [n["id"] for n in queries.public_notices(conn, limit=100, offset=0).items]
    with eng.begin() as conn:
        conn.execute(update(applications).where(applications.c.id == app_id).values(notice_until=until))
    # an objection holds the final decision until it is resolved
    with eng.begin() as conn:
        oid = review.object_to(conn, env["citizen"], app_id, "申请人另有住房")
        assert review.finalise_notices(conn, env["city"], clock.now() + timedelta(days=30)) == []
        review.resolve_objection(conn, env["city"], oid, upheld=False, resolution="经核查，无其他住房")
        assert review.finalise_notices(conn, env["city"], clock.now() + timedelta(days=30)) == [app_id]
    assert status(env, app_id) == "approved"
    with eng.connect() as conn:
        steps = conn.execute(
            select(application_steps.c.action, application_steps.c.ledger_index)
            .where(application_steps.c.application_id == app_id)
            .order_by(application_steps.c.id)
        ).all()
        assert [s.action for s in steps] == [
            "create",
            "submit",
            "approve",
            "approve",
            "approve",
            "objection",
            "objection_dismissed",
            "approve_final",
        ]
        logged = [s.ledger_index for s in steps if s.ledger_index is not None]
        assert len(logged) == 5 and ledger.get_log(conn, "assistance").size == size0 + 5
        detail = queries.get_application(conn, env["kr"], app_id, scope=env["citizen"].scope)
    assert detail["members"][0]["id_number"] == "1101**********002X"  # the citizen's own, masked
    assert detail["eligibility"] is not None and detail["eligibility"]["eligible"] is True


def test_return_for_more_information_then_resubmit_and_reject(env: dict[str, Any]) -> None:
    eng = env["engine"]
    app_id = new_app(env)
    with eng.begin() as conn:
        submit(env, conn, app_id)
        review.review(conn, env["clerk"], app_id, review.Decision("return", "请补充收入证明"))
    assert status(env, app_id) == "returned"
    with eng.begin() as conn:
        applying.add_document(conn, env["citizen"], app_id, "收入证明", "income.pdf", "application/pdf", PDF)
        submit(env, conn, app_id)
        assert (
            review.review(conn, env["clerk"], app_id, review.Decision("reject", "收入证明与申报不符"))
            == domain.AppStatus.rejected
        )
    with eng.connect() as conn:
        pend = (
            conn.execute(select(application_members.c.pending).where(application_members.c.application_id == app_id))
            .scalars()
            .all()
        )
    assert pend and all(p is None for p in pend)


def test_a_person_cannot_be_in_two_pending_applications(env: dict[str, Any]) -> None:
    eng = env["engine"]
    first = new_app(env)
    with eng.begin() as conn:
        submit(env, conn, first)
    second = new_app(env, household(1), programme="rent_subsidy")
    with pytest.raises(Conflict) as ei, eng.begin() as conn:
        submit(env, conn, second)
    assert ei.value.errors[0].field == "members[0].id_number"
    assert status(env, second) == "draft"
    with eng.begin() as conn:
        review.withdraw(conn, env["citizen"], first)
        submit(env, conn, second)
    assert status(env, second) == "submitted"


def test_a_new_policy_edition_never_changes_decisions_made_under_the_old(env: dict[str, Any]) -> None:
    eng = env["engine"]
    app_id = new_app(env, household(2, income=30000))
    early_draft = new_app(env, household(1, income=30000, id_number=rid(66, "19910101")))
    with eng.begin() as conn:
        submit(env, conn, app_id)
        old = conn.execute(
            select(applications.c.edition_id, applications.c.eligibility).where(applications.c.id == app_id)
        ).one()
        p1 = catalogue.edition(conn, old.edition_id)
        stricter = replace(
            p1, edition=2, effective_from=clock.today() - timedelta(days=1), max_income_per_person_fen=1_000_000
        )
        catalogue.load_programmes(conn, [stricter])
        assert catalogue.in_force(conn, "public_rental", clock.today())[1].edition == 2
        again = eligibility.check_many(conn, [app_id], clock.today())[app_id]
    assert again.eligible and again.policy_edition == 1
    new = new_app(env, household(1, income=30000, base=5, id_number=rid(55, "19900101")))
    with pytest.raises(ValidationError) as ei, eng.begin() as conn:
        submit(env, conn, new)
    assert "10,000.00 元" in ei.value.errors[0].reason
    # a draft written under the old edition is judged by the edition in force when it is submitted
    with pytest.raises(ValidationError) as ei, eng.begin() as conn:
        submit(env, conn, early_draft)
    assert "10,000.00 元" in ei.value.errors[0].reason
    with eng.connect() as conn:
        assert (
            conn.execute(
                select(func.count()).select_from(programme_editions).where(programme_editions.c.code == "public_rental")
            ).scalar_one()
            == 2
        )


def test_lists_are_scoped(env: dict[str, Any]) -> None:
    eng = env["engine"]
    app_id = new_app(env)
    with eng.begin() as conn:
        submit(env, conn, app_id)
    with eng.connect() as conn:
        f = queries.AppFilter(status="submitted")
        assert queries.list_applications(conn, f, scope=env["clerk"].scope, limit=10, offset=0).total == 1
        assert queries.list_applications(conn, f, scope=env["district"].scope, limit=10, offset=0).total == 1
        assert queries.list_applications(conn, f, scope=env["other"].scope, limit=10, offset=0).total == 0
        assert queries.list_applications(conn, f, scope=Scope.own(-5), limit=10, offset=0).total == 0
        with pytest.raises(NotFound):
            queries.get_application(conn, env["kr"], app_id, scope=env["other"].scope)
        with pytest.raises(NotFound):
            queries.get_application(conn, env["kr"], app_id, scope=Scope.own(-5))


def test_cli_loads_a_programmes_file_refuses_a_bad_one_and_checks_in_batches(
    env: dict[str, Any], tmp_path: Any
) -> None:
    from click.testing import CliRunner

    from anju.cli import main
    from tests.integration.test_security_cli import env as cli_env

    eng = env["engine"]
    app_id = new_app(env)
    with eng.begin() as conn:
        submit(env, conn, app_id)
        conn.execute(update(applications).values(eligible=None, eligibility=None))
    runner = CliRunner()
    environ = cli_env(eng, tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[programme]]\ncode="x"\nkind="nope"\nname="x"\nedition=1\neffective_from=2021-01-01\n', encoding="utf-8"
    )
    r = runner.invoke(main, ["assistance", "programmes", "load", "--file", str(bad)], env=environ)
    assert r.exit_code == 2 and "--file" in r.output and "programme[x]" in r.output
    p2 = tmp_path / "p2.toml"
    text = domain.sample_policy_path("320100").read_text(encoding="utf-8")
    old = "review_days = { street = 10, district = 10, city = 5 }"
    p2.write_text(text.replace(old, old.replace("street = 10", "street = 15"), 1), encoding="utf-8")
    r = runner.invoke(main, ["assistance", "programmes", "load", "--file", str(p2)], env=environ)
    assert r.exit_code == 1 and "public_rental 第1版已存在且内容不同" in r.output
    r = runner.invoke(main, ["assistance", "programmes", "load"], env=environ)
    assert r.exit_code == 0 and '"added": 0' in r.output
    r = runner.invoke(main, ["assistance", "check"], env=environ)
    assert r.exit_code == 0, r.output
    assert '"checked": 1' in r.output and '"eligible": 1' in r.output
    with eng.connect() as conn:
        assert conn.execute(select(applications.c.eligible).where(applications.c.id == app_id)).scalar_one() is True


def test_a_subsidy_starts_on_final_approval_and_ends_on_withdrawal(env: dict[str, Any]) -> None:
    eng = env["engine"]
    app_id = new_app(env, household(2, income=20000), programme="rent_subsidy")
    with eng.begin() as conn:
        submit(env, conn, app_id)
        review.review(conn, env["clerk"], app_id, review.Decision("approve"))
        assert review.review(conn, env["district"], app_id, review.Decision("approve")) == domain.AppStatus.notice
        assert review.finalise_notices(conn, env["city"], clock.now() + timedelta(days=8)) == [app_id]
        rows = conn.execute(select(benefits.c.kind, benefits.c.until).where(benefits.c.application_id == app_id)).all()
    assert [(r.kind, r.until) for r in rows] == [("subsidy", None), ("subsidy", None)]
    other = new_app(env, household(2, income=20000), doc=False)
    with eng.begin() as conn:  # its own subsidy is not "another" benefit; a second application's is
        later = clock.today() + timedelta(days=9)  # the benefit started when the notice ended
        assert eligibility.check_many(conn, [app_id], later, store=False)[app_id].eligible
        res = eligibility.check_many(conn, [other], later, store=False)[other]
    assert [r.code for r in res.failed] == ["not_supported"]
    with eng.begin() as conn:
        review.withdraw(conn, env["citizen"], app_id, "已购房")
        until = conn.execute(select(benefits.c.until).where(benefits.c.application_id == app_id)).scalars().all()
    assert until == [clock.today(), clock.today()]
    assert status(env, app_id) == "withdrawn"
