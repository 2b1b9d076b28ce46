"""The assistance history after approval: lotteries (摇号, through :mod:`anju.core.lottery`, the
one implementation of ``anju-lottery-v1``), allocations, benefits and exits — and writing an
application with everything about it once its state today is known."""

from __future__ import annotations

import heapq
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from anju.assistance import (
    AppStatus,
    allocations,
    application_members,
    application_steps,
    applications,
    benefits,
    domain,
    draws,
    objections,
)
from anju.core import lottery
from anju.synth.people.model import ACTOR, RENTAL, App, office_time, recorded_at
from anju.synth.people.state import GeneratorState


@dataclass(frozen=True)
class Tenancy:
    """How far an allocation got by today: selected, contracted, moved in, ended (on ``end_day``)."""

    status: str = "selected"
    contract_no: str | None = None
    contracted: datetime | None = None
    moved: datetime | None = None
    end_day: date | None = None


class History(GeneratorState):
    def start_benefit(self, app: App, since: date, until: date | None) -> None:
        kind = app.policy.benefit.value
        for p in app.persons:
            p.benefits.append((app.code, since, until))
            self.out_benefit.append((p.bidx, app.id, app.code, kind, since, until))

    # -- draws and allocation --------------------------------------------------------------------
    def take_home(self, code: str, bedrooms: int | None, on: date) -> int | None:
        pools = self.pool_homes[code]
        for b in range(bedrooms or 3, 0, -1):
            h = pools.get(b)
            if h and h[0][0] <= on:
                return heapq.heappop(h)[1]
        return None

    def draw(self, day: date, code: str) -> None:
        """The programme's lottery of ``day`` over the applications approved a week before, then the
        homes offered in the drawn order."""
        rng = self.ra
        waiting = self.waiting.get(code, [])
        frozen = day - timedelta(days=7)
        cands = sorted(
            (a for a in waiting if a.approved_on is not None and a.approved_on <= frozen), key=lambda a: a.id
        )
        if not cands:
            return
        seed = f"{rng.randrange(10**6):06d}"
        drawn = lottery.draw([a.app_no for a in cands], seed)
        self.next_draw += 1
        draw_id = self.first_draw + self.next_draw - 1
        draw_no = f"YH{day:%Y%m%d}{self.next_draw:04d}"
        policy = cands[0].policy
        half = "上" if day.month <= 6 else "下"
        self.out.add(
            draws,
            (
                draw_id,
                draw_no,
                code,
                None,
                f"{policy.name}{day.year}年{half}半年摇号（合成）",
                "drawn",
                drawn.algorithm,
                len(cands),
                drawn.list_hash,
                recorded_at(frozen),
                ACTOR,
                drawn.seed,
                "合成数据：由生成器种子派生",
                json.dumps(["公证员（合成）", "群众代表（合成）"], ensure_ascii=False),
                drawn.result_hash,
                recorded_at(day),
                ACTOR,
                None,
            ),
        )
        self.report.draws += 1
        rank = {app_no: i for i, app_no in enumerate(drawn.order, start=1)}
        by_no = {a.app_no: a for a in cands}
        for pos, a in enumerate(cands, start=1):  # written last: waiting applications are written later
            self.candidates.append((draw_id, pos, a.id, a.app_no, rank[a.app_no]))
        self.report.draw_candidates += len(cands)
        offered = max(1, round(len(cands) * rng.uniform(0.5, 0.9)))
        given = 0
        for app_no in drawn.order:
            if given >= offered:
                break
            a = by_no[app_no]
            home = self.take_home(code, a.policy.bedrooms_allowed(len(a.members)), day)
            if home is None:
                continue
            given += 1
            self.allocate(a, home, draw_id, draw_no, rank[app_no], day)
        self.waiting[code] = [a for a in waiting if not a.allocated]

    def allocate(self, a: App, home: int, draw_id: int, draw_no: str, rank: int, day: date) -> None:
        rng = self.ra
        info = self.assisted[home]
        a.allocated = True
        sel = min(day + timedelta(days=rng.randint(1, 10)), self.today)
        sel_at = a.step(
            office_time(sel, rng), "system", "allocate", AppStatus.allocated.value, f"摇号 {draw_no} 第 {rank} 号选房"
        )
        tenancy = self._tenancy(a, home, info, sel)
        status = tenancy.status
        end_day = tenancy.end_day
        ended = end_reason = None
        info[6] = "allocated"
        if end_day is not None:
            status = "ended"
            ended = office_time(end_day, rng)
            end_reason = rng.choice(("租户主动退出（合成）", "年度复核不再符合条件（合成）"))
            info[6] = "available"
            heapq.heappush(self.pool_homes[a.code][info[3]], (end_day, home))
        self.out_allocations.append(
            (
                a.id,
                home,
                a.code,
                draw_id,
                rank,
                status,
                None if end_day else 1,
                info[2],
                sel_at,
                ACTOR,
                tenancy.contract_no,
                tenancy.contracted,
                tenancy.moved,
                ended,
                end_reason,
            )
        )
        self.start_benefit(a, sel, end_day)
        if end_day is not None and ended is not None:
            t = a.step(ended, "district", "exit", AppStatus.exited.value, end_reason)
            a.closed_at = t
        self.finish(a)

    def _tenancy(self, a: App, home: int, info: list[Any], selected: date) -> Tenancy:
        """Contract and moving in after the selection (if their days have come); a few rental tenancies
        end; shared-ownership and resettlement households become owners at the contract."""
        rng = self.ra
        today = self.today
        cday = selected + timedelta(days=rng.randint(3, 15))
        if cday > today:
            return Tenancy()
        self.contract_serial += 1
        contract_no = f"HT{cday.year}{self.contract_serial:08d}"
        contracted = office_time(cday, rng)
        status = "contracted"
        moved = end_day = None
        mday = cday + timedelta(days=rng.randint(10, 40))
        if mday <= today:
            status = "moved_in"
            moved = office_time(mday, rng)
            if a.code in RENTAL and rng.random() < 0.05:
                e = mday + timedelta(days=rng.randint(180, 1000))
                if e <= today:
                    end_day = e
        if a.code not in RENTAL:  # shared ownership and resettlement: the household becomes owner
            head = a.persons[0]
            share = 100 if a.code == "resettlement" else rng.choice((60, 70, 80))
            self.own_person(home, head, share, cday, None, info[4])
            if share < 100 and self.housing_company is not None:
                hc = self.housing_company
                self.own(home, "org", hc.bidx, hc.code, hc.name, 100 - share, cday, None)
        return Tenancy(status, contract_no, contracted, moved, end_day)

    # -- writing an application ------------------------------------------------------------------
    def finish(self, app: App) -> None:
        """Write the application with everything about it, as it stands today."""
        pending = 1 if app.status in domain.PENDING else None
        self.out.add(applications, self._application_row(app))
        self.report.applications += 1
        self.report.statuses[app.status] = self.report.statuses.get(app.status, 0) + 1
        self._write_members(app, pending)
        self._write_history(app)
        if pending is None and app.status != AppStatus.draft:
            free = app.last.date() + timedelta(days=1)
            if len(self.reuse) < max(100, self.n_apps // 10):
                self.reuse.append((free, app.persons[0]))
            else:
                self.reuse[self.ra.randrange(len(self.reuse))] = (free, app.persons[0])

    def _application_row(self, app: App) -> tuple[Any, ...]:
        return (
            app.id,
            app.app_no,
            app.code,
            app.edition_id,
            None,
            app.district,
            app.street,
            app.status,
            app.level,
            app.due_at,
            app.priority,
            len(app.members),
            app.tier,
            app.industry,
            app.employer,
            app.housing_status,
            self.kr.encrypt(app.phone, "applications.contact_phone"),
            app.eligible,
            app.eligibility,
            app.checked_at,
            app.submitted_at,
            app.notice_until,
            app.decided_at,
            app.closed_at,
            app.created,
            app.last,
            len(app.steps),
        )

    def _write_members(self, app: App, pending: int | None) -> None:
        kr = self.kr
        for seq, (p, m) in enumerate(zip(app.persons, app.members, strict=True)):
            self.out.add(
                application_members,
                (
                    app.id,
                    seq,
                    m.relation,
                    kr.encrypt(p.name, "application_members.name"),
                    kr.encrypt(p.id_number, "application_members.id_number"),
                    p.bidx,
                    m.birth_year,
                    m.annual_income_fen,
                    m.assets_fen,
                    m.local_hukou,
                    m.hukou_years,
                    m.social_insurance_months,
                    m.employed,
                    pending,
                ),
            )
        self.report.members += len(app.persons)

    def _write_history(self, app: App) -> None:
        """The application's steps and objections, and the benefits and allocations held back for it."""
        for at, level, action, frm, to, reason in app.steps:
            self.out.add(application_steps, (app.id, at, ACTOR, level, action, frm, to, reason, None))
        self.report.steps += len(app.steps)
        for o in app.objections:
            self.out.add(objections, (app.id, *o))
        self.report.objections += len(app.objections)
        for b in self.out_benefit:
            self.out.add(benefits, b)
        self.report.benefits += len(self.out_benefit)
        self.out_benefit.clear()
        for al in self.out_allocations:
            self.out.add(allocations, al)
        self.report.allocations += len(self.out_allocations)
        self.out_allocations.clear()
