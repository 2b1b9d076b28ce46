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

# part "services": property-service companies, projects, tenders, handovers
ACTIONS.update(
    {
        "estates.file_company": "物业服务企业备案",
        "estates.company_status": "变更物业服务企业备案状态",
        "estates.create_project": "登记物业服务项目",
        "estates.end_project": "终止物业服务项目",
        "estates.record_handover": "登记承接查验",
        "estates.create_tender": "发布物业服务招标",
        "estates.bid": "物业服务投标",
        "estates.close_tender": "截止投标",
        "estates.score_bids": "录入评标分数",
        "estates.award_tender": "定标",
        "estates.cancel_tender": "撤销物业服务招标",
    }
)
ENTITIES.update(
    {
        "estates_company": "物业服务企业",
        "estates_project": "物业服务项目",
        "estates_tender": "物业服务招标",
        "estates_bid": "物业服务投标",
    }
)
