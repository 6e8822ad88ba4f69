"""Request-wide middleware: actor context for the audit trail, Content-Security-Policy."""

from __future__ import annotations

from django.conf import settings

from changhu.core import context


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        channel = "api" if request.path.startswith("/api/") else "web"
        token = context.set_current(
            context.ActorContext(user_id=user_id, ip=context.client_ip(request), channel=channel)
        )
        try:
            return self.get_response(request)
        finally:
            context.reset(token)


class ContentSecurityPolicyMiddleware:
    """Sets a strict CSP; the interactive API docs page needs its own inline bootstrap script."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/api/v1/docs"):
            return response
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response
