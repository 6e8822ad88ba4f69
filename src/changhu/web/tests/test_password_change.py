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
