"""A new password by any path, or a deactivation, ends the login's API tokens; a token idle for
longer than the setting stops working."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from changhu.core import clock
from changhu.orgs import services
from changhu.orgs.models import ApiToken, User
from tests.api import ApiClient

NEW = "Xq7-蓉城-2026-long"


def _me(client) -> int:
    return client.get("auth/me").status_code


@pytest.fixture
def two_tokens(users):
    return ApiClient(users.worker_a), ApiClient(users.worker_a)


@pytest.mark.django_db
def test_an_administrator_setting_a_password_ends_every_token(users, two_tokens):
    first, second = two_tokens
    assert _me(first) == _me(second) == 200
    user = User.objects.get(pk=users.worker_a.pk)
    user.set_password(NEW)
    user.save()
    assert _me(first) == _me(second) == 401


@pytest.mark.django_db
def test_the_changepassword_command_ends_every_token(users, two_tokens, monkeypatch):
    first, _ = two_tokens
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW)
    call_command("changepassword", users.worker_a.username, stdout=StringIO())
    assert _me(first) == 401


@pytest.mark.django_db
def test_changing_ones_own_password_keeps_the_token_used_and_ends_the_others(users, two_tokens):
    used, other = two_tokens
    response = used.post("auth/password", {"old_password": "Changhu2026!", "new_password": NEW})
    assert response.status_code == 204, response.body
    assert _me(used) == 200
    assert _me(other) == 401


@pytest.mark.django_db
def test_the_self_service_page_ends_every_token(users, client, two_tokens):
    first, _ = two_tokens
    client.force_login(users.worker_a)
    response = client.post(
        "/password/",
        {"old_password": "Changhu2026!", "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert _me(first) == 401


@pytest.mark.django_db
def test_deactivation_ends_every_token_and_reactivation_brings_none_back(users, two_tokens):
    first, _ = two_tokens
    user = User.objects.get(pk=users.worker_a.pk)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert ApiToken.objects.filter(user=user, revoked=False).count() == 0
    user.is_active = True
    user.save(update_fields=["is_active"])
    assert _me(first) == 401


@pytest.mark.django_db
def test_other_changes_to_a_user_leave_tokens_alone(users, two_tokens):
    first, _ = two_tokens
    user = User.objects.get(pk=users.worker_a.pk)
    user.real_name = "崔凯明"
    user.save()
    assert _me(first) == 200


@pytest.mark.django_db
def test_an_idle_token_stops_working(users, settings, time_machine):
    settings.API_TOKEN_IDLE_MINUTES = 60
    time_machine.move_to(clock.now())
    client = ApiClient(users.worker_a)
    assert _me(client) == 200
    time_machine.shift(dt.timedelta(minutes=59))
    assert _me(client) == 200
    time_machine.shift(dt.timedelta(minutes=61))  # last recorded use: more than an hour ago
    assert _me(client) == 401


@pytest.mark.django_db
def test_a_caregiver_login_reset_ends_its_tokens(users):
    client = ApiClient(users.caregiver)
    assert _me(client) in (200, 403)
    user = User.objects.get(pk=users.caregiver.pk)
    services.login_reset(user, password=NEW)
    assert ApiToken.objects.filter(user=user, revoked=False).count() == 0
