"""The caregiver's phone login: opened, reset and closed by the institution."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from changhu.core import audit
from changhu.core.errors import Conflict, ValidationFailed
from changhu.core.scope import require
from changhu.orgs import services as accounts
from changhu.orgs.roles import Right, Role
from changhu.providers.models import (
    Caregiver,
    CaregiverStatus,
)
from changhu.providers.services._common import _caregiver_for_update

# --- the caregiver's phone login ------------------------------------------------------------

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,40}$")


@dataclass
class AccountResult:
    caregiver: Caregiver
    user: Any
    # The initial (or new) password, shown once to the care admin; None when it did not change.
    password: str | None = None


def _new_password() -> str:
    """12 characters, letters and digits, without look-alikes (0/O, 1/l/I)."""
    letters = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
    digits = "23456789"
    chars = [secrets.choice(letters) for _ in range(8)] + [secrets.choice(digits) for _ in range(4)]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def caregiver_account_open(*, actor, caregiver_id: int, username: str) -> AccountResult:
    """开通手机端账号: a login with the caregiver role in the institution's organization, linked
    to this caregiver, with an initial password returned once. An existing caregiver login of
    the same organization that no caregiver uses is linked instead (a closed one is reopened
    with a new password)."""
    require(actor, Right.CAREGIVERS_MANAGE)
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        raise ValidationFailed(
            "登录名应为3至40位字母、数字或 _ . -",
            code="username_invalid",
            fields={"username": "3至40位字母、数字或 _ . -"},
        )
    with transaction.atomic():
        caregiver = _caregiver_for_update(actor, caregiver_id)
        if caregiver.status != CaregiverStatus.ACTIVE:
            raise Conflict("护理员不在岗，不能开通账号", code="caregiver_not_active")
        if caregiver.user_id is not None:
            raise Conflict("该护理员已有手机端账号", code="account_exists")
        organization = caregiver.institution.organization
        user = accounts.login_for_update(username)
        password = None
        if user is None:
            password = _new_password()
            user = accounts.login_open(
                username=username,
                real_name=caregiver.name,
                role=Role.CAREGIVER,
                organization=organization,
                password=password,
            )
        else:
            taken = Caregiver.objects.filter(user=user).exists()
            if taken or user.organization_id != organization.pk or user.role != Role.CAREGIVER:
                raise Conflict(
                    "该登录名已被使用",
                    code="username_taken",
                    fields={"username": "该登录名已被使用，请换一个"},
                )
            if not user.is_active:
                password = _new_password()
                accounts.login_reset(user, password=password)
        caregiver.user = user
        caregiver.version += 1
        caregiver.save(update_fields=["user", "version"])
        audit.record(
            action="update",
            obj=caregiver,
            user=actor,
            note=f"开通手机端账号：{user.username}",
        )
    return AccountResult(caregiver=caregiver, user=user, password=password)


def caregiver_account_reset(*, actor, caregiver_id: int) -> AccountResult:
    """A new password for the caregiver's login (returned once); signs out its phone tokens
    and lifts a login lockout."""
    from axes.utils import reset as reset_lockout

    require(actor, Right.CAREGIVERS_MANAGE)
    with transaction.atomic():
        caregiver = _caregiver_for_update(actor, caregiver_id)
        user = caregiver.user
        if user is None or not user.is_active:
            raise Conflict("该护理员没有可用的手机端账号", code="no_account")
        password = _new_password()
        accounts.login_reset(user, password=password)
        audit.record(
            action="update", obj=caregiver, user=actor, note=f"重置手机端密码：{user.username}"
        )
    reset_lockout(username=user.username)
    return AccountResult(caregiver=caregiver, user=user, password=password)


def caregiver_account_close(*, actor, caregiver_id: int) -> Caregiver:
    """停用手机端账号: the login is deactivated, its tokens revoked, and it is unlinked."""
    require(actor, Right.CAREGIVERS_MANAGE)
    with transaction.atomic():
        caregiver = _caregiver_for_update(actor, caregiver_id)
        user = caregiver.user
        if user is None:
            raise Conflict("该护理员没有手机端账号", code="no_account")
        accounts.login_close(user)
        caregiver.user = None
        caregiver.version += 1
        caregiver.save(update_fields=["user", "version"])
        audit.record(
            action="update", obj=caregiver, user=actor, note=f"停用手机端账号：{user.username}"
        )
    return caregiver
