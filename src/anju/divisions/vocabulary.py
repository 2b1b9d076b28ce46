"""Chinese names of the divisions context's internal codes (see ``anju.security.vocabulary``)."""

PERMISSIONS = {"divisions.read": "查看行政区划"}
