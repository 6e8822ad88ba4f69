"""Work queues on the home page: matches waiting for review, recoveries waiting for a decision."""

from __future__ import annotations

from django.urls import reverse

from changhu.matching import selectors
from changhu.orgs.roles import Right
from changhu.web.queues import register_queue

register_queue(
    "match.pending",
    "数据比对待核实",
    Right.MATCH_REVIEW,
    selectors.pending_count,
    lambda: f"{reverse('matching:record_list')}?status=pending",
    icon="person-exclamation",
    hint="死亡、住院名单匹配到的参保人，待核实后登记",
    order=45,
    module="服务监管",
)
register_queue(
    "match.recoveries",
    "身故后待追回",
    Right.SETTLEMENT_ADJUST,
    selectors.proposed_recovery_count,
    lambda: f"{reverse('matching:recovery_list')}?status=proposed",
    icon="arrow-counterclockwise",
    hint="身故后已支付的待遇，待生成追回明细",
    order=62,
    module="结算",
)
