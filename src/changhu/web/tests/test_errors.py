"""Error pages: Chinese, with their status, in the shell when signed in, JSON under the API."""

import json

import pytest
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.test import Client
from django.urls import path, reverse

from changhu import urls as project_urls
from changhu.web import context

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("a bug")


def _suspicious(request):
    raise SuspiciousOperation("tampered")


# This module doubles as a URL configuration: the product's URLs plus views that fail.
urlpatterns = [
    path("test-errors/boom/", _boom),
    path("test-errors/bad/", _suspicious),
    path("api/v1/test-errors/boom/", _boom),
    *project_urls.urlpatterns,
]
handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500

uses_failing_views = pytest.mark.urls(__name__)


def _shell(html: str) -> bool:
    return 'aria-label="主导航"' in html


def _common(html: str) -> None:
    assert 'lang="zh-CN"' in html
    assert "跳到主要内容" in html and 'id="main"' in html
    for english in ("Not Found", "Server Error", "Forbidden", "Bad Request", "Traceback"):
        assert english not in html


def _error_page(response, status: int) -> str:
    """The page of an error answer, checked for its status and what every error page has."""
    assert response.status_code == status
    html = response.content.decode()
    _common(html)
    return html


def test_settings_of_the_suite_have_debug_off():
    assert settings.DEBUG is False


def test_signed_in_404_is_chinese_in_the_shell_with_a_way_back(client, users):
    client.force_login(users.worker_a)
    response = client.get("/no-such-page/", HTTP_REFERER="http://testserver/insured/")
    html = _error_page(response, 404)
    assert _shell(html)
    assert "记录不存在或无权查看" in html
    assert "返回工作台" in html and f'href="{reverse("web:home")}"' in html
    assert 'href="http://testserver/insured/" data-ch-back' in html and "返回上一页" in html


def test_back_link_only_to_our_own_pages(client, users):
    client.force_login(users.worker_a)
    html = client.get("/no-such-page/", HTTP_REFERER="https://evil.example/x").content.decode()
    assert "evil.example" not in html and "返回上一页" not in html
    html = client.get("/no-such-page/").content.decode()
    assert "返回上一页" not in html and "返回工作台" in html


def test_anonymous_404_is_a_plain_page(client):
    response = client.get("/no-such-page/")
    html = _error_page(response, 404)
    assert not _shell(html) and "退出" not in html
    assert "页面不存在" in html and "前往登录" in html


def test_403_is_chinese_in_the_shell(client, users):
    client.force_login(users.caregiver)
    response = client.get(reverse("insured:person_list"))
    html = _error_page(response, 403)
    assert _shell(html) and "无权访问" in html and "返回工作台" in html


@uses_failing_views
def test_500_is_chinese_in_the_shell(users):
    client = Client(raise_request_exception=False)
    client.force_login(users.worker_a)
    response = client.get("/test-errors/boom/")
    html = _error_page(response, 500)
    assert _shell(html) and "系统出现错误" in html and "返回工作台" in html


@uses_failing_views
def test_500_falls_back_to_a_plain_page_when_the_shell_fails(users, monkeypatch):
    def broken(user):
        raise RuntimeError("the database is gone")

    client = Client(raise_request_exception=False)
    client.force_login(users.worker_a)
    monkeypatch.setattr(context, "scope_of", broken)  # the menu cannot be drawn
    response = client.get("/test-errors/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "系统出现错误" in html and not _shell(html)


@uses_failing_views
def test_400_is_chinese(client, users):
    client.force_login(users.worker_a)
    response = client.get("/test-errors/bad/")
    html = _error_page(response, 400)
    assert _shell(html) and "请求无效" in html


def test_csrf_failure_is_chinese_and_says_what_to_do(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users.worker_a)
    response = client.post(reverse("web:logout"))
    html = _error_page(response, 403)
    assert _shell(html) and "页面已过期" in html and "刷新" in html
    anonymous = Client(enforce_csrf_checks=True).post(reverse("web:login"), {"username": "x"})
    assert anonymous.status_code == 403
    assert "页面已过期" in anonymous.content.decode() and not _shell(anonymous.content.decode())


def _api_error(response, status: int, code: str) -> None:
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert body["code"] == code and body["fields"] == {} and body["message"]


def test_api_keeps_its_json_error_shape(client, users):
    _api_error(client.get("/api/v1/no-such-endpoint"), 404, "not_found")
    client.force_login(users.worker_a)
    _api_error(client.get("/api/v1/no-such-endpoint"), 404, "not_found")


@uses_failing_views
def test_api_500_is_json():
    client = Client(raise_request_exception=False)
    _api_error(client.get("/api/v1/test-errors/boom/"), 500, "server_error")
