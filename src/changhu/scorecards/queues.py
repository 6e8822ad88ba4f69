"""Work queue on the home page: consequences of scores waiting for the bureau's decision."""

from __future__ import annotations

from django.urls import reverse

from changhu.orgs.roles import Right
from changhu.scorecards import selectors
from changhu.web.queues import register_queue

register_queue(
    "scorecards.consequences",
    "待确认的考核处理",
    Right.SCORECARDS_CONSEQUENCES,
    selectors.pending_consequence_count,
    lambda: f"{reverse('scorecards:consequences')}?status=proposed",
    icon="clipboard-check",
    hint="考核得分触发的警告、约谈、扣留保证金、暂停或解除协议，待确认执行",
    order=70,
    module="考核评价",
)
