"""Chinese names of the address context's internal codes (see ``anju.security.vocabulary``)."""

ACTIONS = {"address.decide": "复核地址匹配", "address.link": "地址批量匹配"}
ENTITIES = {"address_record": "地址记录", "address_link_job": "地址匹配任务"}
PERMISSIONS = {
    "address.parse": "试用地址解析",
    "address.read": "查看地址复核与匹配任务",
    "address.review": "复核地址匹配",
    "address.link": "提交地址批量匹配（全市）",
}
