"""Template context: the navigation a user's rights allow."""

from __future__ import annotations

from changhu.core.scope import scope_of

# (label, url name, right needed or None for every signed-in user, icon)
NAVIGATION = [
    ("工作台", "web:home", None, "speedometer2"),
    ("参保人", "insured:person_list", "insured.view", "people"),
    ("批量导入", "imports:import_list", "insured.import", "upload"),
    ("生命事件", "insured:life_event_list", "insured.life_event", "heart-pulse"),
    ("机构", "orgs:organization_list", "orgs.view", "building"),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    s = scope_of(user)
    items = [
        {"label": label, "url_name": url, "icon": icon}
        for label, url, right, icon in NAVIGATION
        if right is None or s.can(right)
    ]
    return {"nav_items": items, "user_scope": s}
