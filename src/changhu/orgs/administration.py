"""Staff and organization administration (系统管理, ``/manage/``): what an administrator may
reach, and every write they make to organizations and logins.

Who is an administrator: a role holding ``users.manage`` (logins) or ``orgs.manage``
(organizations). The bureau's administrator manages the organizations of its city; an
insurer's or an institution's own administrator manages only its own organization and the
outlets under it. Two rules hold for every call:

- an administrator never grants a right they do not hold: a role may be given (or a login of
  that role managed) only when all the role's rights are among the administrator's own;
- an organization or login outside what the administrator manages is "not found" (404).

Every write is recorded in the audit trail.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet, Sum

from changhu.core import audit, clock, scope
from changhu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, field_error
from changhu.orgs import services as accounts
from changhu.orgs.models import (
    Consortium,
    Organization,
    OrgKind,
    OrgStatus,
    Region,
    User,
    UserImportBatch,
)
from changhu.orgs.roles import RIGHTS, ROLE_ORG_KINDS, Right, Role
from changhu.orgs.scoping import organization_prefixes

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,40}$")
# Logins opened elsewhere: a caregiver's with the caregiver's record (providers), an
# applicant's by the family's own sign-up. /manage/ can still disable, unlock or reset them.
NOT_CREATED_HERE = frozenset({Role.CAREGIVER, Role.APPLICANT})


# --- who may reach what ---------------------------------------------------------------------


def is_admin(user) -> bool:
    """Holds one of the administration rights (the 系统管理 menu)."""
    s = scope.scope_of(user)
    return s.can(Right.USERS_MANAGE) or s.can(Right.ORGS_MANAGE)


def is_city_admin(s: scope.Scope) -> bool:
    """The bureau's administrator (or the platform's): every organization of its regions."""
    return s.unrestricted or (s.organization_kind == OrgKind.BUREAU and s.can(Right.ORGS_MANAGE))


def may_grant(s: scope.Scope, role: str) -> bool:
    """Every right of ``role`` is one the administrator holds."""
    return s.unrestricted or (role in RIGHTS and RIGHTS[role] <= s.rights)


def grantable_roles(user) -> list[tuple[str, str]]:
    """(value, label) of the roles this administrator may give to a new login."""
    s = scope.scope_of(user)
    return [(r.value, r.label) for r in Role if r not in NOT_CREATED_HERE and may_grant(s, r)]


def managed_organizations(*, fetched_by) -> QuerySet:
    """The organizations an administrator manages (403 without an administration right)."""
    s = scope.scope_of(fetched_by)
    if not (s.can(Right.USERS_MANAGE) or s.can(Right.ORGS_MANAGE)):
        raise PermissionDenied()
    qs = Organization.objects.select_related("region", "parent", "consortium")
    if s.unrestricted:
        return qs.order_by("kind", "name")
    own = Q(pk=s.organization_id) if s.organization_id else Q(pk__in=[])
    if s.organization_kind == OrgKind.BUREAU:
        return qs.filter(own | s.region_q("region__code")).order_by("kind", "name")
    return qs.filter(own | Q(parent_id=s.organization_id)).order_by("kind", "name")


def managed_organization(*, fetched_by, organization_id) -> Organization:
    try:
        return managed_organizations(fetched_by=fetched_by).get(pk=organization_id)
    except (Organization.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def managed_users(*, fetched_by, search: str = "", organization_id=None) -> QuerySet:
    """The logins an administrator manages: in their organizations, of a role whose rights
    they hold (403 without ``users.manage``)."""
    s = scope.require(fetched_by, Right.USERS_MANAGE)
    orgs = managed_organizations(fetched_by=fetched_by).values("pk")
    roles = [r.value for r in Role if may_grant(s, r)]
    qs = User.objects.filter(is_superuser=False, organization__in=orgs).filter(
        Q(role__in=roles) | Q(role="")
    )
    if search:
        qs = qs.filter(Q(username__icontains=search) | Q(real_name__icontains=search))
    if organization_id:
        qs = qs.filter(organization_id=organization_id)
    return qs.select_related("organization", "region_scope").order_by("organization__name", "pk")


def managed_user(*, fetched_by, user_id) -> User:
    try:
        return managed_users(fetched_by=fetched_by).get(pk=user_id)
    except (User.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def is_locked(user: User) -> bool:
    """django-axes holds a lockout of this login (any address)."""
    from axes.models import AccessAttempt
    from django.conf import settings

    limit = settings.AXES_FAILURE_LIMIT
    return AccessAttempt.objects.filter(
        username__iexact=user.username, failures_since_start__gte=limit
    ).exists()


# --- logins ---------------------------------------------------------------------------------


def new_password() -> str:
    """12 characters, letters and digits, without look-alikes (0/O, 1/l/I)."""
    letters = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
    digits = "23456789"
    chars = [secrets.choice(letters) for _ in range(8)] + [secrets.choice(digits) for _ in range(4)]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


@dataclass
class UserInput:
    username: str = ""
    real_name: str = ""
    organization_id: int | None = None
    role: str = ""
    region_code: str = ""


@dataclass
class CleanUser:
    username: str
    real_name: str
    organization: Organization
    role: str
    region: Region | None


USER_LABELS = {
    "real_name": "姓名",
    "role": "角色",
    "region_scope": "数据范围",
    "organization": "所属机构",
    "is_active": "状态",
}


def _check_role(s: scope.Scope, role: str, organization: Organization, *, creating: bool) -> None:
    if role not in Role.values:
        raise field_error("role", "role_invalid", "请选择角色")
    if not may_grant(s, role):
        raise PermissionDenied("不能授予超出本人权限的角色", code="role_beyond_rights")
    if creating and role in NOT_CREATED_HERE:
        raise field_error(
            "role",
            "role_not_created_here",
            "护理员账号请在护理员页面开通；参保人/家属账号由本人注册",
        )
    if organization.kind not in ROLE_ORG_KINDS.get(role, set()):
        raise field_error(
            "role",
            "role_org_kind",
            f"{Role(role).label}不能属于{organization.get_kind_display()}",
        )


def _region_scope(s: scope.Scope, organization: Organization, code: str) -> Region | None:
    code = (code or "").strip()
    if not code:
        return None
    region = Region.objects.filter(code=code, active=True).first()
    if region is None:
        raise field_error("region_code", "region_unknown", "找不到该行政区划代码")
    inside_org = any(code.startswith(p) for p in organization_prefixes(organization))
    if not inside_org or not s.covers_region(code):
        raise field_error(
            "region_code", "region_outside", "数据范围须在所属机构的负责区域和您的数据范围内"
        )
    return region


def clean_user(actor, data: UserInput) -> CleanUser:
    """The checks of a new login (also each row of an import): 403 for a role beyond the
    administrator's rights, 404 for an organization they do not manage, 422 for bad fields."""
    s = scope.require(actor, Right.USERS_MANAGE)
    username = (data.username or "").strip()
    real_name = (data.real_name or "").strip()
    problems: dict[str, str] = {}
    if not USERNAME_RE.match(username):
        problems["username"] = "登录名应为3至40位字母、数字或 _ . -"
    if not real_name:
        problems["real_name"] = "请填写姓名"
    elif len(real_name) > 40:
        problems["real_name"] = "姓名最长40字"
    if problems:
        first = next(iter(problems.values()))
        raise ValidationFailed(first, code="user_invalid", fields=problems)
    if not data.organization_id:
        raise field_error("organization_id", "organization_required", "请选择所属机构")
    organization = managed_organization(fetched_by=actor, organization_id=data.organization_id)
    _check_role(s, data.role, organization, creating=True)
    region = _region_scope(s, organization, data.region_code)
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(
            "该登录名已被使用",
            code="username_taken",
            fields={"username": "该登录名已被使用，请换一个"},
        )
    return CleanUser(username, real_name, organization, data.role, region)


def _write_user(actor, clean: CleanUser, *, password: str | None, note: str) -> User:
    user = User(
        username=clean.username,
        real_name=clean.real_name,
        organization=clean.organization,
        role=clean.role,
        region_scope=clean.region,
        must_change_password=True,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit.record(
        action="create",
        obj=user,
        user=actor,
        changes={
            "登录名": user.username,
            "姓名": user.real_name,
            "所属机构": clean.organization.name,
            "角色": str(Role(clean.role).label),
            "数据范围": clean.region.name if clean.region else "随所属机构",
        },
        note=note,
    )
    return user


def user_create(*, actor, data: UserInput) -> tuple[User, str]:
    """开通账号: a login with an initial password, returned once, that must be changed at the
    first sign-in."""
    clean = clean_user(actor, data)
    password = new_password()
    with transaction.atomic():
        user = _write_user(actor, clean, password=password, note="管理员开通账号")
    return user, password


def user_create_imported(*, actor, clean: CleanUser) -> User:
    """A login from an import row: no usable password until the administrator issues one
    (重置密码 on its page shows it once)."""
    return _write_user(actor, clean, password=None, note="批量导入开通账号")


def _user_for_update(actor, user_id) -> User:
    user = managed_user(fetched_by=actor, user_id=user_id)
    return User.objects.select_for_update().get(pk=user.pk)


def user_update(*, actor, user_id, real_name: str, role: str, region_code: str = "") -> User:
    """修改账号: name, role and data scope; a role beyond the administrator's rights is
    refused (403)."""
    s = scope.require(actor, Right.USERS_MANAGE)
    real_name = (real_name or "").strip()
    if not real_name or len(real_name) > 40:
        raise field_error("real_name", "user_invalid", "请填写姓名（最长40字）")
    with transaction.atomic():
        user = _user_for_update(actor, user_id)
        _check_role(s, role, user.organization, creating=role != user.role)
        region = _region_scope(s, user.organization, region_code)
        before = _user_snapshot(user)
        user.real_name, user.role, user.region_scope = real_name, role, region
        after = _user_snapshot(user)
        changes = audit.diff(before, after, labels=USER_LABELS)
        if changes:
            user.save(update_fields=["real_name", "role", "region_scope"])
            audit.record(action="update", obj=user, user=actor, changes=changes, note="修改账号")
    scope.forget(user)
    return user


def _user_snapshot(user: User) -> dict:
    return {
        "real_name": user.real_name,
        "role": user.get_role_display() if user.role else "",
        "region_scope": user.region_scope.name if user.region_scope_id else "随所属机构",
    }


def sessions_end(user: User) -> int:
    """Sign the login out of every browser (its stored sessions are deleted)."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=clock.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


def _not_self(actor, user: User, what: str) -> None:
    if user.pk == actor.pk:
        raise Conflict(f"不能{what}自己的账号", code="own_account")


def user_disable(*, actor, user_id) -> User:
    """停用账号: it can no longer sign in; its tokens and sessions end."""
    with transaction.atomic():
        user = _user_for_update(actor, user_id)
        _not_self(actor, user, "停用")
        if not user.is_active:
            raise Conflict("该账号已停用", code="user_already_disabled")
        accounts.login_close(user)
        sessions_end(user)
        audit.record(
            action="update",
            obj=user,
            user=actor,
            changes={"状态": {"from": "正常", "to": "停用"}},
            note="停用账号",
        )
    return user


def user_unlock(*, actor, user_id) -> User:
    """解除锁定: the login's failed sign-ins are forgotten (django-axes)."""
    from axes.utils import reset as reset_lockout

    with transaction.atomic():
        user = _user_for_update(actor, user_id)
        cleared = reset_lockout(username=user.username)
        audit.record(action="update", obj=user, user=actor, note=f"解除登录锁定（{cleared}条）")
    return user


def user_password_reset(*, actor, user_id) -> tuple[User, str]:
    """重置密码: a new initial password (returned once) that must be changed at the next
    sign-in; the login's API tokens are revoked, its sessions end and a lockout is lifted.
    A disabled login is opened again."""
    from axes.utils import reset as reset_lockout

    password = new_password()
    with transaction.atomic():
        user = _user_for_update(actor, user_id)
        _not_self(actor, user, "重置")
        reopened = not user.is_active
        accounts.login_reset(user, password=password)
        sessions_end(user)
        audit.record(
            action="update",
            obj=user,
            user=actor,
            changes={"状态": {"from": "停用", "to": "正常"}} if reopened else {},
            note="重置密码（令牌与登录会话已失效，下次登录须修改密码）",
        )
    reset_lockout(username=user.username)
    return user, password


# --- organizations --------------------------------------------------------------------------


@dataclass
class OrganizationInput:
    kind: str = ""
    name: str = ""
    short_name: str = ""
    uscc: str = ""
    region_code: str = ""
    address: str = ""
    parent_id: int | None = None
    consortium_id: int | None = None
    consortium_lead: bool = False
    consortium_share: str | Decimal | None = None
    coverage_codes: list[str] = field(default_factory=list)
    care_kind: str = ""
    status: str = OrgStatus.ACTIVE
    contact_name: str = ""
    contact_phone: str = ""


# What an insurer's or institution's own administrator may change: of its own organization
# only the contact details; of an outlet under it, also where it is and what it covers.
OWN_FIELDS = ("short_name", "address", "contact_name", "contact_phone")
OUTLET_FIELDS = (*OWN_FIELDS, "name", "region_code", "coverage_codes", "status")
ALL_FIELDS = tuple(OrganizationInput.__dataclass_fields__)

ORG_LABELS = {
    "kind": "机构类型",
    "name": "名称",
    "short_name": "简称",
    "uscc": "统一社会信用代码",
    "region": "所在地区",
    "address": "地址",
    "parent": "上级机构",
    "consortium": "所属共保体",
    "consortium_lead": "共保体主承保",
    "consortium_share": "共保份额（%）",
    "coverage": "负责区域",
    "care_kind": "护理机构类别",
    "status": "状态",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
}


def editable_fields(actor, organization: Organization | None) -> tuple[str, ...]:
    """The fields of ``organization`` (None: a new one) this administrator may set."""
    s = scope.require(actor, Right.ORGS_MANAGE)
    if is_city_admin(s):
        return ALL_FIELDS
    if organization is None or organization.pk != s.organization_id:
        return OUTLET_FIELDS
    return OWN_FIELDS


def _region(code: str, s: scope.Scope, name: str) -> Region:
    region = Region.objects.filter(code=(code or "").strip(), active=True).first()
    if region is None:
        raise field_error(name, "region_unknown", "找不到该行政区划代码")
    if not s.covers_region(region.code):
        raise field_error(name, "region_outside", "该地区不在您的数据范围内")
    return region


def _share(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        share = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise field_error("consortium_share", "share_invalid", "份额应为0至100的数字") from None
    if not Decimal("0") < share <= Decimal("100"):
        raise field_error("consortium_share", "share_invalid", "份额应为0至100的数字")
    return share


def _apply(actor, s, org: Organization, data: OrganizationInput, allowed) -> list[Region] | None:
    """Set the allowed fields of ``org`` from ``data``; the coverage to set, or None."""
    city = is_city_admin(s)
    if "kind" in allowed:
        if data.kind not in OrgKind.values:
            raise field_error("kind", "org_kind_invalid", "请选择机构类型")
        org.kind = data.kind
    for name in ("name", "short_name", "uscc", "address", "contact_name", "contact_phone"):
        if name in allowed:
            setattr(org, name, (getattr(data, name) or "").strip())
    if "name" in allowed and not org.name:
        raise field_error("name", "org_name_required", "请填写机构名称")
    if "region_code" in allowed:
        org.region = _region(data.region_code, s, "region_code")
    if "parent_id" in allowed:
        org.parent = (
            managed_organization(fetched_by=actor, organization_id=data.parent_id)
            if data.parent_id
            else None
        )
        if org.parent is not None and org.pk and org.parent.pk == org.pk:
            raise field_error("parent_id", "org_parent_self", "上级机构不能是本机构")
    if "consortium_id" in allowed:
        org.consortium = _consortium(data.consortium_id, s) if data.consortium_id else None
        org.consortium_lead = bool(data.consortium_lead) and org.consortium is not None
        org.consortium_share = _share(data.consortium_share) if org.consortium else None
        if org.consortium is not None and org.kind != OrgKind.INSURER:
            raise field_error("consortium_id", "consortium_not_insurer", "只有商保机构可加入共保体")
    if "care_kind" in allowed:
        org.care_kind = data.care_kind if org.kind == OrgKind.CARE else ""
        if org.kind == OrgKind.CARE and not org.care_kind:
            raise field_error("care_kind", "care_kind_required", "护理机构须选择类别")
    if "status" in allowed:
        if data.status not in OrgStatus.values:
            raise field_error("status", "org_status_invalid", "请选择状态")
        org.status = data.status
    if not city and org.pk != s.organization_id:
        # An insurer's or institution's own administrator adds outlets under itself only.
        org.kind = OrgKind.OUTLET
        org.parent_id = s.organization_id
    coverage = None
    if "coverage_codes" in allowed:
        coverage = [_region(code, s, "coverage_codes") for code in data.coverage_codes if code]
    return coverage


def _consortium(consortium_id, s: scope.Scope) -> Consortium:
    consortium = Consortium.objects.select_related("city").filter(pk=consortium_id).first()
    if consortium is None or not s.covers_region(consortium.city.code):
        raise field_error("consortium_id", "consortium_unknown", "请选择共保体")
    return consortium


def _check_shares(org: Organization) -> None:
    if org.consortium_id is None:
        return
    others = Organization.objects.filter(consortium_id=org.consortium_id).exclude(
        pk=org.pk
    ).aggregate(total=Sum("consortium_share"))["total"] or Decimal("0")
    if others + (org.consortium_share or Decimal("0")) > Decimal("100"):
        raise field_error(
            "consortium_share",
            "share_over_total",
            f"共保体其他成员已占{others}%，合计不能超过100%",
        )


def _validate(org: Organization) -> None:
    duplicate = Organization.objects.filter(name=org.name).exclude(pk=org.pk).exists()
    if duplicate:
        raise Conflict(
            "已有同名机构", code="org_name_taken", fields={"name": "已有同名机构，请换一个名称"}
        )
    _check_shares(org)
    try:
        org.full_clean(exclude=["coverage", "scope_prefixes"], validate_unique=False)
    except ValidationError as exc:
        fields = {name: "；".join(messages) for name, messages in exc.message_dict.items()}
        raise ValidationFailed(
            "机构信息有误：" + next(iter(fields.values())), code="org_invalid", fields=fields
        ) from None


def _org_snapshot(org: Organization, coverage: list[str]) -> dict:
    return {
        "kind": org.get_kind_display(),
        "name": org.name,
        "short_name": org.short_name,
        "uscc": org.uscc,
        "region": org.region.name if org.region_id else "",
        "address": org.address,
        "parent": org.parent.name if org.parent_id else "",
        "consortium": org.consortium.name if org.consortium_id else "",
        "consortium_lead": "是" if org.consortium_lead else "否",
        "consortium_share": str(org.consortium_share or ""),
        "coverage": "、".join(coverage),
        "care_kind": org.get_care_kind_display() if org.care_kind else "",
        "status": org.get_status_display(),
        "contact_name": org.contact_name,
        "contact_phone": org.contact_phone,
    }


def organization_create(*, actor, data: OrganizationInput) -> Organization:
    """新建机构: the bureau's administrator any kind in its regions; an insurer's own
    administrator an outlet under itself."""
    s = scope.require(actor, Right.ORGS_MANAGE)
    if not is_city_admin(s) and s.organization_kind != OrgKind.INSURER:
        raise PermissionDenied("只有医保局管理员可以新建机构", code="org_create_denied")
    allowed = editable_fields(actor, None)
    with transaction.atomic():
        org = Organization()
        coverage = _apply(actor, s, org, data, allowed)
        _validate(org)
        org.save()
        if coverage is not None:
            org.coverage.set(coverage)
        audit.record(
            action="create",
            obj=org,
            user=actor,
            changes={
                ORG_LABELS[k]: v
                for k, v in _org_snapshot(org, [r.name for r in coverage or []]).items()
                if v
            },
            note="新建机构",
        )
    return org


def organization_update(*, actor, organization_id, data: OrganizationInput) -> Organization:
    """修改机构: only the fields this administrator may set (``editable_fields``); the others
    keep their values whatever is sent."""
    s = scope.require(actor, Right.ORGS_MANAGE)
    with transaction.atomic():
        found = managed_organization(fetched_by=actor, organization_id=organization_id)
        org = Organization.objects.select_for_update().get(pk=found.pk)
        allowed = editable_fields(actor, org)
        before = _org_snapshot(org, [r.name for r in org.coverage.all()])
        coverage = _apply(actor, s, org, data, allowed)
        _validate(org)
        names = [r.name for r in coverage] if coverage is not None else None
        after = _org_snapshot(org, names if names is not None else [])
        if names is None:
            after["coverage"] = before["coverage"]
        changes = audit.diff(before, after, labels=ORG_LABELS)
        if changes:
            org.save()
            if coverage is not None:
                org.coverage.set(coverage)
            audit.record(action="update", obj=org, user=actor, changes=changes, note="修改机构")
    return org


# --- bulk creation: the import batches ------------------------------------------------------


def import_batches(*, fetched_by) -> QuerySet:
    """The account-import batches the reader may see, newest first by the model's order."""
    return scope.scoped(UserImportBatch.objects.select_related("uploaded_by"), fetched_by)


def import_batch_get(*, fetched_by, batch_id: int) -> UserImportBatch:
    """One batch in the reader's scope; 404 otherwise."""
    return scope.get_scoped(UserImportBatch.objects.all(), fetched_by, pk=batch_id)
