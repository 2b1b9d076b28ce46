"""One write rule for long jobs (security.audited_job): a job killed between its writes leaves either
its record and its audit row, or neither — never one without the other."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import Engine, func, select

from anju.addresses.tables import address_link_jobs, address_records
from anju.security import audit_log

#: Runs the demo's police link job over ``url`` and dies (``os._exit``, no clean-up, like kill -9) at
#: the named point: after the job's row is written, after its audit row is written (both before the
#: commit), or after the commit.
CHILD = textwrap.dedent(
    """
    import os, sys
    from anju.addresses import linking
    from anju.core.db import make_engine
    from anju.security import jobs

    url, kill_at = sys.argv[1], sys.argv[2]
    real_record, real_bulk = jobs.record, linking.dialect.bulk_insert

    def record(*a, **kw):
        real_record(*a, **kw)
        if kill_at == "after_audit_row":
            os._exit(9)

    def bulk_insert(conn, table, *a, **kw):
        if kill_at == "after_job_row" and table.name == "address_records":
            os._exit(9)
        return real_bulk(conn, table, *a, **kw)

    jobs.record = record
    linking.dialect.bulk_insert = bulk_insert
    linking.demo_link_job(make_engine(url), n=40, seed=5)
    if kill_at == "after_commit":
        os._exit(9)
    """
)


def _counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        jobs = conn.execute(select(func.count()).select_from(address_link_jobs)).scalar_one()
        records = conn.execute(select(func.count()).select_from(address_records)).scalar_one()
        audits = conn.execute(
            select(func.count()).select_from(audit_log).where(audit_log.c.action == "address.link")
        ).scalar_one()
    return jobs, records, audits


@pytest.mark.parametrize(
    ("kill_at", "kept"), [("after_job_row", False), ("after_audit_row", False), ("after_commit", True)]
)
def test_a_job_killed_between_its_writes_keeps_both_its_record_and_audit_or_neither(
    city_engine: Engine, kill_at: str, kept: bool
) -> None:
    assert _counts(city_engine) == (0, 0, 0)
    url = city_engine.url.render_as_string(hide_password=False)
    city_engine.dispose()
    child = subprocess.run([sys.executable, "-c", CHILD, url, kill_at], capture_output=True, text=True, check=False)
    assert child.returncode == 9, child.stderr[-2000:]
    jobs, records, audits = _counts(city_engine)
    assert (jobs, audits) == ((1, 1) if kept else (0, 0))
    assert records == (40 if kept else 0)


IMPORT_CHILD = textwrap.dedent(
    """
    import os, sys
    from anju.core.db import make_engine
    from anju.registry.imports import jobs as import_jobs
    from anju.security import jobs

    url, kill_at = sys.argv[1], sys.argv[2]
    real_record, real_finish = jobs.record, import_jobs._finish_job

    def record(*a, **kw):
        real_record(*a, **kw)
        if kill_at == "after_audit_row":
            os._exit(9)

    def finish(*a, **kw):
        real_finish(*a, **kw)
        if kill_at == "after_job_row":
            os._exit(9)

    jobs.record = record
    import_jobs._finish_job = finish
    import_jobs.import_file(make_engine(url), b"x\\n1\\n", "bad.csv")
    if kill_at == "after_commit":
        os._exit(9)
    """
)


@pytest.mark.parametrize(
    ("kill_at", "kept"), [("after_job_row", False), ("after_audit_row", False), ("after_commit", True)]
)
def test_an_import_killed_between_its_writes_keeps_its_job_and_audit_or_neither(
    empty_engine: Engine, kill_at: str, kept: bool
) -> None:
    from anju.registry.tables import import_jobs

    url = empty_engine.url.render_as_string(hide_password=False)
    empty_engine.dispose()
    child = subprocess.run(
        [sys.executable, "-c", IMPORT_CHILD, url, kill_at], capture_output=True, text=True, check=False
    )
    assert child.returncode == 9, child.stderr[-2000:]
    with empty_engine.connect() as conn:
        jobs = conn.execute(select(func.count()).select_from(import_jobs)).scalar_one()
        audits = conn.execute(
            select(func.count()).select_from(audit_log).where(audit_log.c.action == "registry.import")
        ).scalar_one()
    assert (jobs, audits) == ((1, 1) if kept else (0, 0))


def test_a_batched_recheck_writes_one_audit_row_with_its_counts_in_its_last_batch(people_engine: Engine) -> None:
    from anju.assistance import check_all

    out = check_all(people_engine, batch=2)
    assert out["checked"] > 2  # several batches
    with people_engine.connect() as conn:
        rows = conn.execute(
            select(audit_log.c.detail, audit_log.c.actor).where(audit_log.c.action == "assistance.check_all")
        ).all()
    assert len(rows) == 1
    assert json.loads(rows[0].detail) == {"programme": None, "checked": out["checked"], "eligible": out["eligible"]}
