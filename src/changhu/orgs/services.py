"""Writes to accounts: a user's own password, and API tokens (issued and revoked).

Other apps that need an account written (the providers' caregiver phone login) call these
functions rather than the models.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction

from changhu.core import audit, clock
from changhu.core.errors import ValidationFailed
from changhu.orgs.models import ApiToken


def password_set(*, user, new_password: str) -> None:
    """Store a new password the caller has validated; the first-sign-in flag is cleared."""
    with transaction.atomic():
        user.set_password(new_password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        audit.record(action="update", obj=user, user=user, note="本人修改密码")


def password_change(*, user, old_password: str, new_password: str) -> None:
    """修改密码 from the API: the current password, then a new one that passes the validators
    and differs from it. Refusals name the field; nothing is written."""
    if not user.check_password(old_password or ""):
        raise _field("old_password", "password_incorrect", "当前密码不正确，请重新输入")
    if not new_password:
        raise _field("new_password", "password_required", "请输入新密码")
    if user.check_password(new_password):
        raise _field("new_password", "password_unchanged", "新密码不能与当前密码相同")
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise _field("new_password", "password_weak", "；".join(exc.messages)) from None
    password_set(user=user, new_password=new_password)


def _field(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={field: message})


def token_hash(key: str) -> str:
    """Only this digest of a bearer key is stored."""
    return hashlib.sha256(key.encode()).hexdigest()


def token_issue(user, *, name: str = "") -> tuple[str, ApiToken]:
    """A new bearer token for ``user``; the clear key is returned once and never stored."""
    key = "chk_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        key_hash=token_hash(key),
        prefix=key[4:12],
        name=name[:64],
        expires_at=clock.now() + dt.timedelta(days=settings.API_TOKEN_DAYS),
    )
    return key, token


def token_revoke(key: str) -> int:
    """Revoke the token with this clear key (how many were revoked: 0 or 1)."""
    return ApiToken.objects.filter(key_hash=token_hash(key)).update(revoked=True)


def token_touch(token_id: int, now: dt.datetime) -> None:
    """Record that a token was used (the caller does it at most every few minutes)."""
    ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
