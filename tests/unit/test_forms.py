"""The page-form pattern (web.forms.form_action)."""

from __future__ import annotations

import pytest
from fastapi.responses import HTMLResponse, Response

from anju.core.errors import AnjuError, FieldError, NotFound, ValidationError
from anju.web.forms import form_action


def _again(e: AnjuError) -> Response:
    return HTMLResponse(";".join(f"{x.field}={x.reason}" for x in e.errors), status_code=e.status_code)


def test_success_redirects_with_303_to_the_result() -> None:
    resp = form_action(lambda: 7, done=lambda n: f"/things/{n}", again=_again)
    assert (resp.status_code, resp.headers["location"]) == (303, "/things/7")


def test_a_refusal_re_renders_the_form_with_its_errors() -> None:
    def write() -> None:
        raise ValidationError("bad", [FieldError("rent", "不是数字")])

    resp = form_action(write, done="/ok", again=_again)
    assert (resp.status_code, resp.body) == (422, "rent=不是数字".encode())


def test_a_missing_record_stays_an_error_page_unless_asked() -> None:
    def write() -> None:
        raise NotFound("不存在")

    with pytest.raises(NotFound):
        form_action(write, done="/ok", again=_again)
    assert form_action(write, done="/ok", again=_again, not_found_is_error_page=False).status_code == 404


def test_request_validation_reasons_are_chinese_and_keep_our_own_messages():
    from anju.web.validation import reason

    assert reason({"type": "string_pattern_mismatch", "msg": "String should match pattern"}) == "格式不正确"
    assert reason({"type": "string_too_long", "ctx": {"max_length": 12}}) == "最多 12 个字符"
    assert reason({"type": "missing"}) == "必填"
    assert reason({"type": "value_error", "ctx": {"error": ValueError("姓名应为汉字")}}) == "姓名应为汉字"
    assert reason({"type": "no_such_type_yet", "msg": "English"}) == "取值无效"
