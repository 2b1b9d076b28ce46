"""Chinese names of the security context's internal codes: audit actions, object types, permissions.

Each context keeps such a module (``anju.<context>.vocabulary``, declared in ``anju.contexts``); the
audit pages and exports, and the account page's permissions, read every context's through
:func:`action_label`, :func:`entity_label` and :func:`permission_label` (loaded by name whoever asks,
like the registry's restriction sources). A code no vocabulary names is shown as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from anju.contexts import CONTEXTS, load

ACTIONS = {
    "auth.sign_in": "登录",
    "auth.sign_out": "退出登录",
    "auth.register": "注册账户",
    "auth.token_rejected": "拒绝无效令牌",
    "auth.csrf_rejected": "拒绝跨站请求",
    "authz.denied": "越权访问被拒绝",
    "http.rate_limited": "请求过于频繁被限制",
    "account.create": "创建账户",
    "account.change_role": "变更账户角色",
    "account.change_password": "修改密码",
    "account.reset_totp": "重置动态口令",
    "personal.reveal": "查看完整个人信息",
    "personal.lookup": "按证件号查询",
    "identity.phone_code": "发送手机验证码",
    "identity.phone_confirm": "确认手机号码",
    "identity.verify": "实名认证",
    "audit.export": "导出审计日志",
    "keys.rotate_batch": "轮换个人信息密钥",
    "client.create": "创建部门接入账户",
    "client.update": "修改部门接入账户",
    "client.rotate": "轮换部门接入账户密钥",
    "client.disable": "停用部门接入账户",
    "client.enable": "启用部门接入账户",
    "client.token": "部门接入账户申请访问令牌",
    "client.call": "部门接入账户调用接口",
}
ENTITIES = {"account": "账户", "synthetic_people": "合成人口", "client": "部门接入账户"}
PERMISSIONS = {
    "public": "公开访问",
    "self": "办理本人事务",
    "accounts.manage": "管理账户（创建、变更、停用）",
    "personal.reveal": "查看完整个人信息（须说明事由，记入审计）",
    "audit.read": "查阅审计日志",
    "client.self": "部门接入账户：查询本账户信息",
    "client.read": "部门接入账户：读取授权的数据集",
    "client.write": "部门接入账户：报送授权的数据集",
    "client.subscribe": "部门接入账户：订阅授权的数据集",
}


@cache
def _merged() -> tuple[Mapping[str, str], Mapping[str, str], Mapping[str, str]]:
    actions: dict[str, str] = {}
    entities: dict[str, str] = {}
    permissions: dict[str, str] = {}
    for c in CONTEXTS:
        if c.vocabulary:
            module = load(c.vocabulary)
            actions.update(getattr(module, "ACTIONS", {}))
            entities.update(getattr(module, "ENTITIES", {}))
            permissions.update(getattr(module, "PERMISSIONS", {}))
    return actions, entities, permissions


def action_label(code: str) -> str:
    return _merged()[0].get(code, code)


def entity_label(code: str | None) -> str:
    return "" if not code else _merged()[1].get(code, code)


def permission_label(code: str) -> str:
    return _merged()[2].get(code, code)
