"""The address context's vocabulary: record statuses and the labels the pages show. Pure."""

from typing import TypedDict


class LevelExplanation(TypedDict):
    """One comparison of a candidate pair: the level it reached (labelled) and its match weight."""

    level: str
    weight: float


#: What a link job made of a record: linked to a home, waiting for a clerk, or not linked.
STATUSES = ("linked", "review", "unlinked")
STATUS_LABELS = {"review": "待复核", "linked": "已关联", "unlinked": "未关联"}

#: Labels of the linkage model's comparisons, in the order the side-by-side view shows them.
COMPARISONS = {
    "district": "区",
    "street": "街道",
    "road_door": "道路门牌",
    "estate": "小区",
    "building": "楼栋",
    "unit": "单元",
    "room": "房号",
}
#: Parsed components shown in the record's table, with their labels.
COMPONENTS = {
    "province": "省",
    "city": "市",
    "district": "区（县）",
    "zone": "功能区",
    "street": "街道（镇）",
    "community": "社区",
    "road": "道路",
    "door": "门牌号",
    "estate": "小区",
    "building": "楼栋",
    "unit": "单元",
    "floor": "楼层",
    "room": "房号",
}
