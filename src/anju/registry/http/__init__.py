"""The register's web adapters: the REST API, imports and exports, and the 楼盘表 pages."""

from anju.registry import Status
from anju.registry.http import api, api_imports, pages, pages_imports
from anju.web.routing import Mount

ROUTERS = (
    Mount.api(api.router),
    Mount.api(api_imports.router),
    Mount.pages(pages.router),
    Mount.pages(pages_imports.router),
)

#: Names the register's templates share (the web kit knows no context).
TEMPLATE_GLOBALS = {
    "STATUS_CLASS": {
        Status.planned.value: "st-planned",
        Status.under_construction.value: "st-building",
        Status.suspended.value: "st-suspended",
        Status.presale.value: "st-presale",
        Status.completed.value: "st-completed",
        Status.in_use.value: "st-inuse",
        Status.retired.value: "st-retired",
        Status.demolished.value: "st-demolished",
    },
    "SOURCE_NAMES": {
        "synth": "合成",
        "manual": "人工",
        "survey": "测绘",
        "presale": "预售",
        "registration": "登记",
        "rental": "租赁",
    },
    "STATUSES": [s.value for s in Status],
}
