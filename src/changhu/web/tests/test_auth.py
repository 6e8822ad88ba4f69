"""Signing in and out of the back office, and the lockout after repeated failures."""

import pytest
from django.urls import reverse

from changhu.orgs.auth import LOCKED_MESSAGE
from tests.fixtures import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post(reverse("web:login"), {"username": username, "password": password})


def test_login_page_is_chinese(client):
    response = client.get(reverse("web:login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in html
    assert "工作人员登录" in html and "用户名" in html and "密码" in html


def test_login_succeeds_and_lands_on_home(client, users):
    response = login(client, "worker_a", PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("web:home")
    home = client.get(reverse("web:home")).content.decode()
    assert users.worker_a.display_name in home
    assert "商保经办人员" in home and "甲保险成都分公司" in home


def test_login_follows_next(client, users):
    target = reverse("insured:person_list")
    response = client.post(
        reverse("web:login"), {"username": "worker_a", "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302 and response.url == target


def test_wrong_password_shows_chinese_error(client, users):
    response = login(client, "worker_a", "wrong-password")
    html = response.content.decode()
    assert response.status_code == 200
    assert "用户名或密码错误" in html
    assert "_auth_user_id" not in client.session


def test_empty_fields_show_chinese_errors(client, users):
    html = login(client, "", "").content.decode()
    assert "请输入用户名" in html and "请输入密码" in html


def test_locked_out_after_five_failures(client, users):
    for _ in range(4):
        assert login(client, "worker_a", "wrong-password").status_code == 200
    fifth = login(client, "worker_a", "wrong-password")
    assert fifth.status_code == 429
    assert LOCKED_MESSAGE in fifth.content.decode()
    # Even the right password is refused while the lock lasts.
    right = login(client, "worker_a", PASSWORD)
    assert right.status_code == 429
    assert LOCKED_MESSAGE in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_below_the_limit_do_not_lock(client, users):
    for _ in range(4):
        login(client, "worker_a", "wrong-password")
    assert login(client, "worker_a", PASSWORD).status_code == 302


def test_logout_is_post_only(client, users):
    client.force_login(users.worker_a)
    assert client.get(reverse("web:logout")).status_code == 405
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302 and response.url == reverse("web:login")
    assert "_auth_user_id" not in client.session
    assert "您已安全退出" in client.get(reverse("web:login")).content.decode()


def test_pages_require_login(client):
    for name in ("web:home", "insured:person_list", "orgs:organization_list"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("web:login"))
