"""Chinese names of the market context's internal codes (see ``anju.security.vocabulary``)."""

ACTIONS: dict[str, str] = {
    "market.compute": "计算市场监测指标（指数、供需、健康评价、预警、预测）",
    "market.warning.acknowledge": "确认市场预警",
    "market.warning.close": "关闭市场预警",
    "market.publish": "发布月度市场数据",
    "market.download_report": "下载月度市场报告",
    "market.land_transfers": "接收土地出让数据",
    "market.land_transfer.correct": "更正土地出让记录（土地管理部门重报）",
}
ENTITIES: dict[str, str] = {
    "market_run": "市场监测计算",
    "market_warning": "市场预警",
    "market_publication": "市场数据发布",
    "market_report": "月度市场报告",
    "market_land_transfer": "土地出让",
}
PERMISSIONS: dict[str, str] = {
    "market.read": "查看市场监测：价格指数、供需、健康评价、预警、预测",
    "market.report": "生成月度市场报告（本辖区）",
    "market.compute": "发起市场监测计算",
    "market.warn": "确认和关闭市场预警",
    "market.publish": "发布月度市场数据",
}
