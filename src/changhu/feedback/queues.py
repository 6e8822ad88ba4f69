"""Home-page queues: complaints to acknowledge or answer (overdue first), replied complaints
waiting for the complainant's satisfaction, return visits to call; for a family, their own
complaints that have been answered (imported by the web app)."""

from __future__ import annotations

from django.urls import reverse

from changhu.core import scope
from changhu.feedback import selectors
from changhu.feedback.models import Complaint, ComplaintStatus
from changhu.orgs.roles import Right
from changhu.web.queues import register_queue


def _hint(user) -> str:
    overdue = selectors.overdue_complaints_count(user)
    return f"{overdue} 件已超过受理或答复期限" if overdue else ""


register_queue(
    "feedback.open_complaints",
    "待处理的投诉",
    Right.FEEDBACK_HANDLE,
    selectors.open_complaints_count,
    lambda: reverse("feedback:complaint_list") + "?status=open",
    icon="megaphone",
    hint="受理期限1个工作日、答复期限5个工作日",
    order=84,
    hint_fn=_hint,
    overdue=selectors.overdue_complaints_count,
    due_today=selectors.due_today_complaints_count,
)

register_queue(
    "feedback.awaiting_satisfaction",
    "已答复待回访满意度的投诉",
    Right.FEEDBACK_HANDLE,
    selectors.awaiting_satisfaction_count,
    lambda: reverse("feedback:complaint_list") + "?status=replied",
    icon="emoji-smile",
    hint="回访投诉人，记录满意度后办结",
    order=85,
)

register_queue(
    "feedback.return_visits",
    "待回访",
    Right.FEEDBACK_HANDLE,
    selectors.pending_return_visits_count,
    lambda: reverse("feedback:return_visit_list") + "?status=pending",
    icon="telephone",
    hint="按话术逐项询问并记录；发现未上门可直接转稽核",
    order=86,
)


def _replied_to_me(user) -> int:
    return scope.scoped(Complaint.objects.filter(status=ComplaintStatus.REPLIED), user).count()


register_queue(
    "feedback.family_replied",
    "您反映的问题已有答复",
    Right.INSURED_SELF,
    _replied_to_me,
    lambda: reverse("feedback:family_complaints"),
    icon="chat-heart",
    hint="请查看答复，并告诉我们您是否满意",
    order=20,
)
