"""Chinese names of the supervised funds' internal codes (see ``anju.security.vocabulary``)."""

ACTIONS: dict[str, str] = {}
ENTITIES = {"fund_account": "监管账户", "fund_journal": "监管资金分录"}
PERMISSIONS: dict[str, str] = {}
