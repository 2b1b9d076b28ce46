"""Chinese names of the estates context's internal codes (see ``anju.security.vocabulary``)."""

ACTIONS: dict[str, str] = {
    "estates.spending.create": "维修资金使用申请",
    "estates.spending.submit": "提交维修资金使用申请",
    "estates.spending.edit": "修改维修资金使用申请",
    "estates.spending.withdraw": "撤回维修资金使用申请",
    "estates.spending.decide": "审核维修资金使用申请",
    "estates.spending.pay": "维修资金使用验收付款",
    "estates.spending.publish": "维修资金使用决算公示",
}
ENTITIES: dict[str, str] = {
    "estates_spending": "维修资金使用申请",
}
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

# the maintenance fund (part "fund")
ACTIONS.update(
    {
        "estates.fund_due": "生成维修资金应缴",
        "estates.fund_pay": "登记维修资金交存",
        "estates.fund_waive": "免缴维修资金应缴",
        "estates.fund_topups": "生成维修资金续筹应缴",
        "estates.fund_interest": "维修资金年度计息",
        "estates.fund_import": "导入存量分户账",
        "estates.fund_refund": "退还维修资金（房屋灭失）",
        "estates.fund_statement": "下载维修资金对账单",
        "estates.fund_account": "开立维修资金专户",
        # part "services": property-service companies, projects, tenders, handovers
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
        "estates_fund_due": "维修资金应缴",
        "estates_interest_run": "维修资金计息",
        "estates_fund_import": "存量分户账导入批次",
        "estates_fund_home": "维修资金分户账",
        "estates_company": "物业服务企业",
        "estates_project": "物业服务项目",
        "estates_tender": "物业服务招标",
        "estates_bid": "物业服务投标",
    }
)
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
    "estates.vote_close": "结束业主表决",
    "estates.votes_close_due": "结束到期的业主表决",
    "estates.paper_ballot": "登记单位产权人书面表决票",
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
