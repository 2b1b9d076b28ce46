"""Chinese names of the transactions context's internal codes (see ``anju.security.vocabulary``)."""

ACTIONS = {
    "transactions.file_developer": "开发企业备案",
    "transactions.file_project": "项目备案",
    "transactions.file_permit": "预售许可登记",
    "transactions.file_prices": "备案价格",
    "transactions.draft_contract": "起草商品房买卖合同",
    "transactions.sign_contract": "签署商品房买卖合同",
    "transactions.file_contract": "商品房买卖合同备案",
    "transactions.cancel_contract": "撤销商品房买卖合同备案",
    "transactions.open_fund_account": "开立预售资金监管账户",
    "transactions.record_deposit": "预售资金入账",
    "transactions.record_milestone": "记录工程节点",
    "transactions.request_release": "申请拨付预售资金",
    "transactions.approve_release": "审批拨付预售资金",
    "transactions.reject_release": "驳回预售资金拨付申请",
    "transactions.import_fund_bank_lines": "导入预售资金监管账户银行流水",
    "transactions.resale_list": "发布存量房源并核验",
    "transactions.resale_verify": "重新核验存量房源",
    "transactions.resale_publish": "发布存量房源",
    "transactions.resale_withdraw": "撤回存量房源",
    "transactions.resale_draft_contract": "起草存量房买卖合同",
    "transactions.resale_sign_contract": "签署存量房买卖合同",
    "transactions.resale_file_contract": "存量房买卖合同备案",
    "transactions.resale_cancel_contract": "撤销存量房买卖合同",
}
ENTITIES = {
    "developer": "开发企业",
    "sale_project": "项目",
    "presale_permit": "预售许可",
    "sale_contract": "商品房买卖合同",
    "presale_fund_account": "预售资金监管账户",
    "presale_release": "预售资金拨付申请",
    "resale_listing": "存量房源",
    "resale_contract": "存量房买卖合同",
}
PERMISSIONS = {
    "transactions.read": "查看辖区开发企业、项目、预售许可、备案价格和买卖合同（买受人脱敏）",
    "transactions.manage": "开发企业、项目、预售许可和价格备案，撤销合同备案",
    "transactions.sell": "以开发企业或房地产经纪机构经办人身份发布存量房源，起草、签署和备案买卖合同",
    "transactions.buy": "查看并签署本人的买卖合同（买受人，或存量房的出卖人），自行成交网签",
}
