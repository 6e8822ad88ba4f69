"""The shell's own pages: sign-in, sign-out and the home page with the user's work queues."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render
from django.views.decorators.http import require_GET

from changhu.core import clock, workdays
from changhu.core.scope import scope_of
from changhu.orgs.roles import Right, Role
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
    password = forms.CharField(
        label="密码",
        strip=False,
        error_messages={"required": "请输入密码"},
        widget=forms.PasswordInput(
            attrs={"autocomplete": "current-password", "class": "form-control"}
        ),
    )


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "您已安全退出")
        return response


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
