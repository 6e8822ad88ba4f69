"""A care admin opens, resets and closes a caregiver's phone login; a caregiver who leaves loses
it; outsiders and bad input change nothing."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from changhu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from changhu.core.models import AuditEntry
from changhu.orgs.models import ApiToken, User
from changhu.orgs.roles import Role
from changhu.providers import services
from tests.api import ApiClient
from tests.fixtures import PASSWORD

pytestmark = pytest.mark.django_db


def authenticate(*, username: str, password: str):
    user = User.objects.filter(username=username, is_active=True).first()
    return user if user is not None and user.check_password(password) else None


def open_account(actor, caregiver, username):
    return services.caregiver_account_open(
        actor=actor, caregiver_id=caregiver.pk, username=username
    )


def test_open_creates_a_caregiver_login_that_signs_in(users, caregivers, institution):
    result = services.caregiver_account_open(
        actor=users.care_admin, caregiver_id=caregivers.worker.pk, username="liuguifang"
    )
    user = result.user
    assert user.role == Role.CAREGIVER and user.organization_id == institution.organization_id
    assert user.real_name == "刘桂芳" and result.caregiver.user_id == user.pk
    assert re.fullmatch(r"[A-Za-z2-9]{12}", result.password)
    assert authenticate(username="liuguifang", password=result.password) is not None
    # The phone signs in with it, is told to choose its own password first, does, and then
    # sees its own (empty) day.
    login = ApiClient().post("auth/token", {"username": "liuguifang", "password": result.password})
    assert login.status_code == 200 and login.body["must_change_password"], login.body
    phone = ApiClient()
    phone.headers = {"Authorization": f"Bearer {login.body['token']}"}
    assert phone.get("visits/today").status_code == 403
    changed = phone.post(
        "auth/password", {"old_password": result.password, "new_password": "Qingcheng2026ok"}
    )
    assert changed.status_code == 204, changed.body
    assert phone.get("visits/today").status_code == 200
    entry = AuditEntry.objects.get(object_id=str(caregivers.worker.pk), note__contains="开通")
    assert entry.actor_id == users.care_admin.pk and result.password not in str(entry.changes)


def test_open_refuses_bad_usernames_taken_names_and_a_second_account(users, caregivers, other):
    worker, nurse = caregivers.worker, caregivers.nurse
    with pytest.raises(ValidationFailed) as bad:
        services.caregiver_account_open(
            actor=users.care_admin, caregiver_id=worker.pk, username="a b"
        )
    assert bad.value.code == "username_invalid"
    # A login of another kind, or of another organization, is not taken over.
    for username in ("care_admin", "other_care_admin"):
        with pytest.raises(Conflict) as taken:
            services.caregiver_account_open(
                actor=users.care_admin, caregiver_id=worker.pk, username=username
            )
        assert taken.value.code == "username_taken"
    open_account(users.care_admin, worker, "lgf")
    with pytest.raises(Conflict) as twice:
        services.caregiver_account_open(
            actor=users.care_admin, caregiver_id=worker.pk, username="x1y"
        )
    assert twice.value.code == "account_exists"
    with pytest.raises(Conflict) as linked:
        services.caregiver_account_open(
            actor=users.care_admin, caregiver_id=nurse.pk, username="LGF"
        )
    assert linked.value.code == "username_taken"
    assert User.objects.filter(username__in=["x1y"]).count() == 0


def test_an_existing_unlinked_caregiver_login_is_linked_keeping_its_password(
    users, caregivers, institution
):
    result = services.caregiver_account_open(
        actor=users.care_admin, caregiver_id=caregivers.worker.pk, username="caregiver"
    )
    assert result.user.pk == users.caregiver.pk and result.password is None
    assert authenticate(username="caregiver", password=PASSWORD) is not None


def test_outsiders_and_roles_without_the_right_change_nothing(users, caregivers, other):
    with pytest.raises(NotFound):
        services.caregiver_account_open(
            actor=other.admin, caregiver_id=caregivers.worker.pk, username="sneaky"
        )
    with pytest.raises(PermissionDenied):
        services.caregiver_account_open(
            actor=users.caregiver, caregiver_id=caregivers.worker.pk, username="sneaky"
        )
    assert not User.objects.filter(username="sneaky").exists()


def test_reset_and_close_sign_the_phone_out(users, caregivers):
    opened = services.caregiver_account_open(
        actor=users.care_admin, caregiver_id=caregivers.worker.pk, username="lgf"
    )
    token_login = ApiClient().post("auth/token", {"username": "lgf", "password": opened.password})
    assert token_login.status_code == 200
    reset = services.caregiver_account_reset(
        actor=users.care_admin, caregiver_id=caregivers.worker.pk
    )
    assert reset.password != opened.password
    assert authenticate(username="lgf", password=reset.password) is not None
    assert not ApiToken.objects.filter(user=opened.user, revoked=False).exists()

    services.caregiver_account_close(actor=users.care_admin, caregiver_id=caregivers.worker.pk)
    user = User.objects.get(username="lgf")
    assert not user.is_active
    caregivers.worker.refresh_from_db()
    assert caregivers.worker.user_id is None
    with pytest.raises(Conflict) as none:
        services.caregiver_account_reset(actor=users.care_admin, caregiver_id=caregivers.worker.pk)
    assert none.value.code == "no_account"
    # Reopening with the same name reactivates that login with a new password.
    again = services.caregiver_account_open(
        actor=users.care_admin, caregiver_id=caregivers.worker.pk, username="lgf"
    )
    assert again.user.pk == user.pk and again.password and again.user.is_active


def test_leaving_closes_the_login(users, caregivers):
    opened = services.caregiver_account_open(
        actor=users.care_admin, caregiver_id=caregivers.worker.pk, username="lgf"
    )
    services.caregiver_set_status(
        actor=users.care_admin, caregiver_id=caregivers.worker.pk, action="leave", reason="辞职"
    )
    caregivers.worker.refresh_from_db()
    assert caregivers.worker.user_id is None
    assert not User.objects.get(pk=opened.user.pk).is_active
    with pytest.raises(Conflict) as gone:
        services.caregiver_account_open(
            actor=users.care_admin, caregiver_id=caregivers.worker.pk, username="lgf2"
        )
    assert gone.value.code == "caregiver_not_active"


def test_the_caregiver_page_opens_shows_the_password_once_and_closes(users, caregivers, other):
    client = Client()
    client.force_login(users.care_admin)
    url = f"/providers/caregivers/{caregivers.worker.pk}/"
    page = client.get(url).content.decode()
    assert "开通手机端账号" in page and "未开通" in page

    bad = client.post(url + "account_open/", {"username": "?"})
    assert bad.status_code == 422 and "3至40位" in bad.content.decode()
    opened = client.post(url + "account_open/", {"username": "liugf"})
    assert opened.status_code == 200
    text = opened.content.decode()
    password = re.search(r'data-testid="new-password".*?fs-5">([A-Za-z2-9]{12})<', text, re.S)
    assert password and authenticate(username="liugf", password=password.group(1))
    assert password.group(1) not in client.get(url).content.decode()  # shown once

    closed = client.post(url + "account_close/")
    assert closed.status_code == 302
    assert not User.objects.get(username="liugf").is_active

    outsider = Client()
    outsider.force_login(other.admin)
    assert outsider.post(url + "account_open/", {"username": "other1"}).status_code == 404
    assert not User.objects.filter(username="other1").exists()


def test_an_account_opened_or_reset_by_the_institution_must_change_its_password(users, caregivers):
    result = services.caregiver_account_open(
        actor=users.care_admin, caregiver_id=caregivers.worker.pk, username="liuguifang"
    )
    assert result.user.must_change_password
    User.objects.filter(pk=result.user.pk).update(must_change_password=False)
    services.caregiver_account_reset(actor=users.care_admin, caregiver_id=caregivers.worker.pk)
    assert User.objects.get(pk=result.user.pk).must_change_password
