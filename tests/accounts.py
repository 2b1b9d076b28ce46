"""Seeded accounts of the test city, one per role, and ways to sign them in quickly.

The city template (scale 0.001, seed 7) gets: a city officer ``city``, an auditor ``auditor``, an
administrator ``admin`` (city), a district administrator ``admin_a`` and a district officer
``district`` in district A, a street clerk ``clerk`` in street S1 of A, and the public accounts
``citizen``, ``landlord`` and ``agency``. ``world(engine)`` tells the codes: S1 and S2 lie in A, B is
another district; each has buildings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import Engine, func, select

from anju.core.settings import Settings
from anju.registry import tables as rt
from anju.security import (
    Caller,
    NewAccount,
    Role,
    Security,
    accounts,
    add_synthetic_people,
    create_account,
    issue_session,
    provider_for,
    seed_verified,
)

PASSWORD = "Test-Passw0rd!"
#: Recognisable personal values: the log/database scan looks for these in plain text.
CITIZEN_ID = "11010519491231002X"
CITIZEN_PHONE = "13912345678"
CITIZEN_NAME = "郑明远"


@dataclass(frozen=True)
class World:
    city: str
    district_a: str
    street_s1: str
    street_s2: str
    district_b: str


def choose_world(engine: Engine) -> World:
    b = rt.buildings
    with engine.connect() as c:
        rows = c.execute(
            select(b.c.district_code, b.c.street_code, func.count())
            .group_by(b.c.district_code, b.c.street_code)
            .order_by(func.count().desc(), b.c.street_code)
        ).all()
    by_district: dict[str, list[str]] = {}
    for d, st, _n in rows:
        if st[:6] == d:  # a street legally inside its district (not through a zone)
            by_district.setdefault(d, []).append(st)
    a = next(d for d, streets in by_district.items() if len(streets) >= 2)
    other = next(d for d in by_district if d != a)
    return World("320100", a, by_district[a][0], by_district[a][1], other)


def seed_accounts(engine: Engine, settings: Settings) -> None:
    sec = Security(settings)
    w = choose_world(engine)
    specs = [
        NewAccount("city", PASSWORD, Role.city_officer, "钱市局", division_code=w.city),
        NewAccount("auditor", PASSWORD, Role.auditor, "孙审计", division_code=w.city),
        NewAccount("admin", PASSWORD, Role.administrator, "李管理", division_code=w.city),
        NewAccount("admin_a", PASSWORD, Role.administrator, "周区管", division_code=w.district_a),
        NewAccount("district", PASSWORD, Role.district_officer, "吴区局", division_code=w.district_a),
        NewAccount("clerk", PASSWORD, Role.street_clerk, "郑街道", division_code=w.street_s1),
        NewAccount(
            "citizen", PASSWORD, Role.citizen, CITIZEN_NAME,
            id_number=CITIZEN_ID, phone=CITIZEN_PHONE, division_code=w.district_a,
        ),
        NewAccount("landlord", PASSWORD, Role.landlord, "王房东", id_number="320102199003070025", phone="13800000002"),
        NewAccount(
            "agency", PASSWORD, Role.agency, "冯经纪",
            phone="13800000003", org_code="91110000600037341L", division_code=w.district_b,
        ),
    ]  # fmt: skip
    system = Caller.system("test-seed")
    with engine.begin() as conn:
        for spec in specs:
            made = create_account(conn, sec, spec, system)
            if spec.id_number:  # the seeded citizens have verified their identity
                add_synthetic_people(conn, sec.keyring, [(spec.id_number, spec.name, spec.phone)])
                seed_verified(conn, sec, made.account_id, provider_for(sec))


def account_id(engine: Engine, username: str) -> int:
    with engine.connect() as c:
        return int(c.execute(select(accounts.c.id).where(accounts.c.username == username)).scalar_one())


def api_token(engine: Engine, username: str) -> str:
    """A bearer token for a seeded account, issued directly (no password/TOTP round: fast)."""
    with engine.begin() as conn:
        token, _, _ = issue_session(conn, _sec(), account_id(engine, username), kind="api", ip="127.0.0.1")
    return token


def api_tokens(engine: Engine, username: str, n: int) -> list[str]:
    """``n`` bearer tokens for a seeded account, each a session of its own, issued in one transaction
    (a caller that needs a fresh token per request takes them from a batch)."""
    who = account_id(engine, username)
    with engine.begin() as conn:
        return [issue_session(conn, _sec(), who, kind="api", ip="127.0.0.1")[0] for _ in range(n)]


def web_session(engine: Engine, username: str) -> tuple[str, str]:
    """(cookie token, CSRF token) of a new web session."""
    with engine.begin() as conn:
        token, csrf, _ = issue_session(conn, _sec(), account_id(engine, username), kind="web", ip="127.0.0.1")
    assert csrf is not None
    return token, csrf


class _Sec:
    """issue_session only reads the session lifetime from settings."""

    class settings:  # noqa: N801
        session_max_hours = 12


def _sec() -> Security:
    """A stand-in for :class:`Security` that is cheap to make (no keyring, no argon2 parameters)."""
    return cast(Security, _Sec())


def totp_secret(engine: Engine, settings: Settings, username: str) -> str:
    sec = Security(settings)
    with engine.connect() as c:
        blob = c.execute(select(accounts.c.totp_secret_enc).where(accounts.c.username == username)).scalar_one()
    return sec.keyring.decrypt(blob, "accounts.totp_secret")


def verified_person(
    engine: Engine, settings: Settings, username: str, name: str, id_number: str, phone: str, role: Role = Role.citizen
) -> int:
    """A public account whose identity is verified the way the seed's are: the person is put into the
    synthetic population and the provider's check is run (``seed_verified``). Returns its id."""
    sec = Security(settings)
    with engine.begin() as conn:
        made = create_account(
            conn,
            sec,
            NewAccount(username, PASSWORD, role, name, id_number=id_number, phone=phone),
            Caller.system("test"),
        )
        add_synthetic_people(conn, sec.keyring, [(id_number, name, phone)])
        seed_verified(conn, sec, made.account_id, provider_for(sec))
    return made.account_id
