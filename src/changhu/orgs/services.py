"""Writes to accounts: logins opened and closed, passwords, and API tokens.

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
from changhu.core.errors import field_error
from changhu.orgs.models import ApiToken, User


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
        raise field_error("old_password", "password_incorrect", "当前密码不正确，请重新输入")
    if not new_password:
        raise field_error("new_password", "password_required", "请输入新密码")
    if user.check_password(new_password):
        raise field_error("new_password", "password_unchanged", "新密码不能与当前密码相同")
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise field_error("new_password", "password_weak", "；".join(exc.messages)) from None
    password_set(user=user, new_password=new_password)


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


def token_sign_in(user, *, name: str = "") -> tuple[str, ApiToken]:
    """A password exchanged for a token (``POST /api/v1/auth/token``): the token, and the
    sign-in in the audit trail."""
    with transaction.atomic():
        key, token = token_issue(user, name=name)
        purpose = f"（{name[:64]}）" if name else ""
        audit.record(
            action="login", obj=user, user=user, note=f"接口登录，令牌{token.prefix}…{purpose}"
        )
    return key, token


def token_sign_out(user, key: str) -> int:
    """The caller revokes the token they signed in with (recorded when there was one)."""
    with transaction.atomic():
        revoked = ApiToken.objects.filter(user=user, key_hash=token_hash(key)).update(revoked=True)
        if revoked:
            audit.record(action="update", obj=user, user=user, note=f"注销接口令牌{key[4:12]}…")
    return revoked


def token_touch(token_id: int, now: dt.datetime) -> None:
    """Record that a token was used (the caller does it at most every few minutes)."""
    ApiToken.objects.filter(pk=token_id).update(last_used_at=now)


# --- logins opened, reset and closed by an administrator -----------------------------------


def login_for_update(username: str) -> User | None:
    """The login with this name (any case), locked for the caller's transaction."""
    return User.objects.select_for_update().filter(username__iexact=username).first()


def login_open(*, username: str, real_name: str, role: str, organization, password: str) -> User:
    """A new login that must change its initial password at first sign-in."""
    user = User(
        username=username,
        real_name=real_name[:40],
        role=role,
        organization=organization,
        must_change_password=True,
    )
    user.set_password(password)
    user.save()
    return user


def login_reset(user: User, *, password: str) -> None:
    """An administrator's new initial password (re-opening a closed login): it must be changed
    at the next sign-in, and every token the login held stops working."""
    user.set_password(password)
    user.is_active = True
    user.must_change_password = True
    user.save(update_fields=["password", "is_active", "must_change_password"])
    tokens_revoke_all(user)


def login_close(user: User) -> None:
    """A login that can no longer sign in; its tokens stop working."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    tokens_revoke_all(user)


def tokens_revoke_all(user: User) -> int:
    """Revoke every live token of ``user`` (how many)."""
    return ApiToken.objects.filter(user=user, revoked=False).update(revoked=True)
