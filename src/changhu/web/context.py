"""Template context: the navigation a user's rights allow, and who they are."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from changhu.core.scope import scope_of

# (label, url name, right needed or None for every signed-in user, icon)
NAVIGATION = [
    ("工作台", "web:home", None, "speedometer2"),
    ("参保人", "insured:person_list", "insured.view", "people"),
    ("批量导入", "imports:import_list", "insured.import", "upload"),
    ("生命事件", "insured:life_event_list", "insured.life_event", "heart-pulse"),
    ("机构", "orgs:organization_list", "orgs.view", "building"),
    ("失能评估", "assessment:case_list", "assessment.view", "clipboard2-pulse"),
    ("定点护理机构", "providers:institution_list", "providers.view", "hospital"),
    ("护理员", "providers:caregiver_list", "providers.view", "person-badge"),
    ("待遇资格", "care:entitlement_list", "care.view", "card-checklist"),
    ("护理计划", "care:plan_list", "care.view", "journal-medical"),
    ("护理员派定", "care:assignment_list", "care.plan", "person-check"),
    ("服务项目目录", "care:catalogue_list", "care.catalogue", "list-ul"),
    ("服务监管", "visits:monitor", "visits.view", "geo-alt"),
    ("稽核发现", "visits:finding_list", "visits.view", "exclamation-triangle"),
    ("稽核批次", "visits:screening", "visits.screen", "funnel"),
    ("床日登记", "visits:bed_days", "visits.bed_days", "calendar-check"),
    ("巡护记录", "visits:patrol_list", "visits.patrol", "clipboard-check"),
    ("护理员手机端", "pwa:shell", "visits.record", "phone"),
    ("待遇测算", "settlement:calculator", "settlement.calculate", "calculator"),
    ("结算管理", "settlement:period_list", "settlement.view", "cash-coin"),
    ("基金", "fund:overview", "fund.view", "bank"),
]


def _url(name: str) -> str | None:
    # Pages of apps still being built have no URL yet; the menu leaves them out.
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _is_active(path: str, url: str) -> bool:
    if url == "/":
        return path == "/"
    return path.startswith(url)


def role_label(user, scope) -> str:
    if scope.unrestricted:
        return "平台超级管理员"
    return user.get_role_display() if user.role else "未分配角色"


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    s = scope_of(user)
    items = []
    for label, name, right, icon in NAVIGATION:
        if right is not None and not s.can(right):
            continue
        url = _url(name)
        if url is None:
            continue
        items.append(
            {
                "label": label,
                "url_name": name,
                "url": url,
                "icon": icon,
                "active": False,
            }
        )
    # The most specific matching entry is the active one (/insured/life-events/ over /insured/).
    matching = [item for item in items if _is_active(request.path, item["url"])]
    if matching:
        max(matching, key=lambda item: len(item["url"]))["active"] = True
    return {"nav_items": items, "user_scope": s, "user_role_label": role_label(user, s)}
