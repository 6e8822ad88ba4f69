"""Bulk creation of staff logins from a spreadsheet, through the shared import pipeline
(``changhu.core.imports``): each row is checked by the same rules as the form
(``administration.clean_user``), and written by the same service.

An imported login has no usable password: the administrator issues its initial password from
the login's page (重置密码), which shows it once, so no password ever sits in a file.
"""

from __future__ import annotations

from changhu.core.errors import DomainError
from changhu.core.imports import lifecycle
from changhu.core.imports.cells import DIGITS, Column
from changhu.core.imports.run import ImportKind, RowHandler, RowProblems
from changhu.core.scope import register
from changhu.orgs import administration as admin
from changhu.orgs.models import Organization, Role, UserImportBatch
from changhu.orgs.roles import Right

Kind = UserImportBatch.Kind

USER_COLUMNS: tuple[Column, ...] = (
    Column("username", "登录名", required=True, hint="3至40位字母、数字或 _ . -"),
    Column("real_name", "姓名", required=True, hint="最长40字"),
    Column("organization", "所属机构", required=True, hint="机构全称或统一社会信用代码"),
    Column("role", "角色", required=True, hint="、".join(str(r.label) for r in Role)),
    Column("region_code", "数据范围代码", hint="6位区县代码；不填则随所属机构", cell=DIGITS),
)
_ROLE_BY_LABEL = {str(r.label): r.value for r in Role}
_FIELDS = {"organization_id": "organization"}


@register(UserImportBatch)
def _batch_policy(queryset, s):
    """The batches a user uploaded, and those of their own organization."""
    from django.db.models import Q

    own = Q(uploaded_by_id=s.user_id)
    if s.organization_id:
        own |= Q(organization_id=s.organization_id)
    return queryset.filter(own)


def _problems(exc: DomainError) -> list:
    if exc.fields:
        return [
            (_FIELDS.get(name, name), exc.code, message) for name, message in exc.fields.items()
        ]
    return [("", exc.code, exc.message)]


def _organization(actor, text: str) -> Organization:
    orgs = admin.managed_organizations(fetched_by=actor)
    found = orgs.filter(name=text).first() or orgs.filter(uscc=text.upper()).first()
    if found is None:
        raise RowProblems(
            [("organization", "organization_unknown", f"找不到机构“{text}”或不在您的管理范围内")]
        )
    return found


def _check(actor, values: dict, number: int, seen: dict) -> admin.CleanUser:
    role_text = values.get("role", "").strip()
    role = _ROLE_BY_LABEL.get(role_text, role_text)
    organization = _organization(actor, values.get("organization", "").strip())
    data = admin.UserInput(
        username=values.get("username", ""),
        real_name=values.get("real_name", ""),
        organization_id=organization.pk,
        role=role,
        region_code=values.get("region_code", ""),
    )
    try:
        clean = admin.clean_user(actor, data)
    except DomainError as exc:
        if exc.status == 403:
            raise RowProblems(
                [("role", "role_beyond_rights", "不能授予超出本人权限的角色")]
            ) from None
        raise RowProblems(_problems(exc)) from None
    key = clean.username.lower()
    if key in seen:
        raise RowProblems([("username", "import_duplicate_row", f"与第{seen[key]}行的登录名重复")])
    seen[key] = number
    return clean


class _UserRows(RowHandler):
    def __init__(self, run) -> None:
        super().__init__(run)
        self.seen: dict[str, int] = {}

    def handle(self, chunk) -> None:
        run = self.run
        for row in chunk:
            run.check_and_write(
                row.number,
                lambda r=row: _check(run.actor, r.values, r.number, self.seen),
                lambda clean: admin.user_create_imported(actor=run.actor, clean=clean),
            )


PIPELINE = lifecycle.register(
    UserImportBatch,
    kinds=[
        ImportKind(Kind.USERS, USER_COLUMNS, _UserRows, (Right.USERS_MANAGE,), "用户账号导入模板")
    ],
)
