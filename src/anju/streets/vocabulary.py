"""Chinese names of the street database's internal codes (see ``anju.security.vocabulary``)."""

ACTIONS: dict[str, str] = {
    "streets.load": "导入街道数据（人口、用地、产业）",
    "streets.synthesise": "生成合成街道数据",
    "streets.export": "导出街道数据",
}
ENTITIES: dict[str, str] = {"street_panel_load": "街道数据导入批次"}
PERMISSIONS: dict[str, str] = {
    "streets.read": "查看街道数据库：街道人口、用地、住房、产业及其指标",
    "streets.load": "导入街道数据文件（全市）",
}
