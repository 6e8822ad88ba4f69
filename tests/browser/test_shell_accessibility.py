"""Accessibility of the back office: axe-core (from the npm registry, copied by scripts/setup.sh)
finds no serious or critical violation on the main pages of any staff role in the demo city,
and the keyboard reaches every control of the shell with a visible focus ring."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from changhu.orgs.models import User
from changhu.orgs.roles import Role
from tests.fixtures import seeded_demo_city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
AXE_FILES = [
    ROOT / "src/changhu/web/static/vendor/axe/axe.min.js",  # copied by scripts/setup.sh
    ROOT / "node_modules/axe-core/axe.min.js",
]
DEMO_PASSWORD = "Changhu2026"

# (name, list page, the first link of this shape on it is checked too)
PAGES = [
    ("工作台", "/", None),
    ("参保人", "/insured/", r"/insured/\d+/$"),
    ("失能评估", "/assessment/", r"/assessment/\d+/$"),
    ("待遇资格", "/care/entitlements/", r"/care/entitlements/\d+/$"),
    ("护理计划", "/care/plans/", r"/care/plans/\d+/$"),
    ("上门服务", "/visits/", r"/visits/\d+/$"),
    ("稽核发现", "/visits/findings/", None),
    ("稽核批次", "/visits/screening/", None),
    ("床日登记", "/visits/bed-days/", None),
    ("住址坐标", "/visits/home-positions/", None),
    ("登记评估申请", "/assessment/new/", None),
    ("结算管理", "/settlement/periods/", r"/settlement/periods/\d+/$"),
    ("结算申报", "/settlement/claims/", r"/settlement/claims/\d+/$"),
    ("基金", "/fund/", None),
]
STAFF_ROLES = [role for role in Role if role != Role.APPLICANT]

# Violations left on pages another part of the product owns: (page name, axe rule) -> why.
# Remove an entry once the page is fixed; the test fails on anything not listed here.
ALLOWED_VIOLATIONS: dict[tuple[str, str], str] = {}

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}"""


def axe_source() -> str:
    for path in AXE_FILES:
        if path.exists():
            return path.read_text(encoding="utf-8")
    pytest.fail("axe-core not found: run `make setup` (npm ci copies it to static/vendor/axe/)")


@pytest.fixture
def demo_city():
    with seeded_demo_city(persons=60):
        yield


def sign_in(browser, base_url: str, username: str):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 860})
    page = context.new_page()
    page.goto(f"{base_url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base_url}/")
    return context, page


def violations(page, source: str) -> list[dict]:
    page.evaluate(source)  # evaluated through DevTools: the page's CSP does not apply
    return page.evaluate(RUN_AXE)


def check_pages(page, base_url: str, source: str) -> dict[str, list[dict]]:
    """Each page the user may open, and the first detail page behind it: its violations."""
    found: dict[str, list[dict]] = {}
    for name, url, detail in PAGES:
        response = page.goto(f"{base_url}{url}")
        if response is None or response.status != 200:
            continue  # not this role's page
        found[name] = violations(page, source)
        if detail is None:
            continue
        hrefs = page.eval_on_selector_all(
            "main a[href]", "links => links.map(a => a.getAttribute('href'))"
        )
        target = next((h for h in hrefs if re.search(detail, h.split("?")[0])), None)
        if target is not None:
            page.goto(f"{base_url}{target}")
            found[f"{name}详情"] = violations(page, source)
    return found


def test_main_pages_have_no_serious_axe_violations(live_server, browser, demo_city):
    source = axe_source()
    unexpected: dict[str, dict[str, list]] = {}
    checked: dict[str, list[str]] = {}
    for role in STAFF_ROLES:
        user = User.objects.filter(role=role, is_active=True).order_by("username").first()
        assert user is not None, role
        context, page = sign_in(browser, live_server.url, user.username)
        try:
            found = check_pages(page, live_server.url, source)
            page.goto(f"{live_server.url}/no-such-page/")
            found["404"] = violations(page, source)
        finally:
            context.close()
        checked[user.username] = sorted(found)
        for name, page_violations in found.items():
            base_name = name.removesuffix("详情")
            left = [
                v
                for v in page_violations
                if (name, v["id"]) not in ALLOWED_VIOLATIONS
                and (base_name, v["id"]) not in ALLOWED_VIOLATIONS
            ]
            if left:
                unexpected.setdefault(user.username, {})[name] = left
    assert "参保人详情" in checked["caseworker"] and "失能评估详情" in checked["caseworker"]
    assert "结算申报详情" in checked["careadmin"] and "基金" in checked["bureau"]
    assert not unexpected, f"serious or critical axe violations: {unexpected}"


def test_signed_out_pages_have_no_serious_axe_violations(live_server, page):
    source = axe_source()
    for url in ("/login/", "/no-such-page/"):
        page.goto(f"{live_server.url}{url}")
        assert violations(page, source) == [], url


def test_keyboard_reaches_the_shell_with_a_visible_focus(live_server, browser, users):
    from tests.fixtures import PASSWORD

    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 860})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("用户名").fill(users.worker_a.username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{live_server.url}/")

        # The first Tab shows the skip link; following it puts the focus in the main content.
        page.keyboard.press("Tab")
        skip = page.locator(".ch-skip-link")
        assert page.evaluate("document.activeElement.className") == "ch-skip-link"
        box = skip.bounding_box()
        assert box is not None and box["y"] >= 0 and skip.inner_text() == "跳到主要内容"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"

        # Every control of the shell shows where the focus is: brand, 退出, each menu entry.
        page.goto(f"{live_server.url}/")
        seen = []
        for _ in range(40):
            page.keyboard.press("Tab")
            focus = page.evaluate(
                """() => {
                  const e = document.activeElement, s = getComputedStyle(e);
                  return {text: e.innerText.trim(), tag: e.tagName,
                          inShell: !!e.closest('.ch-topbar, .ch-sidebar'),
                          outline: s.outlineStyle, width: parseFloat(s.outlineWidth)};
                }"""
            )
            if not focus["inShell"] and seen:
                break
            if focus["inShell"]:
                seen.append(focus["text"])
                assert focus["outline"] != "none" and focus["width"] >= 2, focus
        assert "退出" in seen and "参保人" in seen and "工作台" in seen
    finally:
        context.close()
