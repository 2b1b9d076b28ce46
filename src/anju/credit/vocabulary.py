"""Chinese names of the credit context's internal codes (see ``anju.security.vocabulary``)."""

ACTIONS: dict[str, str] = {
    # objections, repair, the credit report (builder "objections")
    "credit.object": "对信用记录提出异议",
    "credit.object.decide": "处理信用异议",
    "credit.repair.request": "申请信用修复",
    "credit.repair.decide": "处理信用修复申请",
    "credit.report": "下载本人（本企业）信用报告",
    # random inspections (双随机)
    "credit.freeze_inspection": "冻结双随机抽查名单",
    "credit.run_inspection": "双随机抽查摇号",
    "credit.record_inspection_outcome": "登记抽查结果",
    "credit.sync_subjects": "同步信用主体",
    "credit.record_event": "录入信用事件",
    "credit.recompute": "批量重算信用等级",  # builder: grades
}
ENTITIES: dict[str, str] = {
    "credit_subject": "信用主体",
    "credit_event": "信用事件",
    "credit_objection": "信用异议",
    "credit_repair": "信用修复申请",
    "credit_inspection_draw": "双随机抽查",
}
PERMISSIONS: dict[str, str] = {
    "credit.read": "查看信用档案、等级、名单、异议与修复",
    "credit.record": "录入信用事件（表彰、处罚、其他部门信息）",
    "credit.decide": "处理异议与信用修复申请",
    "credit.inspect": "双随机抽查：冻结名单、摇号、登记检查结果",
    "credit.govern": "批量重算信用等级、同步信用主体",
    "credit.own": "查看本人（本企业）信用档案、提出异议、申请信用修复",
}
