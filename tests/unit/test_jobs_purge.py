"""Jobs' files are kept ``job_result_days`` and then deleted (``anju.core.jobs.purge``), without a database."""

from __future__ import annotations

import os
import time
from pathlib import Path

from click.testing import CliRunner

from anju.cli import main
from anju.core import jobs

DAY = 86_400


def _file(path: Path, age_days: float, now: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    os.utime(path, (now - age_days * DAY, now - age_days * DAY))
    return path


def test_purge_deletes_results_and_progress_older_than_the_retention_only(tmp_path: Path) -> None:
    now = time.time()
    old_report = _file(jobs.results_dir(tmp_path, "market-reports") / "7" / "old.pdf", 8, now)
    new_report = _file(jobs.results_dir(tmp_path, "market-reports") / "7" / "new.pdf", 6, now)
    old_progress = _file(tmp_path / "jobs" / "1.json", 30, now)
    new_progress = _file(tmp_path / "jobs" / "2.json", 0, now)
    elsewhere = _file(tmp_path / "uploads" / "old.pdf", 300, now)  # not a job's file: never touched
    assert jobs.purge(tmp_path, 7, now=now) == 2
    assert not old_report.exists() and not old_progress.exists()
    assert new_report.exists() and new_progress.exists() and elsewhere.exists()
    assert jobs.purge(tmp_path, 7, now=now) == 0
    assert jobs.purge(tmp_path / "nothing-here", 7, now=now) == 0


def test_anju_jobs_purge_uses_the_setting_or_the_days_given(tmp_path: Path) -> None:
    now = time.time()
    a = _file(jobs.results_dir(tmp_path, "plan-evaluations") / "a.docx", 10, now)
    b = _file(jobs.results_dir(tmp_path, "plan-evaluations") / "b.docx", 3, now)
    env = {"ANJU_DATA_DIR": str(tmp_path), "ANJU_JOB_RESULT_DAYS": "7"}
    r = CliRunner().invoke(main, ["jobs", "purge"], env=env)
    assert r.exit_code == 0, r.output
    assert "deleted 1 job files older than 7 days" in r.output
    assert not a.exists() and b.exists()
    r = CliRunner().invoke(main, ["jobs", "purge", "--days", "2"], env=env)
    assert r.exit_code == 0 and "deleted 1 job files older than 2 days" in r.output
    assert not b.exists()
    r = CliRunner().invoke(main, ["jobs", "purge", "--days", "0"], env=env)
    assert r.exit_code == 2 and "--days" in r.output
