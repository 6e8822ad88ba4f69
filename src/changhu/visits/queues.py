"""Home-page queues: open findings of the screening for supervisors, homes without coordinates
for care administrators, open follow-ups of patrol visits for the institutions that patrol
(imported by the web app)."""

from __future__ import annotations

from django.urls import reverse

from changhu.orgs.roles import Right
from changhu.visits import home_position, selectors
from changhu.web.queues import register_queue

register_queue(
    "visits.open_findings",
    "待处理的稽核发现",
    Right.VISITS_RESOLVE,
    selectors.open_findings_count,
    lambda: reverse("visits:finding_list") + "?status=open",
    icon="exclamation-triangle",
    hint="确认违规的服务不予结算；排除须填写理由",
    order=80,
)

register_queue(
    "visits.home_positions",
    "待采用住址坐标",
    Right.VISITS_HOME_POSITION,
    lambda user: home_position.persons_awaiting(fetched_by=user).count(),
    lambda: reverse("visits:home_positions"),
    icon="geo-alt",
    hint="住址无经纬度的服务对象，可采用家属确认过的签到位置",
    order=60,
)

register_queue(
    "visits.patrol_follow_ups",
    "巡护待跟进事项",
    Right.VISITS_FOLLOW_UP,
    selectors.open_follow_ups_count,
    lambda: reverse("visits:follow_up_list") + "?status=open",
    icon="clipboard-check",
    hint="巡护时设定的跟进事项，完成后填写完成情况",
    order=65,
    overdue=selectors.overdue_follow_ups_count,
    due_today=selectors.follow_ups_due_today_count,
)
