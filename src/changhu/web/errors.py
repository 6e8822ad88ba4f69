"""Error pages: Chinese, in the back-office layout for signed-in staff, JSON under the API.

Django calls these for 400, 403, 404 and 500 (``handler400`` … in ``changhu.urls``) and for a
refused CSRF check (``CSRF_FAILURE_VIEW``). With DEBUG on (the ``dev`` profile) Django shows its
own debug pages for 404 and 500 instead, which is what a developer wants.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"

# status: (API error code, what the page and the API say)
ERRORS = {
    400: ("bad_request", "请求无效"),
    403: ("permission_denied", "没有执行此操作的权限"),
    404: ("not_found", "记录不存在或无权查看"),
    500: ("server_error", "系统出现错误，请稍后重试；如问题持续，请联系系统管理员"),
}
CSRF_CODE = "csrf_failed"
CSRF_MESSAGE = "页面已过期或安全校验未通过，请刷新页面后重新提交"


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def _api_error(status: int, code: str, message: str) -> JsonResponse:
    """The API's error shape (docs/api.md): code, Chinese message, field errors."""
    return JsonResponse(
        {"code": code, "message": message, "fields": {}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def back_url(request) -> str:
    """The page the user came from, when it is one of ours; empty otherwise."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return ""


def _page(request, template: str, status: int, context: dict | None = None) -> HttpResponse:
    body = loader.render_to_string(
        template, {"back_url": back_url(request), **(context or {})}, request
    )
    return HttpResponse(body, status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    if _is_api(request):
        return _api_error(400, *ERRORS[400])
    return _page(request, "400.html", 400)


@requires_csrf_token
def permission_denied(request, exception=None):
    if _is_api(request):
        return _api_error(403, *ERRORS[403])
    return _page(request, "403.html", 403)


@requires_csrf_token
def page_not_found(request, exception=None):
    if _is_api(request):
        return _api_error(404, *ERRORS[404])
    return _page(request, "404.html", 404)


@requires_csrf_token
def server_error(request):
    """The 500 page, in the shell when it can be drawn; a plain page when even that fails.

    The shell needs the database (the menu comes from the user's rights), which may be the
    very thing that failed, so anything going wrong here falls back to the page without it.
    """
    if _is_api(request):
        return _api_error(500, *ERRORS[500])
    try:
        return _page(request, "500.html", 500)
    except Exception:
        logger.exception("the 500 page could not be drawn in the shell")
    return HttpResponse(loader.render_to_string("500.html", {}), status=500)


def csrf_failure(request, reason: str = ""):
    """A form sent without a valid CSRF token: a stale page, signed out elsewhere, no cookies."""
    if _is_api(request):
        return _api_error(403, CSRF_CODE, CSRF_MESSAGE)
    return _page(request, "403_csrf.html", 403)


class ErrorCode(StrEnum):
    """Every code the web package's own refusals carry (core/tests/test_error_codes.py
    checks the list against the source; docs/api.md shows them)."""

    PICKER_AMBIGUOUS = "picker_ambiguous"
    PICKER_NOT_FOUND = "picker_not_found"
    PICKER_REQUIRED = "picker_required"
    PICKER_UNKNOWN = "picker_unknown"
