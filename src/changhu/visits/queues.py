"""Home-page queues: open findings of the screening for supervisors, homes without coordinates
for care administrators (imported by the web app)."""

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
