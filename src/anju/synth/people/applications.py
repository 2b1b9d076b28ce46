"""Applications from 2021 to today, simulated day by day through the review flow the services
implement: the check at submission, review levels with deadlines, returns, rejections, the public
notice, objections and approval; home programmes then wait for their lottery (:mod:`.history`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from anju.assistance import (
    AppStatus,
    Policy,
    benefits,
    domain,
    evaluate,
    load_policies,
    load_programmes,
    programme_editions,
    sample_policy_path,
)
from anju.credit import credit_events
from anju.divisions import divisions_table
from anju.registry import estates
from anju.synth import names
from anju.synth.people.history import History
from anju.synth.people.model import (
    ACTOR,
    AGES,
    APPLICATION_SHARE,
    ASSISTED_AT_FULL_SCALE,
    EARNER_MEDIAN,
    INTAKE_DAYS,
    INTAKE_FACTOR,
    LOCAL_HUKOU,
    SIZES,
    START,
    TIER_MEDIAN,
    TIER_WEIGHTS,
    App,
    Person,
    facts_on,
    office_time,
    recorded_at,
)


class Applications(History):
    # -- programmes and places -------------------------------------------------------------------
    def load(self) -> None:
        policies = load_policies(sample_policy_path(self.city_code))
        self.report.programmes_loaded = load_programmes(self.conn, policies)
        q = select(programme_editions.c.id, programme_editions.c.code, programme_editions.c.edition)
        ids = {(r.code, r.edition): int(r.id) for r in self.conn.execute(q)}
        for p in policies:
            self.policies.setdefault(p.code, []).append((p, ids[(p.code, p.edition)]))
        for eds in self.policies.values():
            eds.sort(key=lambda x: (x[0].effective_from, x[0].edition))
        parents = {
            r.code: r.parent_code
            for r in self.conn.execute(
                select(divisions_table.c.code, divisions_table.c.parent_code).where(divisions_table.c.level == "street")
            )
        }
        q2 = select(estates.c.street_code, func.count()).group_by(estates.c.street_code)
        counts = {r[0]: int(r[1]) for r in self.conn.execute(q2)}
        streets = sorted(s for s in parents if parents[s])
        cum: list[float] = []
        tot = 0.0
        for s in streets:
            tot += 1 + counts.get(s, 0)
            cum.append(tot)
        self.streets = ([(s, str(parents[s])) for s in streets], cum)

    def policy_on(self, code: str, on: date) -> tuple[Policy, int] | None:
        found = [x for x in self.policies.get(code, []) if x[0].in_force(on)]
        return found[-1] if found else None

    # -- applications ----------------------------------------------------------------------------
    def applications(self) -> None:
        draws_at: list[tuple[date, str]] = []
        for code, eds in self.policies.items():
            p0 = eds[0][0]
            if p0.benefit != domain.Benefit.home or not p0.lottery:
                continue
            for y in range(START.year, self.today.year + 1):
                for m in (3, 9):
                    d = date(y, m, 20)
                    if p0.effective_from + timedelta(days=60) <= d < self.today:
                        draws_at.append((d, code))
        draws_at.sort()
        di = 0
        last_month = ""
        for i, c in enumerate(self._creation_days()):
            while di < len(draws_at) and draws_at[di][0] < c:
                self.draw(*draws_at[di])
                di += 1
            self.application(c)
            month = f"{c:%Y-%m}"
            if month != last_month:
                last_month = month
                self.progress(f"保障申请：{month}", 0.55 + 0.4 * i / self.n_apps)
        while di < len(draws_at):
            self.draw(*draws_at[di])
            di += 1
        for code in sorted(self.waiting):
            for a in self.waiting[code]:
                self.finish(a)
        self.waiting.clear()

    def _creation_days(self) -> Iterator[date]:
        """``n_apps`` days from START to today: weekdays busier, a little growth every year, and the
        last INTAKE_DAYS an intake window with INTAKE_FACTOR times the usual applications a day (so the
        review queues have work in them today)."""
        days = [START + timedelta(days=i) for i in range((self.today - START).days + 1)]
        window = self.today - timedelta(days=INTAKE_DAYS)
        w = [
            (0.3 if d.weekday() >= 5 else 1.0)
            * (1 + 0.1 * (d - START).days / 365)
            * (INTAKE_FACTOR if d > window else 1.0)
            for d in days
        ]
        total = sum(w)
        cum = 0.0
        prev = 0
        for d, x in zip(days, w, strict=True):
            cum += x
            k = round(self.n_apps * cum / total)
            for _ in range(k - prev):
                yield d
            prev = k

    def pick_programme(self, c: date) -> tuple[str, Policy, int]:
        rng = self.ra
        codes = [k for k in APPLICATION_SHARE if self.policy_on(k, c) is not None]
        code = rng.choices(codes, [APPLICATION_SHARE[k] for k in codes])[0]
        found = self.policy_on(code, c)
        assert found is not None
        return code, found[0], found[1]

    def applicant(self, code: str, c: date) -> Person:
        rng = self.ra
        lo, hi, mode = AGES[code]
        x = rng.random()
        if x < 0.05 and self.owner_sample:
            for _ in range(4):
                i = rng.randrange(len(self.owner_sample))
                p = self.owner_sample[i]
                if 18 <= c.year - p.birth.year <= 85:
                    self.owner_sample[i] = self.owner_sample[-1]
                    self.owner_sample.pop()
                    return p
        elif x < 0.10 and self.reuse:
            for _ in range(4):
                i = rng.randrange(len(self.reuse))
                free, p = self.reuse[i]
                if free <= c and 18 <= c.year - p.birth.year <= 85:
                    self.reuse[i] = self.reuse[-1]
                    self.reuse.pop()
                    return p
        age = int(rng.triangular(lo, hi + 1, mode))
        y = max(1940, min(c.year - age, 2005))
        birth = date(y, 1, 1) + timedelta(days=rng.randint(0, 364))
        local = rng.random() < LOCAL_HUKOU.get(code, 0.45)
        p = self.new_person(rng, birth, rng.random() < 0.5, local)
        self.extras(p, c)
        return p

    def extras(self, p: Person, c: date) -> None:
        """A few persons have a credit event or a benefit from before the platform's records."""
        rng = self.ra
        if c.year - p.birth.year < 18:
            return
        x = rng.random()
        if x < 0.012:
            kind, sev = rng.choices(names.CREDIT_KINDS, (0.35, 0.35, 0.15, 0.15))[0]
            lo = date(2016, 1, 1)
            occ = lo + timedelta(days=rng.randint(0, max(0, (c - lo).days - 30)))
            exp = None if rng.random() < 0.1 else domain.add_years(occ, rng.randint(2, 5))
            self.credit_serial += 1
            ref = f"SYN-CR-{self.credit_serial:08d}"
            # the reporter as the event catalogue names it (a court's list comes through the department feed);
            # these records predate the platform: loaded as history, they have no leaf in the log
            source = "department" if kind.startswith("court.") else kind.split(".")[0]
            self.out.add(
                credit_events,
                ("person", p.bidx, source, kind, sev, occ, exp, ref, None, "{}", recorded_at(occ), None),
            )
            self.report.credit_events += 1
            p.credit.append((kind, sev, occ, exp))
        elif x < 0.02:
            prog = rng.choice(("public_rental", "rent_subsidy", "talent_subsidy"))
            since = date(rng.randint(2014, 2020), rng.randint(1, 12), rng.randint(1, 28))
            until = None if rng.random() < 0.6 else domain.add_years(since, rng.randint(1, 6))
            kind = "home" if prog == "public_rental" else "subsidy"
            self.out.add(benefits, (p.bidx, None, prog, kind, since, until))
            self.report.benefits += 1
            p.benefits.append((prog, since, until))

    def household(
        self, code: str, policy: Policy, c: date, head: Person
    ) -> tuple[list[Person], list[domain.Member], str | None]:
        rng = self.ra
        talent = bool(policy.talent_tiers)
        group = "talent" if talent else "resettlement" if code == "resettlement" else "young"
        if code in ("public_rental", "rent_subsidy", "shared_ownership"):
            group = "family"
        size = rng.choices(range(1, 7), SIZES[group])[0]
        tier = rng.choices(("A", "B", "C", "D"), TIER_WEIGHTS[code])[0] if talent else None
        median = TIER_MEDIAN[tier] if tier else EARNER_MEDIAN[code]
        persons = [head]
        relations = ["本人"]
        for _ in range(size - 1):
            rel, p = self._relative(head, relations, c)
            if rel in ("配偶", "父母"):
                self.extras(p, c)
            persons.append(p)
            relations.append(rel)
        members = [
            self._member(i, p, rel, c, talent, median)
            for i, (p, rel) in enumerate(zip(persons, relations, strict=True))
        ]
        return persons, members, tier

    def _relative(self, head: Person, relations: list[str], c: date) -> tuple[str, Person]:
        """The next member of the head's household: a spouse, a child, a parent or another relative."""
        rng = self.ra
        age = c.year - head.birth.year
        if "配偶" not in relations and rng.random() < 0.85 and age >= 20:
            rel = "配偶"
            b = min(head.birth + timedelta(days=rng.randint(-1500, 1500)), date(c.year - 20, 12, 31))
        elif age >= 24 and relations.count("子女") < 3:
            rel = "子女"
            b = date(min(head.birth.year + rng.randint(22, 38), c.year - 1), 1, 1) + timedelta(days=rng.randint(0, 364))
            if b >= c:
                b = c - timedelta(days=rng.randint(30, 300))
        elif age <= 58 and relations.count("父母") < 2:
            rel = "父母"
            b = max(date(1940, 1, 1), head.birth - timedelta(days=365 * rng.randint(22, 34)))
        else:
            rel = "其他"
            b = head.birth + timedelta(days=rng.randint(-2500, 2500))
        b = min(max(b, date(1940, 1, 1)), c - timedelta(days=30))
        local = head.local if rel in ("子女", "配偶") and rng.random() < 0.9 else rng.random() < 0.5
        return rel, self.new_person(rng, b, rng.random() < 0.5 if rel != "配偶" else not head.male, local)

    def _member(self, i: int, p: Person, rel: str, c: date, talent: bool, median: int) -> domain.Member:
        """A member's income, assets, employment and hukou as the application declares them."""
        rng = self.ra
        a = c.year - p.birth.year
        if a < 18 or (rel == "子女" and a < 22 and rng.random() < 0.8):
            income = assets = 0
            employed = False
            months = 0
        elif a >= 60:
            income = int(rng.lognormvariate(10.4, 0.35)) * 100 if rng.random() < 0.85 else 0
            assets = int(rng.lognormvariate(10.8, 1.0)) * 100
            employed = rng.random() < 0.05
            months = min((a - 16) * 12, rng.randint(0, 360)) if employed else 0
        else:
            employed = rng.random() < (0.97 if talent else 0.92 if i == 0 else 0.8)
            income = int(rng.lognormvariate(0, 0.5) * median) * 100 if employed else 0
            assets = int(rng.lognormvariate(10.6, 1.0)) * 100
            top = max(0, min((a - 16) * 12, 360))
            if not employed:
                months = 0
            elif rng.random() < 0.07 or top < 6:
                months = rng.randint(0, min(5, top))
            else:
                months = rng.randint(6, top)
        local = p.local
        # hukou since birth, or moved in some years ago
        years = (a if rng.random() < 0.6 or rel == "子女" else rng.randint(0, max(0, a))) if local else 0
        return domain.Member(rel, p.birth.year, income, assets, local, years, months, employed, p.bidx)

    def application(self, c: date) -> None:
        rng = self.ra
        code, policy, edition_id = self.pick_programme(c)
        head = self.applicant(code, c)
        persons, members, tier = self.household(code, policy, c, head)
        streets, cum = self.streets
        street, district = rng.choices(streets, cum_weights=cum)[0]
        self.next_app += 1
        self.app_seq[c.year] += 1
        app_no = f"BZ{c.year}{self.app_seq[c.year]:07d}"
        now = facts_on(persons, c)
        if now.homes_owned:
            housing = "owned"
        elif set(now.supported_by) & set(ASSISTED_AT_FULL_SCALE):
            housing = "assisted"
        else:
            housing = rng.choices(("rented", "other", "none"), (0.85, 0.1, 0.05))[0]
        industry = employer = None
        if tier:
            industry = rng.choice(names.INDUSTRIES)
            employer = f"南京{rng.choice(names.ESTATE_HEADS)}{rng.choice(names.EMPLOYER_TAILS)}（合成）"
        phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        app = App(
            self.first_app + self.next_app - 1,
            app_no,
            code,
            policy,
            edition_id,
            district,
            street,
            office_time(c, rng),
            persons,
            members,
            tier,
            industry,
            employer,
            housing,
            phone,
        )
        app.step(app.created, "applicant", "create", AppStatus.draft.value)
        self.report.members_owning_homes += sum(1 for p in persons if p.holdings)
        self.flow(app, c)

    def check(self, app: App, on: date, store: bool = True) -> domain.Eligibility:
        e = evaluate(app.policy, domain.Household(tuple(app.members), app.tier), facts_on(app.persons, on), on)
        if store:
            app.eligible = e.eligible
            app.eligibility = e.to_json()
            app.priority = e.priority_class
            app.checked_at = max(recorded_at(on), app.last)  # the submission step sets its own time below
        return e

    def flow(self, app: App, c: date) -> None:
        """The application's way through the review, from its creation to its state today (or until
        it waits for a draw). Every branch that leaves the application where it is today writes it."""
        rng = self.ra
        today = self.today
        sub = min(c + timedelta(days=rng.choice((0, 0, 0, 1, 1, 2, 3))), today)
        if (today - c).days < 45 and rng.random() < 0.2:  # a draft not yet submitted
            if rng.random() < 0.5:
                self.check(app, sub)
            self.finish(app)
            return
        t = self._submit(app, sub)
        returned = False
        for level in app.policy.review_levels:
            if t is None:
                return
            t, returned = self._review(app, level, t, returned)
        if t is None:
            return
        app.level = app.due_at = None
        notice_until = app.notice_until = t + timedelta(days=app.policy.notice_days)
        if not self._notice(app, t):
            return
        if notice_until.date() > today:
            self.finish(app)
            return
        t = app.step(max(notice_until, app.last), "system", "approve_final", AppStatus.approved.value)
        app.decided_at = t
        app.approved_on = t.date()
        if app.policy.benefit == domain.Benefit.home:
            self.waiting[app.code].append(app)
            return
        self._support(app, app.approved_on)

    def _submit(self, app: App, on: date) -> datetime | None:
        """Submit the application (the time of its submission), or refuse it with the failed rules
        named: the applicant gives up or waits (None: written as it stands)."""
        rng = self.ra
        if self.check(app, on).eligible:
            self.report.eligible_at_check += 1
        else:
            self.report.ineligible_at_check += 1
            quit_day = on + timedelta(days=rng.randint(5, 40))
            if quit_day <= self.today and rng.random() < 0.6:
                app.step(office_time(quit_day, rng), "applicant", "withdraw", AppStatus.withdrawn.value)
                app.closed_at = app.last
            self.finish(app)
            return None
        t = app.step(office_time(on, rng), "applicant", "submit", AppStatus.submitted.value)
        app.submitted_at = app.checked_at = t
        return t

    def _review(self, app: App, level: str, t: datetime, returned: bool) -> tuple[datetime | None, bool]:
        """One review level, from ``t``: (the time it approved, whether the application was returned
        once), or None where the application stops today (waiting, rejected, withdrawn; written)."""
        rng = self.ra
        days = app.policy.review_days[level]
        while True:
            app.level = level
            app.due_at = t + timedelta(days=days)
            late = rng.random() < 0.12
            delay = rng.randint(days + 1, 2 * days) if late else rng.randint(max(1, days // 2), days)
            day = t.date() + timedelta(days=delay)
            if day > self.today:
                self.finish(app)  # waiting at this level
                return None, returned
            x = rng.random()
            if x < 0.04 and not returned:
                returned = True
                resubmitted = self._return(app, level, day)
                if resubmitted is None:
                    return None, returned
                t = resubmitted
                continue
            if x < 0.10:
                self._close_at_review(app, level, day, rejected=x < 0.085)
                return None, returned
            last = level == app.policy.review_levels[-1]
            to = AppStatus.notice.value if last else AppStatus.submitted.value
            return app.step(office_time(day, rng), level, "approve", to), returned

    def _return(self, app: App, level: str, day: date) -> datetime | None:
        """Returned for more documents: resubmitted some days later (the time), or withdrawn or still
        with the applicant today (None; written)."""
        rng = self.ra
        app.step(office_time(day, rng), level, "return", AppStatus.returned.value, rng.choice(names.RETURN_REASONS))
        app.level = app.due_at = None
        again = day + timedelta(days=rng.randint(3, 25))
        if again > self.today:
            self.finish(app)
            return None
        if not self.check(app, again, store=False).eligible:
            t = app.step(office_time(again, rng), "applicant", "withdraw", AppStatus.withdrawn.value)
            app.closed_at = t
            self.finish(app)
            return None
        self.check(app, again)
        t = app.step(office_time(again, rng), "applicant", "submit", AppStatus.submitted.value)
        app.checked_at = t
        return t

    def _close_at_review(self, app: App, level: str, day: date, *, rejected: bool) -> None:
        rng = self.ra
        if rejected:
            at, reason = office_time(day, rng), rng.choice(names.REJECT_REASONS)  # in this order: one random stream
            t = app.step(at, level, "reject", AppStatus.rejected.value, reason)
            app.decided_at = t
        else:
            t = app.step(office_time(day, rng), "applicant", "withdraw", AppStatus.withdrawn.value)
        app.level = app.due_at = None
        app.closed_at = t
        self.finish(app)

    def _notice(self, app: App, t: datetime) -> bool:
        """The public notice from ``t``: rarely an objection. False when it stops the application today
        (still open, or upheld: written)."""
        rng = self.ra
        today = self.today
        if rng.random() >= 0.01:  # an objection during the notice: 1 in 100
            return True
        oday = t.date() + timedelta(days=rng.randint(1, max(1, app.policy.notice_days - 1)))
        if oday > today:
            return True
        at = office_time(oday, rng)
        app.step(at, "public", "objection", AppStatus.notice.value)
        rday = oday + timedelta(days=rng.randint(3, 15))
        upheld = rng.random() < 0.4
        text = rng.choice(names.OBJECTION_TEXTS)
        if rday > today:
            app.objections.append((text, at, "open", None, None, None))
            self.finish(app)
            return False
        rat = office_time(rday, rng)
        res = "经核查属实（合成）" if upheld else "经核查不属实（合成）"
        app.objections.append((text, at, "upheld" if upheld else "dismissed", res, ACTOR, rat))
        if upheld:
            t = app.step(rat, "district", "objection_upheld", AppStatus.rejected.value, res)
            app.decided_at = app.closed_at = t
            self.finish(app)
            return False
        app.step(rat, "district", "objection_dismissed", AppStatus.notice.value, res)
        return True

    def _support(self, app: App, approved_on: date) -> None:
        """A subsidy from approval on; a few end at their yearly review."""
        rng = self.ra
        until = None
        if app.policy.benefit == domain.Benefit.subsidy and rng.random() < 0.06:
            end = approved_on + timedelta(days=rng.randint(365, 900))
            if end <= self.today:
                until = end
        self.start_benefit(app, approved_on, until)
        if until is not None:
            t = app.step(
                office_time(until, rng), "district", "exit", AppStatus.exited.value, "年度复核不再符合条件（合成）"
            )
            app.closed_at = t
        self.finish(app)
