"""The shell: navigation by rights, the home page's work queues, error pages."""

import datetime as dt
import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from changhu.core import clock
from changhu.core.scope import scope_of
from changhu.insured import services
from changhu.insured.models import Person
from changhu.web import context
from changhu.web.queues import queues_for, register_queue, unregister_queue
from tests.factories import make_person

pytestmark = pytest.mark.django_db


def nav_labels(client) -> list[str]:
    html = client.get(reverse("web:home")).content.decode()
    nav = html.split('aria-label="主导航"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r"</i>([^<]+)\s*</a>", nav)


def queue_counts(client, prefix: str = "") -> dict[str, int]:
    """The home page's queue counts; with ``prefix``, only the queues of one app."""
    html = client.get(reverse("web:home")).content.decode()
    found = re.findall(r'data-queue="([^"]+)".*?data-queue-count>(\d+)<', html, flags=re.DOTALL)
    return {key: int(count) for key, count in found if key.startswith(prefix)}


def import_pages_exist() -> bool:
    return context._url("imports:import_list") is not None


def expected_nav(user) -> list[str]:
    """Every navigation entry whose right the user holds and whose page exists, in order."""
    s = scope_of(user)
    return [
        entry.label
        for entry in context.entries()
        if (entry.right is None or s.can(entry.right)) and context._url(entry.url_name) is not None
    ]


def test_navigation_follows_rights(client, users):
    for username in ("worker_a", "regulator", "care_admin", "assessor", "caregiver", "applicant"):
        user = getattr(users, username)
        client.force_login(user)
        shown = [label.strip() for label in nav_labels(client)]
        assert shown == expected_nav(user), username
    # Spot checks that do not depend on which later apps have landed.
    client.force_login(users.worker_a)
    worker = nav_labels(client)
    assert {"工作台", "参保人", "生命事件", "机构"} <= {w.strip() for w in worker}
    if import_pages_exist():
        assert "批量导入" in {w.strip() for w in worker}
    client.force_login(users.regulator)
    regulator = {w.strip() for w in nav_labels(client)}
    assert "参保人" in regulator and "批量导入" not in regulator and "生命事件" not in regulator
    client.force_login(users.assessor)
    assert "参保人" not in {w.strip() for w in nav_labels(client)}


def nav_groups(client) -> list[tuple[str, list[str]]]:
    """The menu as (heading, entry labels) in order; the first group has no heading."""
    html = client.get(reverse("web:home")).content.decode()
    nav = html.split('aria-label="主导航"', 1)[1].split("</nav>", 1)[0]
    groups = []
    for chunk in re.split(r'(?=<h2 class="ch-nav-heading")', nav):
        heading = re.search(r'class="ch-nav-heading"[^>]*>([^<]+)<', chunk)
        labels = [label.strip() for label in re.findall(r"</i>([^<]+)\s*</a>", chunk)]
        if labels:
            groups.append((heading.group(1) if heading else "", labels))
    return groups


def expected_groups(user) -> list[tuple[str, list[str]]]:
    s = scope_of(user)
    groups = []
    for group in context.NAVIGATION:
        labels = [
            entry.label
            for entry in group.entries
            if (entry.right is None or s.can(entry.right))
            and context._url(entry.url_name) is not None
        ]
        if labels:
            groups.append((group.label, labels))
    return groups


def test_menu_is_grouped_by_module(client, users):
    for username in ("bureau_admin", "worker_a", "care_admin", "assessor", "caregiver"):
        user = getattr(users, username)
        client.force_login(user)
        assert nav_groups(client) == expected_groups(user), username
    client.force_login(users.worker_a)
    headings = [heading for heading, _ in nav_groups(client)]
    assert headings[0] == "" and {"参保登记", "评估", "护理"} <= set(headings)
    assert dict(nav_groups(client))["参保登记"][0] == "参保人"
    client.force_login(users.assessor)
    assert "参保登记" not in [heading for heading, _ in nav_groups(client)]


def test_every_page_starts_with_a_skip_link(client, users):
    pages = [reverse("web:login"), "/no-such-page/"]
    for url in pages:
        html = client.get(url).content.decode()
        assert html.index('href="#main">跳到主要内容</a>') < html.index('id="main"'), url
    client.force_login(users.worker_a)
    for url in [reverse("web:home"), reverse("insured:person_list"), "/no-such-page/"]:
        html = client.get(url).content.decode()
        body = html.split("<body>", 1)[1].lstrip()
        assert body.startswith('<a class="ch-skip-link" href="#main">跳到主要内容</a>'), url
        assert '<main class="ch-main" id="main" tabindex="-1">' in html, url


def test_navigation_skips_pages_not_built_yet(client, users, monkeypatch):
    monkeypatch.setattr(
        context,
        "NAVIGATION",
        [
            *context.NAVIGATION,
            context.Group(
                "未来模块", [context.Entry("未来页面", "nowhere:page", None, "question")]
            ),
        ],
    )
    client.force_login(users.worker_a)
    response = client.get(reverse("web:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "未来页面" not in html and "未来模块" not in html


def test_active_navigation_item_is_the_most_specific(client, users):
    client.force_login(users.worker_a)
    html = client.get(reverse("insured:life_event_list")).content.decode()
    active = re.findall(r'nav-link active" href="([^"]+)"', html)
    assert active == [reverse("insured:life_event_list")]


def test_home_queue_counts_are_scoped(client, users, people, city):
    # A hospital stay and a death in Jinjiang, a person without phone in Qingyang.
    services.person_record_life_event(
        actor=users.bureau_admin,
        person_id=people.jinjiang.pk,
        data=services.LifeEventInput(kind="hospital_stay", start_date="2025-01-05"),
    )
    late = make_person(city.streets["510104002000"], name="赵德明")
    services.person_record_life_event(
        actor=users.bureau_admin,
        person_id=late.pk,
        data=services.LifeEventInput(kind="death", start_date=clock.today()),
    )
    make_person(city.streets["510105002000"], name="孙桂兰", phone="")
    old = make_person(city.streets["510107002000"], name="周国强")
    Person.objects.filter(pk=old.pk).update(created_at=clock.now() - dt.timedelta(days=70))

    queues = ("special_groups", "in_hospital", "recent_deaths", "incomplete", "new_this_month")
    for user, counts in ((users.worker_a, (1, 1, 1, 1, 4)), (users.worker_b, (0, 0, 0, 0, 1))):
        client.force_login(user)
        expected = {f"insured.{queue}": n for queue, n in zip(queues, counts, strict=True)}
        assert queue_counts(client, "insured.") == expected, user.username


def test_queue_links_list_the_counted_rows(client, users, people, city):
    make_person(city.streets["510104002000"], name="钱玉梅", latitude=None, longitude=None)
    client.force_login(users.worker_a)
    register_cards = [c for c in queues_for(users.worker_a) if c.key.startswith("insured.")]
    assert len(register_cards) == 5
    for card in register_cards:
        html = client.get(card.url).content.decode()
        shown = re.search(r'data-testid="result-count">(\d+)<', html)
        assert shown is not None, card.key
        assert int(shown.group(1)) == card.count, card.key


def test_queues_follow_rights(client, users, people):
    client.force_login(users.regulator)
    assert set(queue_counts(client, "insured.")) == {
        "insured.special_groups",
        "insured.new_this_month",
    }
    client.force_login(users.assessor)
    assert queue_counts(client, "insured.") == {}


def test_role_without_queues_gets_an_explanation(client, users):
    client.force_login(users.caregiver)
    html = client.get(reverse("web:home")).content.decode()
    assert "暂无待办事项" in html
    assert "手机端" in html
    assert 'data-testid="queues"' not in html


def test_later_apps_can_register_queues(client, users):
    register_queue(
        "test.pending_plans",
        "待确认护理计划",
        "orgs.view",
        lambda user: 7,
        lambda: "/orgs/",
        icon="clipboard-check",
    )
    try:
        client.force_login(users.care_admin)
        assert queue_counts(client, "test.") == {"test.pending_plans": 7}
        client.force_login(users.assessor)
        assert queue_counts(client, "test.") == {}
    finally:
        unregister_queue("test.pending_plans")


def test_unknown_page_is_a_chinese_404(client, users):
    client.force_login(users.worker_a)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "记录不存在或无权查看" in html and 'aria-label="主导航"' in html


def test_anonymous_404_has_no_shell(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_500_page_renders_without_a_request():
    html = render_to_string("500.html")
    assert "系统出现错误" in html and 'lang="zh-CN"' in html


def test_pages_keep_to_the_content_security_policy(client, users, people):
    """No inline script or style anywhere: the CSP would block them."""
    client.force_login(users.supervisor_a)
    pages = [
        reverse("web:home"),
        reverse("insured:person_list"),
        reverse("insured:person_detail", args=[people.jinjiang.pk]),
        reverse("insured:person_edit", args=[people.jinjiang.pk]),
        reverse("insured:person_create"),
        reverse("insured:person_audit", args=[people.jinjiang.pk]),
        reverse("insured:life_event_list"),
        reverse("orgs:organization_list"),
    ]
    for url in pages:
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert "Content-Security-Policy" in response.headers
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert not re.search(r"<style|\sstyle=", html), url
        assert "/static/vendor/htmx/htmx.min.js" in html and "/static/web/app.js" in html


def test_home_warns_when_the_year_has_no_holiday_calendar(client, users):
    from changhu.core.presets import load_calendars
    from tests.clock import on

    load_calendars()
    with on(dt.date(2026, 6, 1)):
        client.force_login(users.worker_a)  # sessions expire: sign in at the moved time
        assert (
            'data-testid="calendar-warning"' not in client.get(reverse("web:home")).content.decode()
        )
    with on(dt.date(2027, 3, 1)):
        client.force_login(users.worker_a)
        html = client.get(reverse("web:home")).content.decode()
    assert 'data-testid="calendar-warning"' in html and "2027年的节假日安排" in html
    assert "changhu" not in html.split('data-testid="calendar-warning"')[1].split("</div>")[1]
