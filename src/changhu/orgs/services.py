"""Writes to accounts that belong to no other app's use case: a user changing their own password.

(Organizations, users and tokens are also written by the providers' caregiver-login service
and the API's token endpoints; moving those here is part of the layering work in issue 11.)
"""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction

from changhu.core import audit
from changhu.core.errors import ValidationFailed


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
