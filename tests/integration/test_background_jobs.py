"""Background jobs (``anju.core.jobs``) on both databases: progress visible while the work runs, the
outcome recorded, failures reported without their internals, jobs visible to their owner only, and a
job whose process died shown as interrupted; the register's import page runs as one."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine

from anju.core import clock, jobs
from anju.core.db import UnitOfWork, unit_of_work
from anju.core.errors import NotFound, ValidationError

OWNER, OTHER = 7, 8


def _get(engine: Engine, data_dir: Path, job_id: int, owner: int | None = OWNER) -> jobs.JobView:
    with engine.connect() as c:
        return jobs.get(c, data_dir, job_id, owner=owner)


def _until(engine: Engine, data_dir: Path, job_id: int, ok: Any) -> jobs.JobView:
    deadline = time.monotonic() + 30  # a hang guard, not a speed check
    while True:
        view = _get(engine, data_dir, job_id)
        if ok(view) or time.monotonic() > deadline:
            return view
        time.sleep(0.02)


def test_a_job_shows_its_progress_while_it_runs_and_its_result_after(empty_engine: Engine, tmp_path: Path) -> None:
    half, go = threading.Event(), threading.Event()

    def work(progress: jobs.Progress) -> jobs.Done:
        progress("读取第一部分", 0.1)
        time.sleep(0.35)  # past the reporter's throttle: the next report is written
        progress("已完成一半", 0.5)
        half.set()
        assert go.wait(30)
        return jobs.Done("/imports/42", "完成：共 10 行")

    job_id = jobs.start(
        unit_of_work(empty_engine), tmp_path, kind="test.work", title="测试任务", owner=OWNER, work=work
    )
    assert half.wait(30)
    running = _until(empty_engine, tmp_path, job_id, lambda v: v["fraction"] == 0.5)
    assert (running["status"], running["message"], running["open"]) == ("running", "已完成一半", True)
    assert running["status_label"] == "进行中" and running["result_path"] is None
    go.set()
    jobs.wait(job_id)
    done = _get(empty_engine, tmp_path, job_id)
    assert (done["status"], done["fraction"], done["open"]) == ("done", 1.0, False)
    assert done["result_path"] == "/imports/42" and done["message"] == "完成：共 10 行"
    assert done["finished_at"] is not None and done["title"] == "测试任务"


def test_jobs_belong_to_their_owner(empty_engine: Engine, tmp_path: Path) -> None:
    mine = jobs.start(
        unit_of_work(empty_engine), tmp_path, kind="t", title="我的", owner=OWNER, work=lambda p: jobs.Done(None, "好")
    )
    jobs.wait(mine)
    with pytest.raises(NotFound):
        _get(empty_engine, tmp_path, mine, owner=OTHER)
    with pytest.raises(NotFound):
        _get(empty_engine, tmp_path, mine, owner=None)
    with empty_engine.connect() as c:
        assert [j["id"] for j in jobs.list_for(c, tmp_path, OWNER, offset=0, limit=10).items] == [mine]
        assert jobs.list_for(c, tmp_path, OTHER, offset=0, limit=10).total == 0


def test_a_refusal_fails_the_job_with_its_message_and_a_crash_without_its_internals(
    empty_engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def refused(progress: jobs.Progress) -> jobs.Done:
        progress("读取", 0.3)
        raise ValidationError.of("file", "文件格式不对")

    person = "3201021990" + "01011234"  # built here: the traceback's source lines must not show it either

    def crashed(progress: jobs.Progress) -> jobs.Done:
        raise RuntimeError(f"{person} secret detail")

    a = jobs.start(unit_of_work(empty_engine), tmp_path, kind="t", title="拒绝", owner=OWNER, work=refused)
    jobs.wait(a)
    b = jobs.start(unit_of_work(empty_engine), tmp_path, kind="t", title="崩溃", owner=OWNER, work=crashed)
    jobs.wait(b)
    va, vb = _get(empty_engine, tmp_path, a), _get(empty_engine, tmp_path, b)
    assert va["status"] == "failed" and "文件格式不对" in (va["error"] or "")
    assert va["fraction"] == 0.3 and va["message"] == "未完成"  # a failed job's bar is not shown full
    assert vb["status"] == "failed" and "secret" not in (vb["error"] or "") and "内部错误" in (vb["error"] or "")
    assert "RuntimeError" in caplog.text and "320102199001011234" not in caplog.text


def test_a_job_whose_process_is_gone_is_shown_interrupted(empty_engine: Engine, tmp_path: Path) -> None:
    host = socket.gethostname()
    with empty_engine.begin() as c:
        # this process's pid with another boot id: a restarted container that reused the dead one's pid
        reused = int(
            c.execute(
                jobs.background_jobs.insert()
                .values(kind="t", title="重启前", owner_account_id=OWNER, status="running",
                        runner=f"{host}:{os.getpid()}:0123456789ab", created_at=clock.now())
                .returning(jobs.background_jobs.c.id)
            ).scalar_one()
        )  # fmt: skip
        dead = int(
            c.execute(
                jobs.background_jobs.insert()
                .values(kind="t", title="重启前", owner_account_id=OWNER, status="running",
                        runner=f"{host}:999999999:0123456789ab", created_at=clock.now())
                .returning(jobs.background_jobs.c.id)
            ).scalar_one()
        )  # fmt: skip
    (tmp_path / "jobs").mkdir(exist_ok=True)
    (tmp_path / "jobs" / f"{dead}.json").write_text(json.dumps({"message": "写入", "fraction": 0.6}))
    view = _get(empty_engine, tmp_path, dead)
    assert (view["status"], view["open"], view["fraction"]) == ("interrupted", False, 0.6)
    assert _get(empty_engine, tmp_path, reused)["status"] == "interrupted"


def test_a_jobs_own_writes_go_through_the_unit_of_work(empty_engine: Engine, tmp_path: Path) -> None:
    """On SQLite the writers' queue is the unit of work's: a job's rows written around it would fail
    with "database is locked" while another job's import holds the database."""
    began: list[str] = []

    class Counting(UnitOfWork):
        @contextmanager
        def begin(self) -> Iterator[Connection]:
            began.append(threading.current_thread().name)
            with super().begin() as conn:
                yield conn

    uow = Counting(empty_engine, group_commit=False)
    job_id = jobs.start(uow, tmp_path, kind="t", title="计数", owner=OWNER, work=lambda p: jobs.Done(None, "好"))
    jobs.wait(job_id)
    assert _get(empty_engine, tmp_path, job_id)["status"] == "done"
    assert len(began) == 3  # recorded (request thread), running and finished (job thread)
    assert began[0] != "anju-job" and all(n.startswith("anju-job") for n in began[1:])


def test_the_import_page_runs_the_import_as_a_job_with_a_page_that_updates_itself(live_server: Any) -> None:
    from tests.integration.test_import import GOOD_ROWS, csv_bytes

    with live_server.client("city") as client:
        form = client.post(
            "/imports",
            files={"file": ("楼盘表.csv", csv_bytes(GOOD_ROWS), "text/csv")},
            data={"source": "presale", "mode": "all_or_nothing"},
        )
        assert form.status_code == 303 and form.headers["location"].startswith("/jobs/"), form.text
        job_path = form.headers["location"]
        deadline = time.monotonic() + 60
        while (job := client.get("/api/v1" + job_path).json())["open"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert job["status"] == "done" and job["title"] == "楼盘表导入：楼盘表.csv", job
        assert job["result_path"].startswith("/imports/") and "新建 4" in job["message"]
        page = client.get(job_path, headers={"accept": "text/html"})
        assert page.status_code == 200 and "查看结果" in page.text and job["result_path"] in page.text
        assert "hx-trigger" not in page.text  # a finished job's page stops polling
        fragment = client.get(job_path, headers={"hx-request": "true"})
        assert fragment.status_code == 200 and "<html" not in fragment.text and "已完成" in fragment.text
        assert "完成时间" in fragment.text and "<dd>—</dd>" not in fragment.text  # it holds the end time
        report = client.get(job["result_path"], headers={"accept": "text/html"})
        assert report.status_code == 200 and "楼盘表.csv" in report.text
        mine = client.get("/jobs", headers={"accept": "text/html"})
        assert mine.status_code == 200 and job_path in mine.text
    with live_server.client("district") as other:
        assert other.get("/api/v1" + job_path).status_code == 404


def test_a_job_that_ends_deletes_older_jobs_files(empty_engine: Engine, tmp_path: Path) -> None:
    """After a job ends, files of jobs older than ``job_result_days`` are deleted (once an hour per process)."""
    stale = jobs.results_dir(tmp_path, "market-reports") / "1" / "market-report-old.pdf"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"%PDF")
    long_ago = time.time() - 8 * 86_400
    os.utime(stale, (long_ago, long_ago))
    fresh = stale.with_name("market-report-new.pdf")
    fresh.write_bytes(b"%PDF")
    job_id = jobs.start(
        unit_of_work(empty_engine), tmp_path, kind="test.work", title="测试任务", owner=OWNER,
        work=lambda progress: jobs.Done("/imports/1", "完成"),
    )  # fmt: skip
    jobs.wait(job_id)
    assert _get(empty_engine, tmp_path, job_id)["status"] == "done"
    assert not stale.exists() and fresh.exists()
