"""API authentication: bearer tokens for apps and scripts, the session for our own pages/PWA."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from changhu.core import context
from changhu.orgs.models import ApiToken


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_token(user, *, name: str = "") -> tuple[str, ApiToken]:
    """A new token for ``user``; the clear key is returned once and never stored."""
    key = "chk_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        key_hash=_hash(key),
        prefix=key[4:12],
        name=name[:64],
        expires_at=timezone.now() + dt.timedelta(days=settings.API_TOKEN_DAYS),
    )
    return key, token


def _bind_actor(request, user) -> None:
    request.user = user
    ctx = context.current()
    context.set_current(context.ActorContext(user_id=user.pk, ip=ctx.ip, channel="api"))


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request, token: str):
        row = (
            ApiToken.objects.select_related("user", "user__organization")
            .filter(key_hash=_hash(token), revoked=False, expires_at__gt=timezone.now())
            .first()
        )
        if row is None or not row.user.is_active:
            return None
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=5):
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        _bind_actor(request, row.user)
        return row.user


class StaffSession(SessionAuth):
    """The web session (with CSRF), so the PWA and htmx pages can call the API."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is not None:
            _bind_actor(request, user)
        return user
