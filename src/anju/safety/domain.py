"""House safety's pure vocabulary and rules (智慧房安, issue 23): appraisal agencies' qualifications and
statuses, the inspection triggers, the JGJ 125 grades, the hazard cases' remediation paths (留 / 改 /
拆, 一幢一策) and statuses, structure-change permits and curtain-wall inspections. No I/O, no frameworks.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from anju.core import clock

#: Shown wherever a person sees synthetic safety data.
SYNTHETIC_LABEL: Final = "合成数据（演示用，非真实房屋安全数据）"

#: The credit file of a filed agency (``anju.credit``'s subject type) and the kind of its violations.
SUBJECT_TYPE: Final = "appraisal"
EVENT_KIND: Final = "safety.appraisal_violation"
EVENT_SOURCE: Final = "safety"

QUALIFICATIONS: dict[str, str] = {"grade_a": "甲级", "grade_b": "乙级"}
AGENCY_STATUSES: dict[str, str] = {"filed": "已备案", "suspended": "暂停", "cancelled": "已注销"}
ENGINEER_TITLES: dict[str, str] = {
    "senior": "高级工程师",
    "engineer": "工程师",
    "assistant": "助理工程师",
}
SEVERITIES: dict[str, str] = {"minor": "一般", "major": "较重", "serious": "严重"}

#: What starts a safety inspection plan (排查), by rule (``data/<city>/inspection_rules.toml``).
TRIGGERS: dict[str, str] = {"age": "房龄", "structure": "结构类型", "event": "灾害或事件后"}
PLAN_STATUSES: dict[str, str] = {"open": "排查中", "done": "已完成"}
INSPECTION_STATUSES: dict[str, str] = {"pending": "待排查", "done": "已排查"}
#: What an inspection found (排查结论).
FINDINGS: dict[str, str] = {"none": "未发现隐患", "minor": "一般隐患", "serious": "严重隐患，需鉴定"}

#: JGJ 125 危险房屋鉴定 grades of a building (房屋危险性等级).
GRADES: dict[str, str] = {
    "A": "A 级（安全）",
    "B": "B 级（基本安全）",
    "C": "C 级（局部危险）",
    "D": "D 级（整幢危险）",
}
#: Grades that open a hazard case (危房).
DANGEROUS: Final = frozenset({"C", "D"})
#: The editions of the standard an appraisal may cite.
STANDARDS: dict[str, str] = {
    "JGJ 125-2016": "《危险房屋鉴定标准》JGJ 125-2016",
    "JGJ 125-99": "JGJ 125-99（2004 年版）",
}
CURRENT_STANDARD: Final = "JGJ 125-2016"

#: 一幢一策: the remediation path of a hazard case.
PATHS: dict[str, str] = {"monitor": "留：观察使用、监测", "reinforce": "改：加固修缮", "demolish": "拆：拆除重建"}
HAZARD_STATUSES: dict[str, str] = {"open": "处置中", "closed": "已销案"}
CLOSURES: dict[str, str] = {
    "remediated": "整改完成（复鉴为 A/B 级）",
    "demolished": "已拆除",
    "monitored": "监测期满，解除",
}
#: Days from a case's opening to the decision on its path (一幢一策) when none is given.
DECIDE_WITHIN_DAYS: Final = 30

PERMIT_STATUSES: dict[str, str] = {"applied": "待审查", "approved": "准予许可", "refused": "不予许可"}
#: Working days are not modelled: a permit is decided within this many calendar days of its application.
PERMIT_DECIDE_DAYS: Final = 20
CURTAIN_RESULTS: dict[str, str] = {"ok": "合格", "defects": "有缺陷，限期整改", "danger": "存在安全隐患"}
#: Years until a curtain wall's next regular inspection, by what the last one found.
CURTAIN_INTERVAL_YEARS: dict[str, int] = {"ok": 5, "defects": 1, "danger": 0}


def opens_hazard(grade: str) -> bool:
    return grade in DANGEROUS


def default_path(grade: str) -> str:
    """The path a case starts with until decided: D (整幢危险) demolish, C (局部危险) reinforce."""
    return "demolish" if grade == "D" else "reinforce"


def overdue(due_on: date | None, today: date) -> bool:
    return due_on is not None and due_on < today


add_years = clock.add_years  # one rule for the whole platform (``anju.core.clock``)
