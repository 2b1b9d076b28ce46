"""Jinja filters for the credit templates (installed on the shared template environment when the credit
pages load): the labels of :mod:`anju.credit.labels`."""

from __future__ import annotations

from anju.credit.catalogue import kind_label
from anju.credit.labels import (
    FIELD_LABELS,
    detail_key,
    detail_value,
    field_label,
    grade_label,
    message,
    rule_title,
    source_label,
)
from anju.web import validation
from anju.web.templating import templates


def install() -> None:
    templates.env.filters["credit_detail_key"] = detail_key
    templates.env.filters["credit_detail_value"] = detail_value
    templates.env.filters["credit_source"] = source_label
    templates.env.filters["credit_rule"] = rule_title
    templates.env.filters["credit_grade"] = grade_label
    templates.env.filters["credit_kind"] = kind_label
    templates.env.filters["credit_field"] = field_label
    templates.env.filters["credit_message"] = message
    validation.add_field_labels(("/credit", "/api/v1/credit"), FIELD_LABELS)


install()
