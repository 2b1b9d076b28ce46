"""Chinese names of the plan context's internal codes (see ``anju.security.vocabulary``)."""

ACTIONS: dict[str, str] = {
    "plan.load": "载入规划版本",
    "plan.report": "报送规划年度数据",
    "plan.enter": "录入统计部门报送数",
    "plan.evaluate": "生成规划评估报告",
    "plan.download_evaluation": "下载规划评估报告",
}
ENTITIES: dict[str, str] = {
    "plan_edition": "规划版本",
    "plan_report": "规划年度报送",
    "plan_entry": "统计报送数",
    "plan_evaluation": "规划评估报告",
}
PERMISSIONS: dict[str, str] = {
    "plan.read": "查看规划实施监测：进度、报送数据、统计录入",
    "plan.report": "报送规划年度数据、录入统计部门报送数、生成评估报告",
}
