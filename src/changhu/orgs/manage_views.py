"""系统管理 (``/manage/``): organizations, logins, the rights of each role and the bulk import of
logins; thin views over ``orgs.administration``."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from changhu.core import audit
from changhu.core.errors import PermissionDenied
from changhu.core.imports import workbooks
from changhu.core.scope import require, scope_of
from changhu.orgs import administration as admin
from changhu.orgs import forms, imports
from changhu.orgs.models import UserImportBatch
from changhu.orgs.roles import READ_ONLY_RIGHTS, RIGHT_LABELS, RIGHTS, Right, Role, all_rights
from changhu.web.pages import (
    FORM_ERRORS,
    attachment,
    form_page,
    import_decisions,
    paginate,
    posted,
    upload_page,
)
from changhu.web.shortcuts import add_domain_error, staff_view


def _admin(user):
    if not admin.is_admin(user):
        raise PermissionDenied()
    return scope_of(user)


@staff_view
@require_GET
def home(request):
    s = _admin(request.user)
    if s.can(Right.USERS_MANAGE):
        return redirect("manage:user_list")
    return redirect("manage:organization_list")


# --- logins ---------------------------------------------------------------------------------


@staff_view
@require_GET
def user_list(request):
    require(request.user, Right.USERS_MANAGE)
    query = request.GET.get("q", "").strip()[:40]
    users = admin.managed_users(fetched_by=request.user, search=query)
    return render(
        request,
        "orgs/manage/user_list.html",
        {"page": paginate(request, users), "q": query},
    )


@staff_view
@require_http_methods(["GET", "POST"])
def user_new(request):
    require(request.user, Right.USERS_MANAGE)
    form = forms.UserCreateForm(posted(request), user=request.user)
    created = {}

    def save(form):
        user, password = admin.user_create(actor=request.user, data=form.data_input())
        created["user"], created["password"] = user, password
        return None

    response = form_page(
        request,
        "orgs/manage/user_form.html",
        form,
        save,
        context={"title": "开通账号"},
        field_map={"organization_id": "organization"},
    )
    if "user" in created:
        return _render_user(request, created["user"], new_password=created["password"])
    return response


def _render_user(request, account, *, edit_form=None, new_password=None, status=200):
    account = admin.managed_user(fetched_by=request.user, user_id=account.pk)
    form = edit_form or forms.UserEditForm(
        initial={
            "real_name": account.real_name,
            "role": account.role,
            "region_code": account.region_scope.code if account.region_scope_id else "",
        },
        user=request.user,
        account=account,
    )
    return render(
        request,
        "orgs/manage/user_detail.html",
        {
            "account": account,
            "form": form,
            "new_password": new_password,
            "locked": admin.is_locked(account),
            "is_self": account.pk == request.user.pk,
            "trail": audit.trail_for(account).order_by("-at", "-id")[:20],
        },
        status=status,
    )


@staff_view
@require_http_methods(["GET", "POST"])
def user_detail(request, pk: int):
    account = admin.managed_user(fetched_by=request.user, user_id=pk)
    if request.method == "GET":
        return _render_user(request, account)
    form = forms.UserEditForm(request.POST, user=request.user, account=account)
    if not form.is_valid():
        return _render_user(request, account, edit_form=form, status=422)
    try:
        admin.user_update(actor=request.user, user_id=pk, **form.cleaned_data)
    except FORM_ERRORS as exc:
        add_domain_error(form, exc)
        return _render_user(request, account, edit_form=form, status=exc.status)
    messages.success(request, "已保存")
    return redirect("manage:user_detail", pk=pk)


ACTIONS = {"disable", "unlock", "reset"}


@staff_view
@require_POST
def user_action(request, pk: int, action: str):
    """停用、解锁、重置密码 (the new password is shown once, on the page this POST answers)."""
    if action not in ACTIONS:
        return redirect("manage:user_detail", pk=pk)
    require(request.user, Right.USERS_MANAGE)
    try:
        if action == "disable":
            admin.user_disable(actor=request.user, user_id=pk)
            messages.success(request, "已停用该账号，其登录会话和接口令牌已失效")
        elif action == "unlock":
            admin.user_unlock(actor=request.user, user_id=pk)
            messages.success(request, "已解除登录锁定")
        else:
            account, password = admin.user_password_reset(actor=request.user, user_id=pk)
            return _render_user(request, account, new_password=password)
    except FORM_ERRORS as exc:
        messages.error(request, exc.message)
    return redirect("manage:user_detail", pk=pk)


# --- organizations --------------------------------------------------------------------------


@staff_view
@require_GET
def organization_list(request):
    require(request.user, Right.ORGS_MANAGE)
    orgs = admin.managed_organizations(fetched_by=request.user)
    s = scope_of(request.user)
    return render(
        request,
        "orgs/manage/organization_list.html",
        {
            "page": paginate(request, orgs),
            "can_create": admin.is_city_admin(s) or s.organization_kind == "insurer",
        },
    )


@staff_view
@require_http_methods(["GET", "POST"])
def organization_new(request):
    s = require(request.user, Right.ORGS_MANAGE)
    if not (admin.is_city_admin(s) or s.organization_kind == "insurer"):
        raise PermissionDenied("只有医保局管理员可以新建机构", code="org_create_denied")
    form = forms.OrganizationForm(posted(request), user=request.user)

    def save(form):
        org = admin.organization_create(actor=request.user, data=form.data_input())
        messages.success(request, f"已新建机构“{org.name}”")
        return redirect("manage:organization_edit", pk=org.pk)

    return form_page(
        request,
        "orgs/manage/organization_form.html",
        form,
        save,
        context={"title": "新建机构"},
        field_map=_org_fields,
    )


def _org_fields(form) -> dict:
    return {"parent_id": "parent", "consortium_id": "consortium"}


@staff_view
@require_http_methods(["GET", "POST"])
def organization_edit(request, pk: int):
    require(request.user, Right.ORGS_MANAGE)
    org = admin.managed_organization(fetched_by=request.user, organization_id=pk)
    form = forms.OrganizationForm(
        posted(request),
        user=request.user,
        organization=org,
        initial=forms.organization_initial(org),
    )

    def save(form):
        admin.organization_update(actor=request.user, organization_id=pk, data=form.data_input())
        messages.success(request, "已保存")
        return redirect("manage:organization_edit", pk=pk)

    return form_page(
        request,
        "orgs/manage/organization_form.html",
        form,
        save,
        context={
            "title": f"修改机构：{org.name}",
            "organization": org,
            "branches": admin.managed_organizations(fetched_by=request.user).filter(parent=org),
            "trail": audit.trail_for(org).order_by("-at", "-id")[:20],
        },
        field_map=_org_fields,
    )


# --- the rights of each role ----------------------------------------------------------------


@staff_view
@require_GET
def role_rights(request):
    """Each role and what it may do, in words (no internal codes)."""
    _admin(request.user)
    order = all_rights()
    roles = [
        {
            "label": role.label,
            "rights": [
                {"label": RIGHT_LABELS[r], "writes": r not in READ_ONLY_RIGHTS}
                for r in order
                if r in RIGHTS[role]
            ],
        }
        for role in Role
    ]
    return render(request, "orgs/manage/role_rights.html", {"roles": roles})


# --- the bulk import of logins --------------------------------------------------------------


@staff_view
@require_http_methods(["GET", "POST"])
def import_new(request):
    require(request.user, Right.USERS_MANAGE)
    return upload_page(
        request,
        "orgs/manage/import_new.html",
        forms.UserImportForm,
        lambda data, upload: imports.PIPELINE.upload(
            actor=request.user,
            kind=UserImportBatch.Kind.USERS,
            upload=upload,
            file_name=upload.name,
        ),
        detail="manage:import_detail",
        context={"batches": admin.import_batches(fetched_by=request.user)[:20]},
    )


@staff_view
@require_GET
def import_detail(request, pk: int):
    require(request.user, Right.USERS_MANAGE)
    batch = admin.import_batch_get(fetched_by=request.user, batch_id=pk)
    return render(
        request,
        "orgs/manage/import_detail.html",
        {"batch": batch, "form": forms.ImportCommitForm()},
    )


import_commit, import_discard = import_decisions(imports.PIPELINE, detail="manage:import_detail")


@staff_view
@require_GET
def import_errors(request, pk: int):
    batch = admin.import_batch_get(fetched_by=request.user, batch_id=pk)
    content, _ = workbooks.error_report(batch)
    return attachment(content, f"users-import-{batch.pk}-errors.xlsx")


@staff_view
@require_GET
def import_template(request):
    require(request.user, Right.USERS_MANAGE)
    content, _, _ = imports.PIPELINE.template(kind=UserImportBatch.Kind.USERS, file_format="xlsx")
    return attachment(content, "users-template.xlsx")
