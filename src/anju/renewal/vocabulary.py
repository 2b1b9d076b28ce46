"""Chinese names of the renewal context's internal codes (see ``anju.security.vocabulary``)."""

ACTIONS: dict[str, str] = {
    "renewal.create": "登记城市更新项目",
    "renewal.step": "登记更新项目环节",
    "renewal.contents": "登记改造内容",
    "renewal.funding": "登记资金来源",
    "renewal.consent": "登记居民意愿征询",
    "renewal.floors": "登记加装电梯楼层意见",
    "renewal.export": "导出城市更新项目",
}
ENTITIES: dict[str, str] = {"renewal_project": "城市更新项目"}
PERMISSIONS: dict[str, str] = {
    "renewal.read": "查看城市更新：项目库、加装电梯、规划进度",
    "renewal.manage": "管理城市更新项目：入库、推进环节、改造内容、资金、意愿征询、加装电梯业主意见",
}
