"""Chinese names of the indicator dictionary's internal codes (see ``anju.security.vocabulary``)."""

ACTIONS: dict[str, str] = {"indicators.refresh": "刷新指标数值"}
ENTITIES: dict[str, str] = {"indicator_run": "指标刷新批次"}
PERMISSIONS: dict[str, str] = {}
