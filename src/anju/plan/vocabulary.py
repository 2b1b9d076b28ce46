"""Chinese names of the plan context's internal codes (see ``anju.security.vocabulary``)."""

ACTIONS: dict[str, str] = {"plan.load": "载入规划版本"}
ENTITIES: dict[str, str] = {"plan_edition": "规划版本"}
PERMISSIONS: dict[str, str] = {}
