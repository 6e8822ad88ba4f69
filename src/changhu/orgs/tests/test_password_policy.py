"""Passwords expire after the configured age and may not repeat the last few."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from changhu.core import clock
from changhu.orgs import services
from changhu.orgs.models import PasswordHistory, User
from tests.api import ApiClient

OLD = "Changhu2026!"
PASSWORDS = [f"Rong-cheng-{n}-2026" for n in range(7)]


@pytest.fixture
def policy(settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    settings.PASSWORD_HISTORY = 3
    settings.API_TOKEN_IDLE_MINUTES = 10 * 365 * 24 * 60  # this test is about passwords
    settings.API_TOKEN_DAYS = 3650
    return settings


@pytest.mark.django_db
def test_a_password_may_not_repeat_the_last_few(users, policy):
    user = User.objects.get(pk=users.worker_a.pk)
    for password in PASSWORDS[:3]:
        services.password_set(user=user, new_password=password)
    assert PasswordHistory.objects.filter(user=user).count() == 3  # only the last three kept
    for password in PASSWORDS[:3]:
        with pytest.raises(ValidationError) as refused:
            validate_password(password, user)
        assert "最近3次" in refused.value.messages[0]
    validate_password(OLD, user)  # the fourth back is free again
    response = ApiClient(user).post(
        "auth/password", {"old_password": PASSWORDS[2], "new_password": PASSWORDS[1]}
    )
    assert response.status_code == 422 and response.body["code"] == "password_weak"
    assert "最近3次" in response.body["fields"]["new_password"]


@pytest.mark.django_db
def test_an_expired_password_must_be_changed_before_anything_else(
    users, policy, client, time_machine
):
    time_machine.move_to(clock.now())
    user = User.objects.get(pk=users.worker_a.pk)
    services.password_set(user=user, new_password=PASSWORDS[0])
    api = ApiClient(user)
    time_machine.shift(dt.timedelta(days=89))
    assert api.get("insured/persons").status_code == 200
    time_machine.shift(dt.timedelta(days=2))
    response = api.get("insured/persons")
    assert response.status_code == 403 and response.body["code"] == "password_change_required"
    assert api.get("auth/me").body["must_change_password"] is True
    client.force_login(user)
    page = client.get("/insured/persons/")
    assert page.status_code == 302 and page["Location"].startswith("/password/")
    form = client.get(page["Location"])
    assert "已超过90天未修改" in form.content.decode()
    response = api.post(
        "auth/password", {"old_password": PASSWORDS[0], "new_password": PASSWORDS[1]}
    )
    assert response.status_code == 204
    assert api.get("insured/persons").status_code == 200


@pytest.mark.django_db
def test_no_expiry_when_the_age_is_zero(users, settings, time_machine):
    settings.PASSWORD_MAX_AGE_DAYS = 0
    user = User.objects.get(pk=users.worker_a.pk)
    time_machine.move_to(clock.now() + dt.timedelta(days=3650))
    assert not user.needs_password_change
