"""data-confirm on any element (form, button, link, input[type=submit], htmx) and hx-confirm:
the browser asks with the attribute's text, and nothing is sent unless the user confirms."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.template import engines
from django.urls import path

from changhu import urls as project_urls

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls(__name__),
]

SENT: list[str] = []

PAGE = engines["django"].from_string(
    """{% extends "web/base.html" %}
{% block public_content %}
  <a id="link" href="/test-confirm/sent/?via=link"
     data-confirm="确认离开本页？未保存的内容将丢失。">离开</a>
  <form method="post" action="/test-confirm/sent/">{% csrf_token %}
    <button id="button" name="via" value="button"
            data-confirm="确认拒付 3 条、合计 ¥1,280.00？">拒付</button>
  </form>
  <form method="post" action="/test-confirm/sent/">{% csrf_token %}
    <input id="input" type="submit" name="via" value="input" data-confirm="确认提交复核？">
  </form>
  <form method="post" action="/test-confirm/sent/"
        data-confirm="拨付后该月锁定，确认拨付？">{% csrf_token %}
    <button id="form" name="via" value="form">拨付</button>
  </form>
  <form method="post" action="/test-confirm/sent/" data-confirm="表单的问题">{% csrf_token %}
    <button id="both" name="via" value="both" data-confirm="按钮的问题">退回</button>
  </form>
  <button id="htmx" type="button" hx-post="/test-confirm/sent/?via=htmx" hx-target="#result"
          data-confirm="确认通知补充材料？">通知补充</button>
  <button id="hx-confirm" type="button" hx-post="/test-confirm/sent/?via=hx-confirm"
          hx-target="#result" hx-confirm="确认作废该计划？">作废</button>
  <div id="result"></div>
{% endblock %}"""
)


def _page(request):
    return HttpResponse(PAGE.render({}, request))


def _sent(request):
    via = request.POST.get("via") or request.GET.get("via", "")
    SENT.append(via)
    if request.headers.get("HX-Request"):
        return HttpResponse(f'<span id="done">已发送：{via}</span>')
    return HttpResponse(f'<!doctype html><html lang="zh-CN"><p id="sent">{via}</p></html>')


urlpatterns = [
    path("test-confirm/", _page),
    path("test-confirm/sent/", _sent),
    *project_urls.urlpatterns,
]


class Dialogs:
    """Answers every confirm() with ``self.answer`` and remembers the questions."""

    def __init__(self, page):
        self.answer = False
        self.questions: list[str] = []
        page.on("dialog", self._on)

    def _on(self, dialog) -> None:
        self.questions.append(dialog.message)
        if self.answer:
            dialog.accept()
        else:
            dialog.dismiss()


@pytest.fixture
def confirm_page(live_server, page):
    SENT.clear()
    dialogs = Dialogs(page)
    page.goto(f"{live_server.url}/test-confirm/")
    page.wait_for_function("() => window.htmx !== undefined && window.Changhu !== undefined")
    return page, dialogs


@pytest.mark.parametrize(
    ("element", "question"),
    [
        ("#link", "确认离开本页？未保存的内容将丢失。"),
        ("#button", "确认拒付 3 条、合计 ¥1,280.00？"),
        ("#input", "确认提交复核？"),
        ("#form", "拨付后该月锁定，确认拨付？"),
    ],
)
def test_refusing_sends_nothing_and_confirming_sends(confirm_page, live_server, element, question):
    page, dialogs = confirm_page
    page.click(element)
    page.wait_for_timeout(300)
    assert dialogs.questions == [question]
    assert SENT == [] and page.url.endswith("/test-confirm/")

    dialogs.answer = True
    with page.expect_navigation():
        page.click(element)
    assert dialogs.questions == [question, question]
    assert SENT == [element.lstrip("#")]
    assert page.locator("#sent").inner_text() == element.lstrip("#")


def test_a_button_and_its_form_ask_once(confirm_page):
    page, dialogs = confirm_page
    dialogs.answer = True
    with page.expect_navigation():
        page.click("#both")
    assert dialogs.questions == ["按钮的问题"]
    assert SENT == ["both"]


@pytest.mark.parametrize(
    ("element", "question"),
    [("#htmx", "确认通知补充材料？"), ("#hx-confirm", "确认作废该计划？")],
)
def test_htmx_requests_wait_for_the_answer(confirm_page, element, question):
    page, dialogs = confirm_page
    page.click(element)
    page.wait_for_timeout(300)
    assert dialogs.questions == [question]
    assert SENT == [] and page.locator("#done").count() == 0

    dialogs.answer = True
    page.click(element)
    page.locator("#done").wait_for()
    assert dialogs.questions == [question, question]
    assert SENT == [element.lstrip("#")]
    assert page.console_errors == []
