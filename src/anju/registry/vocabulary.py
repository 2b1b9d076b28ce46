"""Chinese names of the register's internal codes (see ``anju.security.vocabulary``)."""

ACTIONS = {
    "registry.create_estate": "新建小区/楼盘",
    "registry.create_building": "新建楼幢",
    "registry.create_home": "新建房屋",
    "registry.change_building": "变更楼幢",
    "registry.change_home": "变更房屋",
    "registry.add_rooms": "登记房间",
    "registry.split_home": "分户",
    "registry.merge_homes": "合户",
    "registry.remerge": "重新合并导入来源",
    "registry.import": "导入楼盘表",
    "registry.load_registrations": "载入不动产登记数据",
    "registry.load_restrictions": "载入查封、抵押等限制数据",
}
ENTITIES = {
    "estate": "小区/楼盘",
    "building": "楼幢",
    "home": "房屋",
    "import_job": "导入任务",
    "feed_load": "数据载入批次",
}
PERMISSIONS = {
    "registry.read": "查看辖区楼盘表",
    "registry.write": "变更辖区楼盘表",
    "registry.export": "导出辖区楼盘表",
    "registry.import": "导入楼盘表（全市）",
}
