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

# owners' organisations and votes (part "owners")
ACTIONS |= {
    "estates.assembly_file": "业主大会备案",
    "estates.committee_form": "业主委员会备案",
    "estates.term_audit": "登记换届审计",
    "estates.negative_add": "列入履职负面清单",
    "estates.negative_clear": "消除履职负面清单事项",
    "estates.vote_create": "发起业主表决",
    "estates.vote_open": "开启业主表决（冻结表决权人）",
    "estates.vote_cancel": "撤销业主表决",
    "estates.vote_tally": "业主表决计票",
    "estates.ballot_cast": "业主投票",
    "estates.ballot_receipt": "查看本人选票回执与证明",
}
ENTITIES |= {
    "estates_assembly": "业主大会",
    "estates_committee": "业主委员会",
    "estates_term_audit": "换届审计",
    "estates_negative_item": "履职负面清单事项",
    "estates_vote": "业主表决",
}
