"""A login whose password an administrator set changes it before anything else (pages and the
phone app's session calls); demo and other logins are never stopped; the change page and the
sign-in page offer a show-password toggle."""

from __future__ import annotations

import pytest
from django.test import Client

from changhu.orgs.models import User
from tests.fixtures import PASSWORD

pytestmark = pytest.mark.django_db

NEW = "Qingcheng2026ok"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_pages_and_session_api_calls_wait_for_the_new_password(users):
    user = users.caregiver
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    client = signed_in(User.objects.get(pk=user.pk))
    for path in ("/", "/pwa/", "/visits/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/password/?next=")
    api = client.get("/api/v1/visits/today")
    assert api.status_code == 403 and api.json()["code"] == "password_change_required"
    assert "请先修改密码" in api.json()["message"]
    page = client.get("/password/?next=/pwa/")
    text = page.content.decode()
    assert page.status_code == 200 and "请先设置自己的新密码" in text
    assert 'data-testid="show-password"' in text and "web/show-password.js" in text

    # Bad input: said on the page, nothing changed.
    cases = [
        ({"old_password": "wrong", "new_password1": NEW, "new_password2": NEW}, "当前密码不正确"),
        ({"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW + "x"}, "不一致"),
        (
            {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD},
            "不能与当前密码相同",
        ),
        ({"old_password": PASSWORD, "new_password1": "abc", "new_password2": "abc"}, "密码"),
    ]
    for data, words in cases:
        refused = client.post("/password/", {**data, "next": "/pwa/"})
        assert refused.status_code == 422 and words in refused.content.decode(), words
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)

    done = client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW, "next": "/pwa/"},
    )
    assert done.status_code == 302 and done["Location"] == "/pwa/"
    changed = User.objects.get(pk=user.pk)
    assert changed.check_password(NEW) and not changed.must_change_password
    # Still signed in (the session follows the new password), and nothing is in the way.
    assert client.get("/pwa/").status_code == 200
    assert client.get("/api/v1/visits/today").json()["code"] != "password_change_required"


def test_a_next_address_elsewhere_is_ignored(users):
    client = signed_in(users.caregiver)
    done = client.post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password1": NEW,
            "new_password2": NEW,
            "next": "https://evil.example/",
        },
    )
    assert done.status_code == 302 and done["Location"] == "/"


def test_demo_and_fixture_logins_are_not_stopped(users):
    assert not User.objects.filter(must_change_password=True).exists()
    assert signed_in(users.supervisor_a).get("/").status_code == 200


def test_the_sign_in_page_offers_the_show_password_toggle(client):
    text = client.get("/login/").content.decode()
    assert 'data-testid="show-password"' in text and "显示输入内容" in text


def test_a_bearer_token_waits_for_the_new_password_too(users):
    """The phone app (or a script) that signs in for a token is told to change the password,
    may read who it is and change the password through the API, and nothing else until then."""
    from changhu.core.models import AuditEntry

    user = users.caregiver
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    client = Client()
    token = client.post(
        "/api/v1/auth/token",
        {"username": user.username, "password": PASSWORD},
        content_type="application/json",
    ).json()
    assert token["must_change_password"] is True
    bearer = Client(headers={"Authorization": f"Bearer {token['token']}"})
    held = bearer.get("/api/v1/visits/today")
    assert held.status_code == 403 and held.json()["code"] == "password_change_required"
    me = bearer.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json()["must_change_password"] is True

    def change(old, new):
        return bearer.post(
            "/api/v1/auth/password",
            {"old_password": old, "new_password": new},
            content_type="application/json",
        )

    for old, new, field, code in (
        ("wrong-one-1", NEW, "old_password", "password_incorrect"),
        (PASSWORD, PASSWORD, "new_password", "password_unchanged"),
        (PASSWORD, "abcdefghijkl", "new_password", "password_weak"),
        (PASSWORD, "", "new_password", "password_required"),
    ):
        refused = change(old, new)
        assert refused.status_code == 422, refused.json()
        assert refused.json()["code"] == code and field in refused.json()["fields"]
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)
    assert change(PASSWORD, NEW).status_code == 204
    fresh = User.objects.get(pk=user.pk)
    assert fresh.check_password(NEW) and not fresh.must_change_password
    assert AuditEntry.objects.filter(object_id=str(user.pk), note="本人修改密码").exists()
    after = bearer.get("/api/v1/visits/today")
    assert after.json().get("code") != "password_change_required"


@pytest.mark.django_db
def test_every_staff_page_offers_the_password_page(client, users):
    client.force_login(users.worker_a)
    html = client.get("/").content.decode()
    assert 'data-testid="password-link"' in html and 'href="/password/"' in html
    page = client.get("/password/")
    assert page.status_code == 200 and "修改密码" in page.content.decode()
