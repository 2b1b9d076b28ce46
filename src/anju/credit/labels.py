"""The Chinese labels pages and exports show for stored codes (a source, a list rule, a grade, an event
detail's keys), so no person reads a raw code (``rental``, ``black.grade_d``, ``B``, ``note``)."""

from __future__ import annotations

import re
from functools import cache

from anju.credit import domain, scoring
from anju.credit.catalogue import SOURCES

#: Sources of earlier data that the catalogue no longer names.
_OLD_SOURCES = {"court": "人民法院"}


def source_label(source: str | None) -> str:
    if not source:
        return "—"
    return SOURCES.get(source) or _OLD_SOURCES.get(source, source)


@cache
def _rule_titles() -> dict[str, str]:
    out: dict[str, str] = {}
    for ed in scoring.editions():
        for r in ed.lists:
            out.setdefault(r.code, r.label)
        for a in ed.actions:
            out.setdefault(a.code, a.title)
    return out


def rule_title(code: str | None) -> str:
    """A list or action rule's title from the scoring editions (the code for a rule no edition has)."""
    if not code:
        return "—"
    return _rule_titles().get(code, code)


def grade_label(grade: str | None) -> str:
    if not grade:
        return "—"
    return domain.GRADE_LABELS.get(grade, grade)


#: The keys of an event's ``detail`` (what the reporting context recorded with it).
DETAIL_LABELS = {
    "note": "说明",
    "recorded_by": "记录人",
    "credit_code": "统一社会信用代码",
    "inspection": "双随机检查批次",
    "rank": "抽中顺序",
    "outcome": "检查结果",
    "synthetic": "合成数据",
    "party_id": "住房租赁备案编号",
    "department": "报送部门",
    "batch_id": "报送批次",
    "target": "检查对象类型",
    "target_ref": "检查对象编号",
    "inspection_id": "检查编号",
    "complaint_id": "投诉编号",
    "action": "处理措施",
    "reason": "理由",
    "programme": "保障项目",
    "case": "案件编号",
    "detail": "说明",
}
_VALUES = {True: "是", False: "否", None: "—"}


def detail_key(key: str) -> str:
    return DETAIL_LABELS.get(key, key)


def detail_value(v: object) -> str:
    if isinstance(v, bool) or v is None:
        return _VALUES[v]
    return str(v)


#: The Chinese names of the fields of credit's forms, filters and requests (error messages name a field
#: by these; the machine-readable errors keep the code).
FIELD_LABELS = {
    "org_name": "组织名称",
    "reason": "理由",
    "statement": "修复申请说明",
    "basis": "修复依据",
    "documents": "证明材料",
    "decision": "处理意见",
    "outcome": "处理结果",
    "event_id": "信用记录",
    "account": "账户",
    "subject_type": "主体类型",
    "subject_types": "主体类型",
    "credit_code": "统一社会信用代码",
    "id_number": "公民身份号码",
    "kind": "事件类型",
    "severity": "严重程度",
    "evidence": "决定书、文书编号",
    "occurred_on": "发生日期",
    "expires_on": "失效日期",
    "street_code": "发生地街道",
    "note": "说明",
    "source": "来源",
    "reference": "业务编号",
    "subject_bidx": "信用主体",
    "subject": "信用主体",
    "inspectors": "检查人员",
    "inspected_on": "检查日期",
    "title": "名称",
    "sample_size": "抽取数量",
    "weights": "抽取权重",
    "district_code": "区",
    "district": "区",
    "street": "街道",
    "grade": "信用等级",
    "to_grade": "新等级",
    "list": "名单",
    "state": "名单状态",
    "cause": "变动原因",
    "since": "起始日期",
    "q": "查询内容",
    "date_from": "起始日期",
    "date_to": "截止日期",
    "page": "页码",
    "page_size": "每页条数",
    "fmt": "导出格式",
    "status": "状态",
    "seed": "随机种子",
    "seed_source": "随机种子来源",
    "witnesses": "见证人",
    "confirm": "确认",
    "request": "请求",
    "body": "请求内容",
}
_KEYS = "|".join(sorted(map(re.escape, FIELD_LABELS), key=len, reverse=True))
_FIELD_COLON = re.compile(rf"(?<![\w.])({_KEYS})(?:\[\d+\])?\s*[:：]\s*")
_FIELD_SPACE = re.compile(rf"(?<![\w.])({_KEYS})\s+(?=[^\x00-\x7f])")
_FIELD_PAREN = re.compile(rf"（({_KEYS})）")


def field_label(field: str) -> str:
    return FIELD_LABELS.get(field.split(".", maxsplit=1)[0].split("[", maxsplit=1)[0], field)


def message(text: str | None) -> str:
    """An error message with its field codes named in Chinese (``basis: …`` → ``修复依据：…``)."""
    if not text:
        return ""
    text = _FIELD_PAREN.sub("", text)
    text = _FIELD_COLON.sub(lambda m: FIELD_LABELS[m.group(1)] + "：", text)
    return _FIELD_SPACE.sub(lambda m: FIELD_LABELS[m.group(1)] + "：", text)
