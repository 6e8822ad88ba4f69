"""The shell's own pages: sign-in, sign-out and the home page with the user's work queues."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from changhu.core import clock, workdays
from changhu.core.scope import scope_of
from changhu.orgs import services as org_services
from changhu.orgs.roles import Right, Role
from changhu.web import pickers
from changhu.web.queues import dashboard
from changhu.web.shortcuts import staff_view

# What a role is told when none of its queues has anything in it.
ROLE_PLANS = {
    Role.ASSESSOR: "当前没有分派给您的评估任务；新派的评估任务会显示在这里。",
    Role.ASSESSMENT_EXPERT: "当前没有待您确认的评估结论；需要专家确认的评估会显示在这里。",
    Role.CARE_ADMIN: "当前没有待办事项；待确认的护理计划、即将到期的护理员证书会显示在这里。",
    Role.CAREGIVER: "当前没有待办事项；上门签到、签退请使用手机端。",
    Role.APPLICANT: (
        "您可以通过手机端办理待遇申请并查看办理进度；申请受理后，进度也会显示在这里。"
    ),
}
NO_ROLE_PLAN = "您的账号尚未分配角色或所属机构，请联系系统管理员开通相应权限。"


def _password(label: str, autocomplete: str, *, required: str, **kwargs) -> forms.CharField:
    """A password box, taken as typed (not stripped); ``required`` says what to do when empty."""
    return forms.CharField(
        label=label,
        strip=False,
        error_messages={"required": required},
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
        **kwargs,
    )


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码错误，请重新输入（密码区分大小写）",
        "inactive": "该账号已停用，请联系系统管理员",
    }

    username = forms.CharField(
        label="用户名",
        max_length=150,
        error_messages={"required": "请输入用户名"},
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "class": "form-control"}
        ),
    )
    password = _password("密码", "current-password", required="请输入密码")


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "您已安全退出")
        return response


class ChangePasswordForm(PasswordChangeForm):
    """修改密码: the current password, then the new one twice (checked by the validators)."""

    error_messages = {
        "password_incorrect": "当前密码不正确，请重新输入",
        "password_mismatch": "两次输入的新密码不一致",
    }

    old_password = _password("当前密码", "current-password", required="请输入当前密码")
    new_password1 = _password(
        "新密码",
        "new-password",
        required="请输入新密码",
        help_text="至少10位，须同时包含字母和数字，不能与用户名相近或过于常见",
    )
    new_password2 = _password("再次输入新密码", "new-password", required="请再次输入新密码")

    def clean(self):
        cleaned = super().clean()
        new = cleaned.get("new_password1")
        mismatch = cleaned.get("new_password2") not in (None, new)
        if new and not mismatch and self.user.check_password(new):
            # Said plainly, instead of the history rule's "not one of the last five".
            self.errors.pop("new_password2", None)
            self.add_error("new_password1", "新密码不能与当前密码相同")
        return cleaned


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    """修改密码; the first page of a user whose password an administrator set."""
    forced = request.user.needs_password_change
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    form = ChangePasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        org_services.password_set(user=user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, user)
        messages.success(request, "密码已修改，请牢记新密码")
        return redirect(next_url or "web:home")
    status = 422 if request.method == "POST" else 200
    context = {
        "form": form,
        "forced": forced,
        "expired": forced and not request.user.must_change_password,
        "max_age_days": settings.PASSWORD_MAX_AGE_DAYS,
        "next": next_url,
    }
    return render(request, "web/password_change.html", context, status=status)


login_view = auth_views.LoginView.as_view(
    template_name="web/login.html", authentication_form=LoginForm, redirect_authenticated_user=True
)
logout_view = LogoutView.as_view()


@staff_view
@require_GET
def home(request):
    scope = scope_of(request.user)
    groups = dashboard(request.user)
    plan = ""
    if not groups:
        plan = ROLE_PLANS.get(request.user.role, NO_ROLE_PLAN)
    return render(
        request,
        "web/home.html",
        {
            "queue_groups": groups,
            "role_plan": plan,
            "can_search": scope.can(Right.INSURED_VIEW),
            "can_create": scope.can(Right.INSURED_CREATE),
            "calendar_warnings": workdays.calendar_warnings(clock.today()),
        },
    )


@staff_view
@require_GET
def pick(request, kind):
    """The matches of a search picker (``web/_picker.html``) as list items, for htmx."""
    field = request.GET.get("field", "")
    text = request.GET.get(f"{field}_q", "") if field else ""
    choices = pickers.search(kind, request.user, text)
    return render(
        request,
        "web/_picker_results.html",
        {"choices": choices, "text": text.strip(), "noun": pickers.kind_of(kind).noun},
    )
