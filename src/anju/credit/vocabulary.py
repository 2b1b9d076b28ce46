"""Chinese names of the credit context's internal codes (see ``anju.security.vocabulary``)."""

ACTIONS: dict[str, str] = {
    "credit.recompute": "批量重算信用等级",  # builder: grades
}
ENTITIES: dict[str, str] = {
    "credit_subject": "信用主体",
    "credit_event": "信用事件",
}
PERMISSIONS: dict[str, str] = {
    "credit.read": "查看信用档案、等级、名单、异议与修复",
    "credit.record": "录入信用事件（表彰、处罚、其他部门信息）",
    "credit.decide": "处理异议与信用修复申请",
    "credit.inspect": "双随机抽查：冻结名单、摇号、登记检查结果",
    "credit.govern": "批量重算信用等级、同步信用主体",
    "credit.own": "查看本人（本企业）信用档案、提出异议、申请信用修复",
}
