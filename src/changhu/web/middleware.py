"""A user whose password was set by an administrator (or has expired) changes it before doing
anything else; a page's form that carries characters no text should hold is refused whole."""

from __future__ import annotations

from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

# What a user who must change the password may still reach.
_OPEN_PREFIXES = (
    "/static/",
    "/login/",
    "/logout/",
    "/password/",
    "/pwa/manifest",
    "/pwa/sw.js",
    "/api/v1/auth/password",
    "/api/v1/auth/me",
)


class PasswordChangeRequiredMiddleware:
    """Pages redirect to 修改密码 (coming back afterwards); the API answers 403
    ``password_change_required`` to a signed-in session (the phone app's calls)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "needs_password_change", False)
            and not request.path.startswith(_OPEN_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                body = {
                    "code": "password_change_required",
                    "message": "首次登录、密码被重置或已过期，请先修改密码",
                    "fields": {},
                }
                return JsonResponse(body, status=403, json_dumps_params={"ensure_ascii": False})
            target = reverse("web:password_change")
            if request.method == "GET":
                target += "?" + urlencode({"next": request.get_full_path()})
            return redirect(target)
        return self.get_response(request)


class FormTextMiddleware:
    """The back office's side of ``core.text`` (the API's is ``api.guard``): a posted form whose
    text holds NUL, control, bidi or byte-order-mark characters is refused with a Chinese page
    and nothing is written. Line breaks are left to the forms, which know a one-line field
    (``web.forms.StaffForm``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and not request.path.startswith("/api/"):
            why = _form_text_problem(request)
            if why:
                from changhu.web.errors import _page

                message = (
                    f"提交的内容{why}（多半是从其他文档复制时带入的不可见字符），系统未做任何修改。"
                    "请返回上一页，删除这些内容后重新输入。"
                )
                return _page(
                    request, "web/error.html", 422, {"error": {"status": 422, "message": message}}
                )
        return self.get_response(request)


def _form_text_problem(request) -> str:
    from changhu.core import text

    try:
        form = request.POST
        files = request.FILES
    except MultiPartParserError:
        return "格式有误（上传未完成）"
    for _key, values in form.lists():
        for value in values:
            why = text.problem(value, multiline=True)
            if why:
                return why
    for upload in files.values():
        why = text.problem(upload.name or "")
        if why:
            return f"的文件名{why}"
    return ""
