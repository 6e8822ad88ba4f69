"""Log in for a token, see who you are, revoke a token."""

from __future__ import annotations

from django.contrib.auth import authenticate
from ninja import Router, Schema, Status
from pydantic import Field

from changhu.api.rights import public, signed_in
from changhu.api.schemas import ErrorOut, errors
from changhu.core.errors import NotAuthenticated
from changhu.core.scope import scope_of
from changhu.orgs import services as org_services

router = Router(tags=["认证"])


class TokenIn(Schema):
    username: str = Field(..., max_length=150)
    password: str = Field(..., max_length=200)
    name: str = Field("", max_length=64, description="令牌用途，如“护理员手机”")


class TokenOut(Schema):
    token: str
    expires_at: str
    must_change_password: bool = Field(
        description=(
            "为真时（首次登录、密码被重置或已过期）须先调用 POST /api/v1/auth/password "
            "修改密码，其他接口返回403"
        )
    )


class PasswordIn(Schema):
    old_password: str = Field(..., max_length=200)
    new_password: str = Field(..., max_length=200)


class MeOut(Schema):
    id: int
    username: str
    real_name: str
    must_change_password: bool
    role: str
    role_label: str
    organization: str | None
    organization_kind: str | None
    region_prefixes: list[str]
    rights: list[str]


@router.post(
    "/token", auth=None, response={200: TokenOut, 400: ErrorOut, 401: ErrorOut, 429: ErrorOut}
)
@public
def token_create(request, payload: TokenIn):
    """用户名和密码换取访问令牌（连续失败将被锁定）。"""
    user = authenticate(request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        from changhu.orgs.auth import LOCKED_MESSAGE

        return Status(429, {"code": "account_locked", "message": LOCKED_MESSAGE, "fields": {}})
    if user is None or not user.is_active:
        raise NotAuthenticated("用户名或密码错误", code="login_failed")
    key, token = org_services.token_sign_in(user, name=payload.name)
    return {
        "token": key,
        "expires_at": token.expires_at.isoformat(),
        "must_change_password": user.needs_password_change,
    }


@router.get("/me", response={200: MeOut, **errors()})
def me(request):
    """当前用户、角色、数据范围和权限。"""
    user = request.auth
    s = scope_of(user)
    return {
        "id": user.pk,
        "username": user.username,
        "real_name": user.real_name,
        "must_change_password": user.needs_password_change,
        "role": user.role,
        "role_label": user.get_role_display() if user.role else "",
        "organization": user.organization.name if user.organization_id else None,
        "organization_kind": user.organization.kind if user.organization_id else None,
        "region_prefixes": list(s.region_prefixes),
        "rights": sorted(s.rights),
    }


@router.post("/password", response={204: None, **errors()})
@signed_in()
def password_change(request, payload: PasswordIn):
    """修改本人密码。首次登录或密码被管理员重置后，其他接口返回403 password_change_required，
    修改密码后恢复。"""
    org_services.password_change(
        user=request.auth, old_password=payload.old_password, new_password=payload.new_password
    )
    return Status(204, None)


@router.post("/token/revoke", response={204: None, **errors()})
@signed_in()
def token_revoke(request):
    """注销当前令牌。"""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        org_services.token_sign_out(request.auth, header[7:].strip())
    return Status(204, None)
