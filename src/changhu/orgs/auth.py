"""Lockout responses for django-axes, in the shape of every other error."""

from django.http import JsonResponse
from django.shortcuts import render

LOCKED_MESSAGE = "登录失败次数过多，账号已被暂时锁定，请稍后再试或联系管理员"


def lockout_response(request, *args, **kwargs):
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "account_locked", "message": LOCKED_MESSAGE, "fields": {}}, status=429
        )
    return render(request, "web/locked.html", {"message": LOCKED_MESSAGE}, status=429)
