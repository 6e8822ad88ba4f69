"""Satisfaction surveys typed in from paper or answered on the family pages."""

import datetime as dt

from django.db import transaction

from changhu.core import clock, months
from changhu.core.errors import field_error
from changhu.core.scope import get_scoped, require, scoped
from changhu.feedback.models import (
    SurveyChannel,
    SurveyResponse,
)
from changhu.feedback.services._common import (
    SERVED_DAYS,
    served_by,
)
from changhu.feedback.services.return_visits import (
    _survey_create,
)
from changhu.insured.models import Person
from changhu.orgs.roles import Right
from changhu.providers.models import Institution

# --- satisfaction surveys -------------------------------------------------------------------


def survey_record(
    *,
    actor,
    person_id: int,
    answers: dict,
    comment: str = "",
    channel: str = SurveyChannel.PAPER,
    institution_id: int | None = None,
) -> SurveyResponse:
    """A satisfaction questionnaire answered on paper (typed in by staff) or on the family
    pages, about the institution that served the person this month (or in the last 90 days),
    and the caregiver who came most often."""
    if channel == SurveyChannel.PAPER:
        require(actor, Right.FEEDBACK_HANDLE)
    elif channel == SurveyChannel.FAMILY:
        require(actor, Right.INSURED_SELF)
    else:
        raise field_error("channel", "channel_invalid", "请选择问卷来源")
    person = get_scoped(Person.objects.all(), actor, pk=person_id)
    served = served_by(person.pk, since=clock.today() - dt.timedelta(days=SERVED_DAYS))
    if institution_id:
        served = [r for r in served if r["institution_id"] == int(institution_id)]
    if not served:
        raise field_error(
            "institution_id", "not_served", "该参保人近90天没有护理机构的服务记录，无法评价"
        )
    if (
        channel == SurveyChannel.PAPER
        and not scoped(Institution.objects.filter(pk=served[0]["institution_id"]), actor).exists()
    ):
        raise field_error("institution_id", "not_served", "该护理机构不在您的管辖范围内")
    with transaction.atomic():
        return _survey_create(
            actor=actor,
            person=person,
            institution_id=served[0]["institution_id"],
            caregiver_id=served[0]["caregiver_id"],
            channel=channel,
            answers=answers,
            comment=comment,
            period=months.key(clock.today()),
        )
