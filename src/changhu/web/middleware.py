"""A user whose password was set by an administrator changes it before doing anything else."""

from __future__ import annotations

from django.http import JsonResponse
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
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(_OPEN_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                body = {
                    "code": "password_change_required",
                    "message": "首次登录或密码被重置后，请先修改密码",
                    "fields": {},
                }
                return JsonResponse(body, status=403, json_dumps_params={"ensure_ascii": False})
            target = reverse("web:password_change")
            if request.method == "GET":
                target += "?" + urlencode({"next": request.get_full_path()})
            return redirect(target)
        return self.get_response(request)
