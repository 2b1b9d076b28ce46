"""Chinese names of the exchange's internal codes (see ``anju.security.vocabulary``)."""

ACTIONS: dict[str, str] = {
    "exchange.retention_run": "执行数据保留规则",
    "exchange.subscriber_create": "新建数据推送订阅",
    "exchange.subscriber_topics": "修改订阅的事件主题",
    "exchange.subscriber_pause": "暂停数据推送",
    "exchange.subscriber_resume": "恢复数据推送",
    "exchange.subscriber_rotate": "更换推送签名密钥",
    "exchange.delivery_retry": "立即重试推送",
}
ENTITIES: dict[str, str] = {
    "retention_run": "数据保留执行记录",
    "exchange_subscriber": "数据推送订阅",
}
PERMISSIONS: dict[str, str] = {
    "exchange.read": "查看数据交换（接入批次、死信、推送、数据质量、目录）",
    "exchange.feed": "接入数据文件",
    "exchange.replay": "修正并重放死信",
    "exchange.subscribe": "管理数据推送订阅",
    "exchange.govern": "执行数据保留与归档",
}
ACTIONS.update(
    {
        "exchange.feed_batch": "接收数据接入批次",
        "exchange.discard_dead_letter": "丢弃死信",
        "exchange.rehash_feed_keys": "将明文接入键改为密钥散列",
    }
)
ENTITIES.update({"feed_batch": "数据接入批次", "feed_dead_letter": "死信", "feed_keys": "接入键（幂等）"})
