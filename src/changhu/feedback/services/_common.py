"""What the complaint, return-visit and survey services share: the workflows, small checks,
deadlines and the visits a person was served."""

import datetime as dt
from collections import Counter

from django.conf import settings
from django.db.models import Count

from changhu.core import clock, text, workdays
from changhu.core.errors import field_error
from changhu.core.transitions import Transition, Workflow
from changhu.feedback.models import (
    Category,
    Complaint,
    ComplaintStatus,
    ReturnVisitStatus,
)
from changhu.orgs.roles import Right
from changhu.visits.models import BedDay, Visit, VisitStatus

_C = ComplaintStatus
_OPEN = {_C.RECEIVED, _C.ACKNOWLEDGED, _C.ESCALATED}
COMPLAINT_FLOW = Workflow(
    "complaint",
    {
        "acknowledge": Transition({_C.RECEIVED}, _C.ACKNOWLEDGED, Right.FEEDBACK_HANDLE, "受理"),
        "escalate": Transition(
            {_C.RECEIVED, _C.ACKNOWLEDGED}, _C.ESCALATED, Right.FEEDBACK_HANDLE, "升级处理"
        ),
        "reply": Transition(
            {_C.ACKNOWLEDGED, _C.ESCALATED}, _C.REPLIED, Right.FEEDBACK_HANDLE, "答复"
        ),
        "close": Transition({_C.REPLIED}, _C.CLOSED, Right.FEEDBACK_HANDLE, "办结"),
    },
    labels=ComplaintStatus,
)
_R = ReturnVisitStatus
RETURN_VISIT_FLOW = Workflow(
    "return_visit",
    {
        outcome: Transition({_R.PENDING, _R.NOT_REACHED}, outcome, Right.FEEDBACK_HANDLE, label)
        for outcome, label in (
            (_R.REACHED, "已接通"),
            (_R.NOT_REACHED, "未接通"),
            (_R.REFUSED, "拒绝"),
        )
    },
    labels=ReturnVisitStatus,
)
PHONE_PURPOSE = "complaint.phone"
SOURCE_PURPOSE = "complaint.source"
MAX_CONTENT = 2000
SERVED_DAYS = 90


# --- small checks ---------------------------------------------------------------------------


def _text(value: str, field_name: str, *, required: str = "", limit: int = 500) -> str:
    value = (value or "").strip()
    if not value and required:
        raise field_error(field_name, "text_required", required)
    if len(value) > limit:
        raise field_error(field_name, "text_too_long", f"内容过长，最多{limit}字")
    return text.check(value, field=field_name, multiline=True)


def _category(value: str) -> str:
    if value not in Category.values:
        raise field_error("category", "category_invalid", "请选择投诉类别")
    return value


def _satisfaction(value) -> int:
    try:
        score = int(value)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise field_error("satisfaction", "satisfaction_invalid", "满意度应为1至5分")
    return score


def _now_date() -> dt.date:
    return clock.today()


def deadlines(received: dt.date) -> tuple[dt.date, dt.date]:
    """Acknowledge and reply deadlines: working days after the day received (settings)."""
    return (
        workdays.add_working_days(received, settings.COMPLAINT_ACK_WORKING_DAYS),
        workdays.add_working_days(received, settings.COMPLAINT_REPLY_WORKING_DAYS),
    )


def _next_number(day: dt.date) -> str:
    prefix = f"TS{day:%Y%m%d}-"
    last = (
        Complaint.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


def served_by(person_id: int, *, since: dt.date, until: dt.date | None = None) -> list[dict]:
    """The institutions (with their caregivers) that served a person since a day: visits and
    bed-days, busiest first."""
    until = until or clock.today()
    visits = (
        Visit.objects.filter(person_id=person_id, service_date__gte=since, service_date__lte=until)
        .exclude(status=VisitStatus.CANCELLED)
        .values("institution_id", "caregiver_id")
        .annotate(n=Count("pk"))
    )
    by_institution: dict[int, Counter] = {}
    for row in visits:
        by_institution.setdefault(row["institution_id"], Counter())[row["caregiver_id"]] += row["n"]
    bed_days = (
        BedDay.objects.filter(person_id=person_id, day__gte=since, day__lte=until)
        .values("institution_id")
        .annotate(n=Count("pk"))
    )
    for row in bed_days:
        by_institution.setdefault(row["institution_id"], Counter())[None] += row["n"]
    out = []
    for institution_id, counter in by_institution.items():
        caregivers = [(c, n) for c, n in counter.most_common() if c is not None]
        out.append(
            {
                "institution_id": institution_id,
                "count": sum(counter.values()),
                "caregiver_id": caregivers[0][0] if caregivers else None,
            }
        )
    return sorted(out, key=lambda r: (-r["count"], r["institution_id"]))


def person_visits(person_id: int, *, first: dt.date, last: dt.date):
    """A person's visits between two days (not cancelled), for choosing the ones meant."""
    return (
        Visit.objects.filter(person_id=person_id, service_date__gte=first, service_date__lte=last)
        .exclude(status=VisitStatus.CANCELLED)
        .select_related("caregiver", "institution__organization")
        .order_by("service_date", "check_in_at")
    )
