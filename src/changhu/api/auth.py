"""API authentication: bearer tokens for apps and scripts, the session for our own pages/PWA."""

from __future__ import annotations

import datetime as dt
import functools

from django.conf import settings
from django.db import connection
from ninja.security import HttpBearer, SessionAuth

from changhu.core import clock, context
from changhu.core.db import RowLoader, prepared_statements
from changhu.core.errors import PermissionDenied
from changhu.orgs import services as org_services
from changhu.orgs.models import ApiToken, Organization, Region, User

# Tokens are written by orgs.services; the names stay importable from here.
_hash = org_services.token_hash
issue_token = org_services.token_issue


def _bind_actor(request, user) -> None:
    request.user = user
    ctx = context.current()
    context.set_current(context.ActorContext(user_id=user.pk, ip=ctx.ip, channel="api"))


_TOKEN = RowLoader(ApiToken)
_USER = RowLoader(User)
_ORGANIZATION = RowLoader(Organization)
_REGION = RowLoader(Region)


@functools.cache
def _token_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    table = {m: quote(m._meta.db_table) for m in (ApiToken, User, Organization, Region)}
    return (
        f"SELECT {_TOKEN.columns('t')}, {_USER.columns('u')}, {_ORGANIZATION.columns('o')}, "
        f"{_REGION.columns('r')} FROM {table[ApiToken]} t "
        f"JOIN {table[User]} u ON u.id = t.user_id "
        f"LEFT JOIN {table[Organization]} o ON o.id = u.organization_id "
        f"LEFT JOIN {table[Region]} r ON r.id = u.region_scope_id "
        "WHERE t.key_hash = %s AND t.revoked = %s AND t.expires_at > %s LIMIT 1"
    )


def principal_for(key: str):
    """The active user a bearer key belongs to (with organization and region scope loaded,
    all a request's data scope is resolved from), or None.

    Every API call runs this, so it is one statement written in SQL and prepared per
    connection instead of an ORM query compiled on each request (about a fifth of a
    check-in's CPU); :class:`~changhu.core.db.RowLoader` turns the row into model instances.
    """
    now = clock.now()
    with prepared_statements(), connection.cursor() as cursor:
        cursor.execute(_token_sql(connection.vendor), [_hash(key), False, now])
        row = cursor.fetchone()
    if row is None:
        return None
    token, user, organization, region = RowLoader.load_all(
        row, connection, _TOKEN, _USER, _ORGANIZATION, _REGION
    )
    user.organization = organization
    user.region_scope = region
    user._changhu_token_id = token.pk  # the token this request signed in with
    if not user.is_active:
        return None
    idle = dt.timedelta(minutes=settings.API_TOKEN_IDLE_MINUTES)
    if now - (token.last_used_at or token.created_at) > idle:
        return None  # unused for too long: sign in again
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        org_services.token_touch(token.pk, now)
    return user


# What a token of a user who must change the password may still call (the session's pages
# and calls are held by web.middleware.PasswordChangeRequiredMiddleware).
PASSWORD_CHANGE_PATHS = ("/api/v1/auth/password", "/api/v1/auth/me", "/api/v1/auth/token/revoke")


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request, token: str):
        user = principal_for(token)
        if user is None:
            return None
        if user.needs_password_change and request.path not in PASSWORD_CHANGE_PATHS:
            raise PermissionDenied(
                "首次登录、密码被重置或已过期，请先修改密码", code="password_change_required"
            )
        _bind_actor(request, user)
        return user


class StaffSession(SessionAuth):
    """The web session (with CSRF), so the PWA and htmx pages can call the API."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is not None:
            _bind_actor(request, user)
        return user
