"""What the plan's API and pages share: the current plan, the live progress within a scope with the area
names, the synthetic label, and the evaluation report as a background job (its file under
``<data_dir>/job-results/plan-evaluations/``, kept ``job_result_days``, downloaded from
``/plan/evaluations/<name>``)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from anju import divisions
from anju.core import jobs
from anju.core.db import UnitOfWork
from anju.core.scope import Scope
from anju.plan import evaluation, monitoring, report_docx, report_pdf
from anju.plan.current import plan_for
from anju.plan.domain import Plan
from anju.security import Caller, audited, set_audit_detail

SYNTHETIC_NOTE = "合成数据：本表的实际值由合成城市的数据计算，仅供演示，不代表真实完成情况。"
FILE_NAME = re.compile(r"^[0-9a-f]{32}\.(docx|pdf)$")
MEDIA = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def the_plan(conn: Connection, settings: Any) -> Plan:
    return plan_for(conn, settings.city_code)


def live_for(conn: Connection, settings: Any, scope: Scope, year: int | None) -> tuple[monitoring.Live, dict[str, str]]:
    """The live progress within ``scope`` and the names of its areas (two reads besides the values)."""
    plan = the_plan(conn, settings)
    got = monitoring.live(conn, plan, scope, year)
    areas = {p.target.area for p in got.items}
    return got, divisions.names(conn, areas) if areas else {}


def evaluation_dir(settings: Any) -> Path:
    return jobs.results_dir(Path(settings.data_dir), "plan-evaluations")


def start_evaluation(uow: UnitOfWork, settings: Any, caller: Caller, kind: str, fmt: str) -> int:
    """Start writing an evaluation report as a job; the job leads to the file's download."""
    k: evaluation.Kind = "midterm" if kind == "midterm" else "final"
    name = f"{uuid.uuid4().hex}.{'pdf' if fmt == 'pdf' else 'docx'}"

    def work(progress: jobs.Progress) -> jobs.Done:
        with audited(uow, caller, "plan.evaluate", "plan_evaluation") as conn:
            plan = the_plan(conn, settings)
            e = evaluation.gather(conn, plan, k, progress)
            set_audit_detail(conn, {"plan": plan.code, "kind": k, "format": fmt})
        progress("排版报告", 0.7)
        body = report_pdf.render(e) if fmt == "pdf" else report_docx.render(e)
        folder = evaluation_dir(settings)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(body)
        return jobs.Done(f"/plan/evaluations/{name}", f"已生成{e.title}（{fmt.upper()}），点击下载")

    return jobs.start(
        uow,
        Path(settings.data_dir),
        kind="plan.evaluate",
        title=f"生成规划实施{evaluation.KIND_LABELS[k]}报告（{fmt.upper()}）",
        owner=caller.account_id,
        work=work,
    )
