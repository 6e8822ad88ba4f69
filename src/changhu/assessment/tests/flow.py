"""Driving a case through the services to a chosen state, for tests that start mid-way."""

from __future__ import annotations

import datetime as dt

from changhu.assessment import services
from changhu.assessment.models import Application, Status
from changhu.assessment.presets import scale_for
from changhu.assessment.tests.conftest import answers_for, png_bytes, severe_answers, upload
from changhu.core import clock

# A case's main road: the statuses in their declared order, without the side roads.
SIDE_ROADS = (Status.MATERIALS_REQUESTED, Status.REFUSED, Status.WITHDRAWN)
ORDER = [status for status in Status if status not in SIDE_ROADS]


def submit(worker, person, **overrides) -> Application:
    data = {
        "person_id": person.pk,
        "applicant_name": "张小梅",
        "relationship": "child",
        "phone": "13812345678",
        "address": "锦江区督院街街道南糠市街18号",
        "place": "home",
        "channel": "counter",
    }
    data.update(overrides)
    return services.application_submit(actor=worker, data=services.ApplicationInput(**data))


def form(answers, present, **overrides) -> services.FormInput:
    now = clock.now()
    data = {
        "answers": answers,
        "started_at": now - dt.timedelta(hours=1),
        "ended_at": now - dt.timedelta(minutes=5),
        "latitude": "30.657100",
        "longitude": "104.081200",
        "guardian_present": True,
        "guardian_name": "张小梅",
        "guardian_relationship": "child",
        "video_reference": "VID-0001",
        "present_ids": [u.pk for u in present],
    }
    data.update(overrides)
    return services.FormInput(**data)


def national():
    return scale_for("national-2021").scale


def mild_answers() -> dict[str, int]:
    """A complete sheet graded 轻度失能 (not a benefit grade)."""
    return answers_for(national(), adl=80)


def assigned(worker, person, institution, *team) -> Application:
    """A new case for ``person`` taken as far as ``team`` at ``institution`` being named."""
    case = submit(worker, person)
    return advance(case, Status.ASSIGNED, worker=worker, assessors=team, institution=institution)


def advance(
    application: Application,
    to: str,
    *,
    worker,
    assessors=(),
    experts=(),
    answers=None,
    institution=None,
) -> Application:
    """Move a case forward step by step until it reaches ``to`` (a status in ORDER)."""
    answers = answers or severe_answers(national())
    pk = application.pk
    while True:
        application = Application.objects.get(pk=pk)
        status = application.status
        if ORDER.index(status) >= ORDER.index(to):
            return application
        if status == Status.SUBMITTED:
            services.application_accept(actor=worker, application_id=pk)
        elif status == Status.ACCEPTED:
            services.application_dispatch(
                actor=worker,
                application_id=pk,
                institution_id=institution.pk if institution else None,
            )
        elif status == Status.DISPATCHED:
            services.assessors_assign(
                actor=assessors[0], application_id=pk, user_ids=[u.pk for u in assessors]
            )
        elif status == Status.ASSIGNED:
            services.document_add(
                actor=assessors[0],
                application_id=pk,
                upload=services.Upload("onsite_photo", upload("photo.png", png_bytes())),
            )
            services.assessment_submit(
                actor=assessors[0], application_id=pk, data=form(answers, assessors)
            )
        elif status == Status.ASSESSED:
            for expert in experts:
                services.assessment_confirm(actor=expert, application_id=pk, decision="confirm")
        elif status == Status.CONFIRMED:
            services.application_review(actor=worker, application_id=pk, decision="approve")
        elif status == Status.PUBLICITY:
            services.run_deadlines(today=application.publicity_until + dt.timedelta(days=1))
        elif status == Status.READY_TO_ISSUE:
            services.conclusion_issue(actor=worker, application_id=pk)
        else:
            raise AssertionError(f"no step from {status}")
