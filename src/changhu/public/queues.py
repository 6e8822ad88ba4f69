"""Home-page queue: consultations from the public site waiting for an answer (imported by the
web app)."""

from __future__ import annotations

from django.urls import reverse

from changhu.orgs.roles import Right
from changhu.public import selectors
from changhu.web.queues import register_queue

register_queue(
    "public.consultations",
    "待答复的公众咨询",
    Right.CONSULTATION_HANDLE,
    selectors.open_consultations_count,
    lambda: reverse("disclosure:consultation_list") + "?status=open",
    icon="chat-dots",
    hint="来自公开网站的咨询登记，请电话或短信答复后办结",
    order=87,
)
