"""``anju plan report``, ``anju plan export`` and ``anju plan evaluate`` over the tiny city with the
shipped 14th plan: a report, a correction that needs its note, the export read back, the evaluation
written as .docx and PDF."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner
from docx import Document
from sqlalchemy import Engine, func, select

from anju.cli import main
from anju.plan import export
from anju.security.tables import audit_log
from tests.integration.test_security_cli import env
from tests.plan_builders import CITY, store_values


def test_report_correct_export_and_evaluate(city_engine: Engine, tmp_path: Path) -> None:
    store_values(city_engine, [("renewal.old_community_area", "city", CITY, 2021, "3000000", None)])
    e = env(city_engine, tmp_path)
    r = CliRunner().invoke(main, ["plan", "report", "--year", "2021"], env=e)
    assert r.exit_code == 0, r.output
    assert "2021 年度数据已报送" in r.output
    r = CliRunner().invoke(main, ["plan", "report", "--year", "2021"], env=e)
    assert r.exit_code == 1 and "更正须说明" in r.output
    r = CliRunner().invoke(main, ["plan", "report", "--year", "2021", "--note", "按验收备案更正"], env=e)
    assert r.exit_code == 0 and "第 2 版" in r.output
    with city_engine.connect() as conn:
        assert conn.execute(select(func.count()).where(audit_log.c.action == "plan.report")).scalar() == 2
    r = CliRunner().invoke(main, ["plan", "export", "--year", "2021", "--format", "csv", "--version", "1"], env=e)
    assert r.exit_code == 0, r.output
    rows = export.read_csv(r.output)
    one = next(x for x in rows if x.target_key == "main.old_community_area")
    assert (one.version, one.actual, one.status) == (1, Decimal(300), "on_track")  # 240 due after 1 of 5 years
    out = tmp_path / "e.json"
    r = CliRunner().invoke(main, ["plan", "export", "--year", "2021", "--format", "json", "--out", str(out)], env=e)
    assert r.exit_code == 0 and {x.version for x in export.read_json(out.read_text("utf-8"))} == {2}
    r = CliRunner().invoke(main, ["plan", "export", "--year", "2024", "--format", "json"], env=e)
    assert r.exit_code == 1 and "2024 年尚未报送" in r.output
    docx, pdf = tmp_path / "mid.docx", tmp_path / "final.pdf"
    r = CliRunner().invoke(
        main, ["plan", "evaluate", "--kind", "midterm", "--format", "docx", "--out", str(docx)], env=e
    )
    assert r.exit_code == 0, r.output
    assert "中期评估" in "\n".join(p.text for p in Document(io.BytesIO(docx.read_bytes())).paragraphs)
    r = CliRunner().invoke(main, ["plan", "evaluate", "--kind", "final", "--format", "pdf", "--out", str(pdf)], env=e)
    assert r.exit_code == 0 and pdf.read_bytes().startswith(b"%PDF")
