"""The generator's run (owners, then the applications day by day, then the assisted homes and the
draws' candidates) and :func:`generate_people`, its entry point."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import Engine, false, func, select

from anju.assistance import applications, assisted_homes, draw_candidates, draws
from anju.core import clock, dialect
from anju.core.errors import Conflict
from anju.registry import home_owners, homes
from anju.security import Keyring
from anju.synth.people.applications import Applications
from anju.synth.people.model import HOMES_AT_FULL_SCALE, SHARED_PRICE_FEN_PER_M2, PeopleReport
from anju.synth.people.owners import Owners
from anju.synth.people.rows import TABLES


class PeopleGenerator(Applications, Owners):
    """Owners first (their homes and sample feed the applicants), then the applications day by day."""

    def run(self) -> PeopleReport:
        self.out_benefit = []
        self.out_allocations = []
        self.candidates = []
        self.first_app = dialect.next_ids(self.conn, applications, 1)
        self.first_draw = dialect.next_ids(self.conn, draws, 1)
        self.load()
        self.progress("保障项目已载入", 0.03)
        self.owners()
        self.out.flush()
        self.applications()
        for hid in sorted(self.assisted):
            prog, dcode, scode, bedrooms, area, since, status = self.assisted[hid]
            policy = self.policies[prog][-1][0]
            rent = policy.rent_fen_per_m2 * area // 100 if policy.rent_fen_per_m2 else None
            price = SHARED_PRICE_FEN_PER_M2 * area // 100 if prog == "shared_ownership" else None
            self.out.add(assisted_homes, (hid, prog, dcode, scode, bedrooms, area, rent, price, status, since))
            self.report.assisted_homes[prog] = self.report.assisted_homes.get(prog, 0) + 1
        for row in self.candidates:
            self.out.add(draw_candidates, row)
        self.out.flush()
        return self.report


def generate_people(
    engine: Engine,
    keyring: Keyring,
    seed: int,
    *,
    scale: float | None = None,
    today: date | None = None,
    batch: int = 5000,
    progress: Callable[[str, float], None] | None = None,
    city_code: str = "320100",
) -> PeopleReport:
    """Owners, assisted homes and the assistance history of a synthetic city built by ``generate``.

    ``scale`` defaults to the register's size relative to the full-scale city. Refuses a database that
    already has owners or applications."""
    today = today or clock.today()
    report_progress = progress or (lambda msg, frac: None)
    with dialect.bulk_load(engine) as conn:
        n_homes = conn.execute(select(func.count()).select_from(homes)).scalar_one()
        if not n_homes:
            raise Conflict("登记簿为空：请先生成合成城市（anju synth）")
        for t in (home_owners, applications):
            if conn.execute(select(t.c.id).limit(1)).first() is not None:
                raise Conflict("已有产权人或保障申请数据：合成人口只能写入尚无这些数据的库")
        if scale is None:
            scale = n_homes / HOMES_AT_FULL_SCALE
        if not 0 < scale <= 2:
            raise ValueError("scale must be in (0, 2]")
        gen = PeopleGenerator(conn, keyring, seed, scale, today, batch, report_progress, city_code)
        # pysqlite opens its transaction only at the first INSERT/UPDATE/DELETE, and DDL before that
        # commits by itself: this no-op keeps the index drops below inside the load's transaction
        # (a failed or interrupted load then leaves the indexes as they were)
        conn.execute(home_owners.delete().where(false()))
        with dialect.deferred_indexes(conn, TABLES):
            report = gen.run()
            report_progress("正在建立索引", 0.96)
        dialect.reset_sequences(conn, [applications, draws])
        dialect.refresh_statistics(conn)
    dialect.after_bulk_load(engine, TABLES)
    report_progress("完成", 1.0)
    return report
