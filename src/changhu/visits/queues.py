"""Home-page queue for supervisors: open findings of the screening (imported by the web app)."""

from __future__ import annotations

from django.urls import reverse

from changhu.orgs.roles import Right
from changhu.visits import selectors
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
