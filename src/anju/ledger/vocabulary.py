"""Chinese names of the verifiable log's internal codes (see ``anju.security.vocabulary``)."""

ACTIONS = {"ledger.sign_head": "签署日志树头"}
ENTITIES = {"ledger": "可验证日志"}
PERMISSIONS = {"ledger.read": "查看可验证日志的树头与证明"}
