"""Authorisation-matrix cases of estate management, part "owners" (see cases_estates.py): assemblies,
committees, term audits, the negative list, votes (staff), the owner's own votes and ballots, and the
public tally file. Each street's sample estate gets an assembly, a committee, a negative-list item and
two draft votes (one for the cancel route) once, written directly: the matrix's city has no owners, so
the owner routes answer 404/422 for the roles allowed — what is checked is who gets past the policy and
whether out-of-scope records answer as missing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from anju.core import clock
from anju.estates.tables import estates_assemblies, estates_committees, estates_negative_items, estates_votes
from tests.authz.support import Case, Ctx, one

_MADE: dict[tuple[int, str], dict[str, int]] = {}


def made(ctx: Ctx, street: str) -> dict[str, int]:
    """The street's sample records (made once per matrix world)."""
    key = (id(ctx), street)
    if key in _MADE:
        return _MADE[key]
    d = ctx.data[street]
    now = clock.now()
    with ctx.engine.begin() as c:
        aid = c.execute(
            estates_assemblies.insert()
            .values(
                estate_id=d.estate,
                established_on=date(2020, 1, 1),
                filing_no=f"AUTHZ-{d.estate}",
                status="active",
                district_code=street[:6],
                street_code=street,
                created_at=now,
            )
            .returning(estates_assemblies.c.id)
        ).scalar_one()
        cid = c.execute(
            estates_committees.insert()
            .values(
                assembly_id=aid,
                estate_id=d.estate,
                term_starts_on=date(2024, 1, 1),
                term_ends_on=date(2028, 12, 31),
                status="active",
                district_code=street[:6],
                street_code=street,
                created_at=now,
            )
            .returning(estates_committees.c.id)
        ).scalar_one()
        nid = c.execute(
            estates_negative_items.insert()
            .values(committee_id=cid, kind="disclosure_failure", occurred_on=date(2025, 1, 1), recorded_at=now)
            .returning(estates_negative_items.c.id)
        ).scalar_one()
        vids = []
        for n in range(2):
            vids.append(
                c.execute(
                    estates_votes.insert()
                    .values(
                        vote_no=f"BJAUTHZ{d.estate}{n}",
                        estate_id=d.estate,
                        title="授权矩阵表决",
                        matter="rules",
                        record_date=clock.today(),
                        opens_at=now,
                        closes_at=now + timedelta(days=7),
                        status="draft",
                        district_code=street[:6],
                        street_code=street,
                        created_at=now,
                    )
                    .returning(estates_votes.c.id)
                ).scalar_one()
            )
    _MADE[key] = {"assembly": aid, "committee": cid, "negative": nid, "vote": vids[0], "vote_cancel": vids[1]}
    return _MADE[key]


def street(method: str, template: str, what: str, **kw: Any) -> Any:
    """One variant per sample street, the path filled with that street's ``what`` record."""

    def build(ctx: Ctx) -> list[Any]:
        return [(s, s, lambda c, who, s=s: (method, template.format(id=made(c, s)[what]), dict(kw))) for s in ctx.data]

    return build


def street_body(method: str, path: str, body: Any, form: bool = False) -> Any:
    def build(ctx: Ctx) -> list[Any]:
        return [
            (s, s, lambda c, who, s=s: (method, path, {("data" if form else "json"): body(c, s)})) for s in ctx.data
        ]

    return build


def _vote_body(ctx: Ctx, s: str) -> dict[str, Any]:
    now = clock.now()
    return {
        "estate_id": ctx.data[s].estate,
        "title": "授权矩阵发起",
        "matter": "rules",
        "record_date": clock.today().isoformat(),
        "opens_at": now.isoformat(),
        "closes_at": (now + timedelta(days=3)).isoformat(),
    }


def _vote_form(ctx: Ctx, s: str) -> dict[str, Any]:
    t = clock.today()
    return {
        "estate_id": str(ctx.data[s].estate),
        "title": "授权矩阵发起",
        "matter": "rules",
        "record_date": t.isoformat(),
        "opens_on": t.isoformat(),
        "closes_on": (t + timedelta(days=3)).isoformat(),
    }


def _assembly(ctx: Ctx, s: str) -> dict[str, Any]:
    return {"estate_id": ctx.data[s].estate, "filing_no": f"AZ-{next(ctx.counter)}", "established_on": "2021-05-01"}


API = "/api/v1/property"
AUDIT = {"audited_on": clock.today().isoformat(), "auditor": "授权矩阵会计师事务所", "result": "clean"}
NEGATIVE = {"kind": "disclosure_failure", "occurred_on": clock.today().isoformat(), "note": "矩阵"}
SUP, READ, OWN = "estates.supervise", "estates.read", "estates.own"

CASES: dict[tuple[str, str], Case] = {
    # REST: organisations
    ("GET", f"{API}/assemblies"): Case(one("GET", f"{API}/assemblies"), scoping=None, perm=READ),
    ("POST", f"{API}/assemblies"): Case(street_body("POST", f"{API}/assemblies", _assembly), ok={201, 409}, perm=SUP),
    ("POST", f"{API}/assemblies/{{assembly_id}}/committees"): Case(
        street(
            "POST",
            API + "/assemblies/{id}/committees",
            "assembly",
            json={"term_starts_on": "2025-01-01", "term_ends_on": "2029-12-31", "members": []},
        ),
        ok={422},
        perm=SUP,
    ),
    ("GET", f"{API}/committees/{{committee_id}}"): Case(
        street("GET", API + "/committees/{id}", "committee"), perm=READ
    ),
    ("POST", f"{API}/committees/{{committee_id}}/audits"): Case(
        street("POST", API + "/committees/{id}/audits", "committee", json=AUDIT), perm=SUP
    ),
    ("POST", f"{API}/committees/{{committee_id}}/negative"): Case(
        street("POST", API + "/committees/{id}/negative", "committee", json=NEGATIVE), perm=SUP
    ),
    ("POST", f"{API}/negative/{{item_id}}/clear"): Case(
        street("POST", API + "/negative/{id}/clear", "negative", json={"cleared_on": clock.today().isoformat()}),
        ok={200, 409},
        perm=SUP,
    ),
    # REST: votes
    ("GET", f"{API}/votes"): Case(one("GET", f"{API}/votes"), scoping=None, perm=READ),
    ("POST", f"{API}/votes"): Case(street_body("POST", f"{API}/votes", _vote_body), perm=SUP),
    ("GET", f"{API}/votes/{{vote_id}}"): Case(street("GET", API + "/votes/{id}", "vote"), perm=READ),
    ("POST", f"{API}/votes/{{vote_id}}/open"): Case(
        street("POST", API + "/votes/{id}/open", "vote"), ok={422}, perm=SUP
    ),
    ("POST", f"{API}/votes/{{vote_id}}/cancel"): Case(
        street("POST", API + "/votes/{id}/cancel", "vote_cancel"), ok={200, 409}, perm=SUP
    ),
    ("POST", f"{API}/votes/{{vote_id}}/close"): Case(
        street("POST", API + "/votes/{id}/close", "vote"), ok={409}, perm=SUP
    ),
    ("POST", f"{API}/votes/{{vote_id}}/paper-ballots"): Case(
        street(
            "POST",
            API + "/votes/{id}/paper-ballots",
            "vote",
            json={"credit_code": "91320102MA1X0000A0", "choice": "yes", "confirmed": True},
        ),
        ok={404},
        perm=SUP,
    ),
    ("POST", f"{API}/votes/{{vote_id}}/tally"): Case(
        street("POST", API + "/votes/{id}/tally", "vote"), ok={409}, perm=SUP
    ),
    ("GET", f"{API}/votes/{{vote_id}}/tally.json"): Case(
        street("GET", API + "/votes/{id}/tally.json", "vote"), ok={404}, scoping=None, perm="public"
    ),
    # REST: the owner's own
    ("GET", f"{API}/my/estates"): Case(one("GET", f"{API}/my/estates"), scoping=None, perm=OWN),
    ("GET", f"{API}/my/votes"): Case(one("GET", f"{API}/my/votes"), scoping=None, perm=OWN),
    ("POST", f"{API}/my/votes/{{vote_id}}/ballot"): Case(
        street("POST", API + "/my/votes/{id}/ballot", "vote", json={"choice": "yes"}),
        ok={404},
        scoping=None,
        perm=OWN,
    ),
    ("GET", f"{API}/my/votes/{{vote_id}}/ballot"): Case(
        street("GET", API + "/my/votes/{id}/ballot", "vote"), ok={404}, scoping=None, perm=OWN
    ),
    # pages
    ("GET", "/property/owners"): Case(one("GET", "/property/owners"), scoping=None, perm=READ),
    ("POST", "/property/owners"): Case(
        street_body(
            "POST", "/property/owners", lambda c, s: {k: str(v) for k, v in _assembly(c, s).items()}, form=True
        ),
        ok={303, 409},
        perm=SUP,
    ),
    ("GET", "/property/owners/assemblies/{assembly_id}/committee"): Case(
        street("GET", "/property/owners/assemblies/{id}/committee", "assembly"), perm=SUP
    ),
    ("POST", "/property/owners/assemblies/{assembly_id}/committee"): Case(
        street(
            "POST",
            "/property/owners/assemblies/{id}/committee",
            "assembly",
            data={"term_starts_on": "2025-01-01", "term_ends_on": "2029-12-31"},
        ),
        ok={422},
        perm=SUP,
    ),
    ("GET", "/property/owners/committees/{committee_id}"): Case(
        street("GET", "/property/owners/committees/{id}", "committee"), perm=READ
    ),
    ("POST", "/property/owners/committees/{committee_id}/audits"): Case(
        street("POST", "/property/owners/committees/{id}/audits", "committee", data=AUDIT), perm=SUP
    ),
    ("POST", "/property/owners/committees/{committee_id}/negative"): Case(
        street("POST", "/property/owners/committees/{id}/negative", "committee", data=NEGATIVE), perm=SUP
    ),
    ("POST", "/property/owners/negative/{item_id}/clear"): Case(
        street("POST", "/property/owners/negative/{id}/clear", "negative", data={}), ok={303, 409}, perm=SUP
    ),
    ("GET", "/property/votes"): Case(one("GET", "/property/votes"), scoping=None, perm=READ),
    ("GET", "/property/votes/export.csv"): Case(one("GET", "/property/votes/export.csv"), scoping=None, perm=READ),
    ("POST", "/property/votes"): Case(street_body("POST", "/property/votes", _vote_form, form=True), perm=SUP),
    ("GET", "/property/votes/{vote_id}"): Case(street("GET", "/property/votes/{id}", "vote"), perm=READ),
    ("GET", "/property/votes/{vote_id}/close"): Case(street("GET", "/property/votes/{id}/close", "vote"), perm=SUP),
    ("POST", "/property/votes/{vote_id}/close"): Case(
        street("POST", "/property/votes/{id}/close", "vote", data={"confirm": "yes"}), ok={409}, perm=SUP
    ),
    ("GET", "/property/votes/{vote_id}/paper"): Case(street("GET", "/property/votes/{id}/paper", "vote"), perm=SUP),
    ("POST", "/property/votes/{vote_id}/paper"): Case(
        street("POST", "/property/votes/{id}/paper", "vote", data={"credit_code": "x", "choice": "yes"}),
        ok={404},
        perm=SUP,
    ),
    ("POST", "/property/votes/{vote_id}/{action}"): Case(
        street("POST", "/property/votes/{id}/tally", "vote"), ok={409}, perm=SUP
    ),
    ("GET", "/property/mine"): Case(one("GET", "/property/mine"), scoping=None, perm=OWN),
    ("GET", "/property/mine/votes/{vote_id}"): Case(
        street("GET", "/property/mine/votes/{id}", "vote"), ok={404}, scoping=None, perm=OWN
    ),
    ("POST", "/property/mine/votes/{vote_id}"): Case(
        street("POST", "/property/mine/votes/{id}", "vote", data={"choice": "yes"}), ok={404}, scoping=None, perm=OWN
    ),
}
