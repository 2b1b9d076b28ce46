"""The matrix's sample world: the app over a fresh copy of the test city, target accounts, a log, a
failed import job, address review records and housing-assistance records in each sample street."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from anju.app import create_app
from anju.core.settings import Settings
from anju.registry import tables as rt
from anju.security import Caller, NewAccount, Role, Security, create_account
from tests.accounts import PASSWORD, World, account_id, api_token, choose_world
from tests.authz.assistance import assistance_samples, assistance_setup
from tests.authz.support import ROLES, Ctx, Sample


def _samples(engine: Engine, w: World) -> dict[str, Sample]:
    h = rt.homes
    out: dict[str, Sample] = {}
    with engine.connect() as c:
        for street in (w.street_s1, w.street_s2, next_street_of(c, w.district_b)):
            row = c.execute(
                select(h.c.id, h.c.house_code, h.c.building_id, h.c.estate_id)
                .where(h.c.street_code == street, h.c.status == "使用")
                .order_by(h.c.id)
                .limit(1)
            ).first()
            assert row is not None, street
            out[street] = Sample(home=row.id, house_code=row.house_code, building=row.building_id, estate=row.estate_id)
    return out


def next_street_of(conn: Any, district: str) -> str:
    b = rt.buildings
    return str(
        conn.execute(
            select(b.c.street_code)
            .where(b.c.district_code == district, b.c.street_code.like(district + "%"))
            .order_by(b.c.street_code)
            .limit(1)
        ).scalar_one()
    )


@contextmanager
def build_ctx(engine: Engine, settings: Settings) -> Iterator[Ctx]:
    """The app over ``engine`` (a fresh copy of the test city) with the matrix's sample world: target
    accounts in and out of district A, a log, a failed import job, review records, assistance records."""
    app = create_app(settings)
    w = choose_world(engine)
    sec = Security(settings)
    system = Caller.system("test")
    with engine.begin() as conn:
        for name, division, phone in (("t_in", w.street_s1, "13700000001"), ("t_out", w.district_b, "13700000002")):
            role = Role.street_clerk if name == "t_in" else Role.district_officer
            create_account(
                conn,
                sec,
                NewAccount(
                    username=name, password=PASSWORD, role=role, name="目标账户", division_code=division, phone=phone
                ),
                system,
            )
    from anju import ledger

    with engine.begin() as conn:
        ledger.create_log(conn, "audit_test")
        ledger.append(conn, "audit_test", [b"a", b"b", b"c"])
    with TestClient(app, follow_redirects=False) as client:
        data = _samples(engine, w)
        tokens = {r: api_token(engine, r) for r in ROLES}
        targets = {t: account_id(engine, t) for t in ("t_in", "t_out")}
        c = Ctx(engine, w, client, tokens, data, targets, keyring=sec.keyring, settings=settings)
        r = client.post(
            "/api/v1/imports",
            files={"file": ("bad.csv", b"x\n1\n", "text/csv")},
            headers={"authorization": f"Bearer {tokens['city']}"},
        )
        c.job = r.json()["job"]["id"]
        c.phones = {"t_in": "13700000001", "t_out": "13700000002"}
        for street in data:
            data[street].addr = c.fresh_address(street)
        assistance_setup(c)
        with engine.connect() as conn:
            c.address = conn.execute(
                select(rt.homes.c.address).where(rt.homes.c.house_code == data[w.street_s1].house_code)
            ).scalar_one()
        assistance_samples(c)
        yield c
    app.state.engine.dispose()
