"""Template context: the navigation a user's rights allow, grouped by module, and who they are."""

from __future__ import annotations

from typing import NamedTuple

from django.urls import NoReverseMatch, reverse

from changhu.core.scope import scope_of


class Entry(NamedTuple):
    label: str
    url_name: str
    right: str | None  # None: every signed-in user
    icon: str


class Group(NamedTuple):
    label: str  # empty: no heading
    entries: list[Entry]


# The menu, one group per module in the order work flows through the system. An entry shows
# when the user holds its right and its page exists; a group shows when any entry does.
NAVIGATION = [
    Group("", [Entry("工作台", "web:home", None, "speedometer2")]),
    Group(
        "参保登记",
        [
            Entry("参保人", "insured:person_list", "insured.view", "people"),
            Entry("批量导入", "imports:import_list", "insured.import", "upload"),
            Entry("生命事件", "insured:life_event_list", "insured.life_event", "heart-pulse"),
        ],
    ),
    Group(
        "评估",
        [
            Entry("失能评估", "assessment:case_list", "assessment.view", "clipboard2-pulse"),
            Entry(
                "定点评估机构",
                "providers:assessment_institution_list",
                "providers.view",
                "building-check",
            ),
            Entry("评估人员库", "providers:assessor_list", "providers.view", "person-vcard"),
            Entry("评估专家库", "assessment:expert_list", "assessment.expert_pool_view", "people"),
            Entry("我的专家登记", "assessment:expert_list", "assessment.confirm", "person-vcard"),
            Entry("评估费用", "assessment_fees:overview", "assessment_fees.view", "cash-stack"),
        ],
    ),
    Group(
        "护理",
        [
            Entry("待遇资格", "care:entitlement_list", "care.view", "card-checklist"),
            Entry("护理计划", "care:plan_list", "care.view", "journal-medical"),
            Entry("护理员派定", "care:assignment_list", "care.plan", "person-check"),
            Entry("转移安置", "care:transfer_list", "care.entitlement", "arrow-left-right"),
            Entry("更换护理机构", "care:family_transfers", "insured.self", "arrow-left-right"),
            Entry("定点护理机构", "providers:institution_list", "providers.view", "hospital"),
            Entry("护理员", "providers:caregiver_list", "providers.view", "person-badge"),
            Entry("服务项目目录", "care:catalogue_list", "care.catalogue", "list-ul"),
        ],
    ),
    Group(
        "服务监管",
        [
            Entry("上门服务", "visits:monitor", "visits.view", "geo-alt"),
            Entry("稽核发现", "visits:finding_list", "visits.view", "exclamation-triangle"),
            Entry("稽核批次", "visits:screening", "visits.screen", "funnel"),
            Entry("床日登记", "visits:bed_days", "visits.bed_days", "calendar-check"),
            Entry("住址坐标", "visits:home_positions", "visits.home_position", "geo-alt"),
            Entry("巡护记录", "visits:patrol_list", "visits.patrol", "clipboard-check"),
            Entry("巡护跟进事项", "visits:follow_up_list", "visits.follow_up", "list-check"),
            Entry("巡护手机端", "pwa:patrols", "visits.patrol", "phone"),
            Entry("护理员手机端", "pwa:shell", "visits.record", "phone"),
            Entry("数据比对", "matching:batch_list", "match.view", "person-exclamation"),
        ],
    ),
    Group(
        "监督检查",
        [
            Entry("检查任务", "supervision:task_list", "supervision.view", "clipboard2-check"),
            Entry("现场检查", "supervision:inspect_list", "supervision.inspect", "phone"),
            Entry("整改通知", "supervision:rectification_list", "supervision.view", "tools"),
            Entry("申诉", "supervision:appeal_list", "supervision.view", "chat-square-text"),
        ],
    ),
    Group(
        "社会监督",
        [
            Entry("投诉", "feedback:complaint_list", "feedback.view", "megaphone"),
            Entry("回访", "feedback:return_visit_list", "feedback.view", "telephone"),
            Entry("满意度", "feedback:survey_list", "feedback.view", "emoji-smile"),
            Entry("我要反映问题", "feedback:family_complaints", "insured.self", "chat-heart"),
            Entry("服务评价", "feedback:family_survey", "insured.self", "star"),
            Entry(
                "咨询登记", "disclosure:consultation_list", "public.consultation_view", "chat-dots"
            ),
            Entry("公开信息", "disclosure:article_list", "public.content", "globe"),
        ],
    ),
    Group(
        "考核评价",
        [
            Entry("考核排名", "scorecards:ranking", "scorecards.view", "trophy"),
            Entry("考核处理", "scorecards:consequences", "scorecards.view", "clipboard-check"),
        ],
    ),
    Group(
        "培训管理",
        [Entry("培训课程", "training:course_list", "training.view", "mortarboard")],
    ),
    Group(
        "结算",
        [
            Entry("结算管理", "settlement:period_list", "settlement.view", "cash-coin"),
            Entry("结算申报", "settlement:claim_list", "settlement.view", "receipt"),
            Entry("待遇测算", "settlement:calculator", "settlement.calculate", "calculator"),
            Entry(
                "身故后追回",
                "matching:recovery_list",
                "settlement.adjust",
                "arrow-counterclockwise",
            ),
        ],
    ),
    Group("基金", [Entry("基金收支", "fund:overview", "fund.view", "bank")]),
    Group("统计分析", [Entry("统计报表", "reports:list", "reports.view", "bar-chart-line")]),
    Group(
        "基础信息",
        [
            Entry("机构", "orgs:organization_list", "orgs.view", "building"),
            Entry("审计日志", "orgs:audit_log", "audit.export", "shield-check"),
        ],
    ),
    Group(
        "系统管理",
        [
            Entry("用户账号", "manage:user_list", "users.manage", "people"),
            Entry("机构管理", "manage:organization_list", "orgs.manage", "diagram-3"),
            Entry("角色权限", "manage:role_rights", "users.manage", "key"),
        ],
    ),
]


def entries() -> list[Entry]:
    """Every menu entry in menu order, whatever its group."""
    return [entry for group in NAVIGATION for entry in group.entries]


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
        return {"nav_groups": [], "nav_items": []}
    s = scope_of(user)
    groups = []
    for group in NAVIGATION:
        items = []
        for entry in group.entries:
            if entry.right is not None and not s.can(entry.right):
                continue
            url = _url(entry.url_name)
            if url is None:
                continue
            items.append(
                {
                    "label": entry.label,
                    "url_name": entry.url_name,
                    "url": url,
                    "icon": entry.icon,
                    "active": False,
                }
            )
        if items:
            groups.append({"label": group.label, "items": items})
    flat = [item for group in groups for item in group["items"]]
    # The most specific matching entry is the active one (/insured/life-events/ over /insured/).
    matching = [item for item in flat if _is_active(request.path, item["url"])]
    if matching:
        max(matching, key=lambda item: len(item["url"]))["active"] = True
    return {
        "nav_groups": groups,
        "nav_items": flat,
        "user_scope": s,
        "user_role_label": role_label(user, s),
    }
