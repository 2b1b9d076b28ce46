"""Department clients' endpoints: the OAuth 2.0 token endpoint (RFC 6749 §4.4) and the client's own
identity (``GET /api/v1/exchange/clients/me``)."""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from anju.security import SecurityDep
from anju.security.callers import Caller
from anju.security.client_access import (
    ClientCall,
    OAuthError,
    TokenEndpointPolicy,
    TokenRequest,
    client_access,
    client_credentials,
    issue_token,
)
from anju.security.policy import client_ip, request_id
from anju.security.ratelimit import RateLimiter
from anju.web.deps import UowDep
from anju.web.schemas import ERRORS, ErrorBody

#: The token endpoint sits at the root (``/oauth/token``), where OAuth clients expect it.
token_router = APIRouter(tags=["department clients"])
api = APIRouter(tags=["department clients"], responses=ERRORS)
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
FAILURES = "oauth-failures"


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the token type, not a secret
    expires_in: int
    scope: str


def _error(e: OAuthError) -> JSONResponse:
    headers = dict(NO_STORE)
    if e.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="anju", charset="UTF-8"'
    if e.retry_after:
        headers["Retry-After"] = str(e.retry_after)
    return JSONResponse(e.body(), status_code=e.status, headers=headers)


class OAuthErrorOut(BaseModel):
    error: str = Field(description="invalid_request | invalid_client | invalid_scope | unsupported_grant_type")
    error_description: str


#: The form the endpoint reads itself (RFC 6749 §4.4.2), described for the API's clients.
TOKEN_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["grant_type"],
                    "properties": {
                        "grant_type": {"type": "string", "enum": ["client_credentials"]},
                        "scope": {"type": "string", "description": "space-separated <dataset>:<operation>"},
                        "client_id": {"type": "string", "description": "unless HTTP Basic is used"},
                        "client_secret": {"type": "string", "description": "unless HTTP Basic is used"},
                    },
                }
            }
        },
    }
}


@token_router.post(
    "/oauth/token",
    operation_id="client_token",
    response_model=TokenOut,
    responses={
        400: {"model": OAuthErrorOut, "description": "RFC 6749 §5.2"},
        401: {"model": OAuthErrorOut, "description": "invalid_client"},
        413: {"model": ErrorBody, "description": "请求内容过大"},
        # the platform's input guard refuses a form holding NUL characters before the endpoint runs
        422: {"model": ErrorBody, "description": "字段无效"},
        # RFC 6749 §5.2 JSON when the endpoint counts failures or a client's requests; the public
        # endpoints' per-address limit answers the platform's error body
        429: {"description": "请求过于频繁（Retry-After 给出等待秒数）"},
    },
    openapi_extra=TOKEN_FORM,
)
async def token(
    request: Request, uow: UowDep, sec: SecurityDep, _: Annotated[Caller, Depends(TokenEndpointPolicy())]
) -> JSONResponse:
    """Client credentials grant: HTTP Basic (or form ``client_id``/``client_secret``), ``grant_type=
    client_credentials``, optional ``scope`` (a subset of the client's scopes)."""
    limiter: RateLimiter = request.app.state.rate_limiter
    ip = client_ip(request) or "-"
    failures = sec.settings.security_client_failures_rate
    if not limiter.test(failures, FAILURES, ip):
        wait = limiter.retry_after(failures, FAILURES, ip)
        return _error(OAuthError("invalid_request", "失败次数过多，请稍后再试", 429, retry_after=wait))
    try:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        cid, secret = client_credentials(request.headers.get("authorization", ""), form)
    except OAuthError as e:
        limiter.hit(failures, FAILURES, ip)
        return _error(e)
    # a client's token requests are counted when they succeed, so bad secrets sent with a known
    # client_id (from anywhere) cannot use up the client's own allowance
    rule = sec.settings.security_client_token_rate
    if cid and not limiter.test(rule, "oauth-client", cid):
        wait = limiter.retry_after(rule, "oauth-client", cid)
        return _error(OAuthError("invalid_request", "申请令牌过于频繁，请稍后再试", 429, retry_after=wait))
    req = TokenRequest(form.get("grant_type"), cid, secret, form.get("scope"), client_ip(request), request_id(request))

    def work() -> TokenOut | OAuthError:
        with uow.begin() as conn:
            try:
                grant = issue_token(conn, sec, req)
            except OAuthError as e:
                return e  # committed: the refusal's audit row stays
        return TokenOut(access_token=grant.access_token, expires_in=grant.expires_in, scope=grant.scope)

    out = await anyio.to_thread.run_sync(work)
    if isinstance(out, OAuthError):
        if out.error == "invalid_client":
            limiter.hit(failures, FAILURES, ip)
        return _error(out)
    if cid:
        limiter.hit(rule, "oauth-client", cid)
    return JSONResponse(out.model_dump(), headers=NO_STORE)


class ClientMeOut(BaseModel):
    client_id: str
    name: str
    department: str
    scopes: list[str] = Field(description="The token's scopes, <dataset>:<operation>")
    rate_per_minute: int
    daily_quota: int
    calls_today: int = Field(description="Calls counted today (Asia/Shanghai), this one included")
    remaining_quota: int


@api.get("/exchange/clients/me", operation_id="client_me")
def client_me(call: Annotated[ClientCall, client_access()]) -> ClientMeOut:
    """The calling department client: identity, the token's scopes, limits and today's remaining quota."""
    return ClientMeOut(
        client_id=call.client_id,
        name=call.name,
        department=call.department,
        scopes=list(call.scopes),
        rate_per_minute=call.rate_per_minute,
        daily_quota=call.daily_quota,
        calls_today=call.calls_today,
        remaining_quota=call.remaining_quota,
    )
