"""Chinese names of the estates context's internal codes (see ``anju.security.vocabulary``)."""

ACTIONS: dict[str, str] = {}
ENTITIES: dict[str, str] = {}
PERMISSIONS: dict[str, str] = {
    "estates.read": "查看物业管理：企业、项目、招投标、覆盖率、投诉、考评、业主组织与表决、维修资金",
    "estates.supervise": (
        "物业监管：备案企业与项目、承接查验、考评、投诉处理、业主大会与业委会备案、换届审计、负面清单、发起表决"
    ),
    "estates.approve": "审核维修资金使用申请",
    "estates.fund": "维修资金管理：账户、导入、交存、计息、退还",
    "estates.own": "业主：我的房屋维修资金、参加表决、查看决定、物业投诉；业委会成员办理本小区事务",
    "estates.company": "物业服务企业：备案、投标、项目、答复投诉",
}

# service quality (complaints, evaluations, inspections of companies)
ACTIONS |= {
    "estates.file_complaint": "提交物业投诉",
    "estates.company_reply": "物业服务企业答复投诉",
    "estates.record_company_reply": "代录企业答复",
    "estates.take_complaint": "开始办理物业投诉",
    "estates.resolve_complaint": "办结物业投诉",
    "estates.reject_complaint": "不予受理物业投诉",
    "estates.record_evaluation": "登记年度考评",
    "estates.start_inspection": "冻结物业服务企业抽查名单",
    "estates.company_subjects": "建立物业服务企业信用档案",
}
ENTITIES |= {"estates_complaint": "物业投诉", "estates_evaluation": "年度考评"}
