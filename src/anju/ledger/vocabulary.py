"""Chinese names of the verifiable log's internal codes (see ``anju.security.vocabulary``)."""

ACTIONS = {"ledger.sign_head": "签署日志树头"}
ENTITIES = {"ledger": "可验证日志"}
PERMISSIONS = {"ledger.read": "查看可验证日志的树头与证明"}
#: the logs by name, as the public page (/ledger) names them
LOGS = {
    "rental": "住房租赁：合同备案与租金监管资金流水",
    "assistance": "住房保障：申请的提交、审核决定与摇号",
    "audit": "平台审计日志的定期锚定",
    "credit": "信用记录",
    "funds": "交易资金监管：预售资金、存量房交易资金的流水",
    "exchange": "数据治理：数据保留规则（归档、匿名化）的执行记录",
}
