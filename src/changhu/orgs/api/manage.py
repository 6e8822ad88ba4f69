"""系统管理: the logins an administrator manages (``/api/v1/manage/``)."""

from __future__ import annotations

from ninja import Query, Router, Schema, Status
from pydantic import Field

from changhu.api.rights import needs
from changhu.api.schemas import Page, errors, list_page, write
from changhu.orgs import administration as admin
from changhu.orgs.roles import Right

router = Router(tags=["系统管理"])


class ManagedUserOut(Schema):
    id: int
    username: str = Field(..., description="登录名")
    real_name: str = Field(..., description="姓名")
    organization_id: int | None = Field(None, description="所属机构")
    organization_name: str = Field("", description="所属机构名称")
    role: str = Field(..., description="角色")
    role_label: str = Field(..., description="角色名称")
    region_code: str = Field("", description="数据范围（区划代码）；空为随所属机构")
    is_active: bool = Field(..., description="可以登录")
    must_change_password: bool = Field(..., description="下次登录须修改密码")

    @staticmethod
    def resolve_organization_name(obj) -> str:
        return obj.organization.name if obj.organization_id else ""

    @staticmethod
    def resolve_role_label(obj) -> str:
        return obj.get_role_display() if obj.role else ""

    @staticmethod
    def resolve_region_code(obj) -> str:
        return obj.region_scope.code if obj.region_scope_id else ""


class ManagedUserWithPasswordOut(ManagedUserOut):
    initial_password: str = Field(..., description="初始密码，只返回这一次；首次登录须修改")


class ManagedUserIn(Schema):
    username: str = Field(..., max_length=40, description="登录名，3至40位字母、数字或 _ . -")
    real_name: str = Field(..., max_length=40, description="姓名")
    organization_id: int = Field(..., description="所属机构（须在管理范围内）")
    role: str = Field(..., max_length=24, description="角色；其权限不能超出调用者本人的权限")
    region_code: str = Field("", max_length=12, description="数据范围区划代码；空为随所属机构")


class ManagedUserQuery(Schema):
    q: str = Field("", max_length=40, description="登录名或姓名")
    organization_id: int | None = None
    page: int = 1
    page_size: int = 20


def _out(user, password: str | None = None):
    """The login as the schemas show it; a new initial password rides along once."""
    if password is not None:
        user.initial_password = password
    return user


@router.get("/users", response={200: Page[ManagedUserOut], **errors(403, 422)})
@needs(Right.USERS_MANAGE, writes=False)
def managed_user_list(request, query: Query[ManagedUserQuery]):
    """可管理的账号：本人管理的机构内、角色权限不超出本人权限的账号。"""
    return list_page(
        request,
        query,
        admin.managed_users,
        right=Right.USERS_MANAGE,
        search=query.q,
        organization_id=query.organization_id,
    )


@write(router, "/users", ManagedUserWithPasswordOut, status=201)
@needs(Right.USERS_MANAGE)
def managed_user_create(request, payload: ManagedUserIn):
    """开通账号：返回一次初始密码，首次登录须修改。不能授予超出本人权限的角色（403）。"""
    user, password = admin.user_create(actor=request.auth, data=admin.UserInput(**payload.dict()))
    user = admin.managed_user(fetched_by=request.auth, user_id=user.pk)
    return Status(201, _out(user, password))


@write(router, "/users/{user_id}/disable", ManagedUserOut)
@needs(Right.USERS_MANAGE)
def managed_user_disable(request, user_id: int):
    """停用账号：不能再登录，接口令牌和登录会话立即失效。"""
    admin.user_disable(actor=request.auth, user_id=user_id)
    return _out(admin.managed_user(fetched_by=request.auth, user_id=user_id))


@write(router, "/users/{user_id}/unlock", ManagedUserOut)
@needs(Right.USERS_MANAGE)
def managed_user_unlock(request, user_id: int):
    """解除登录锁定（连续登录失败造成的锁定）。"""
    user = admin.user_unlock(actor=request.auth, user_id=user_id)
    return _out(admin.managed_user(fetched_by=request.auth, user_id=user.pk))


@write(router, "/users/{user_id}/password-reset", ManagedUserWithPasswordOut)
@needs(Right.USERS_MANAGE)
def managed_user_password_reset(request, user_id: int):
    """重置密码：返回一次新的初始密码；原密码、接口令牌和登录会话立即失效，下次登录须修改
    密码。已停用的账号同时重新启用。"""
    user, password = admin.user_password_reset(actor=request.auth, user_id=user_id)
    return _out(admin.managed_user(fetched_by=request.auth, user_id=user.pk), password)
