"""Chinese names of the safety context's internal codes (see ``anju.security.vocabulary``)."""

ACTIONS: dict[str, str] = {
    "safety.file_agency": "房屋安全鉴定机构备案",
    "safety.agency_status": "变更鉴定机构备案状态",
    "safety.add_engineers": "登记鉴定机构工程师",
    "safety.violation": "登记鉴定机构违规（信用事件）",
    "safety.draw": "发起鉴定机构双随机抽查",
    "safety.plan": "制定房屋安全排查计划",
    "safety.inspect": "登记房屋安全排查结果",
    "safety.appraise": "登记房屋安全鉴定",
    "safety.hazard_path": "确定危房处置方案（一幢一策）",
    "safety.hazard_close": "危房隐患销案",
    "safety.permit_apply": "受理房屋结构变动安全许可",
    "safety.permit_decide": "决定房屋结构变动安全许可",
    "safety.curtain_wall": "登记幕墙安全检查",
}
ENTITIES: dict[str, str] = {
    "safety_agency": "房屋安全鉴定机构",
    "safety_plan": "房屋安全排查计划",
    "safety_inspection": "房屋安全排查记录",
    "safety_appraisal": "房屋安全鉴定",
    "safety_hazard": "危房隐患案件",
    "safety_permit": "房屋结构变动安全许可",
    "safety_curtain_wall": "幕墙安全检查",
}
PERMISSIONS: dict[str, str] = {
    "safety.read": "查看房屋安全：鉴定机构、排查、鉴定、危房隐患、结构变动许可、幕墙检查、统计",
    "safety.supervise": "房屋安全监管：制定排查计划、登记排查与鉴定、危房处置与销案、许可与幕墙检查",
    "safety.agencies": "鉴定机构备案与监管：备案、工程师、状态、违规记录、双随机抽查",
}
