"""Shapes of the supervision feedback API: complaints, return visits, surveys."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from changhu.feedback import selectors


class ComplaintIn(Schema):
    category: Literal["service_quality", "missed_visit", "attitude", "fees", "assessment", "other"]
    content: str = Field(..., max_length=2000)
    channel: Literal["hotline", "counter", "family"] = Field(
        "hotline", description="经办人员：hotline 或 counter；家属（参保人/家属账号）一律为 family"
    )
    anonymous: bool = False
    complainant_name: str = Field("", max_length=50)
    complainant_phone: str = Field("", max_length=20)
    person_id: int | None = None
    institution_id: int | None = None
    caregiver_id: int | None = None
    visit_ids: list[int] = Field(default_factory=list, max_length=31)


class ComplaintNoteIn(Schema):
    note: str = Field("", max_length=300)


class ComplaintEscalateIn(Schema):
    reason: str = Field(..., max_length=300)


class ComplaintReplyIn(Schema):
    reply: str = Field(..., max_length=2000)
    reply_channel: Literal["page", "phone", "sms", "letter"]
    substantiated: bool = False


class ComplaintSubstantiateIn(Schema):
    visit_ids: list[int] = Field(..., min_length=1, max_length=31)
    note: str = Field(..., max_length=500)


class ComplaintCloseIn(Schema):
    satisfaction: int = Field(..., ge=1, le=5)
    note: str = Field("", max_length=300)


class ComplaintOut(Schema):
    id: int
    number: str
    channel: str
    category: str
    status: str
    status_label: str
    content: str
    anonymous: bool
    complainant_name: str
    complainant_phone_masked: str
    person_id: int | None
    institution_id: int | None
    institution_name: str
    caregiver_id: int | None
    visit_ids: list[int]
    received_at: dt.datetime
    ack_due: dt.date
    reply_due: dt.date
    overdue: bool
    handler_id: int | None
    acknowledged_at: dt.datetime | None
    escalated_at: dt.datetime | None
    escalation_reason: str
    reply: str
    reply_channel: str
    replied_at: dt.datetime | None
    substantiated: bool | None
    satisfaction: int | None
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_status_label(c) -> str:
        return c.get_status_display()

    @staticmethod
    def resolve_institution_name(c) -> str:
        return c.institution.organization.name if c.institution_id else ""

    @staticmethod
    def resolve_visit_ids(c) -> list[int]:
        return sorted(v.pk for v in c.visits.all())

    @staticmethod
    def resolve_overdue(c) -> bool:
        return selectors.is_overdue(c)


class ComplaintFindingOut(Schema):
    finding_ids: list[int]
    visit_ids: list[int]


class ReturnVisitDrawIn(Schema):
    period: str = Field(..., description="月份 YYYY-MM")


class ReturnVisitDrawOut(Schema):
    id: int
    period: str
    institution_id: int
    population: int
    drawn: int
    seed: str


class ReturnVisitCallIn(Schema):
    outcome: Literal["reached", "not_reached", "refused"]
    answers: dict[str, bool | str] = Field(default_factory=dict)
    survey: dict[str, int] = Field(default_factory=dict, description="满意度问卷各题1至5分")
    comment: str = Field("", max_length=500)
    note: str = Field("", max_length=500)
    discrepancy_visit_ids: list[int] = Field(default_factory=list, max_length=31)
    discrepancy_note: str = Field("", max_length=500)


class ReturnVisitOut(Schema):
    id: int
    period: str
    person_id: int
    person_name: str
    institution_id: int
    institution_name: str
    weight: int
    status: str
    status_label: str
    script_version: str
    answers: dict
    note: str
    discrepancy: str
    called_at: dt.datetime | None

    @staticmethod
    def resolve_person_name(rv) -> str:
        return rv.person.name

    @staticmethod
    def resolve_institution_name(rv) -> str:
        return rv.institution.organization.name

    @staticmethod
    def resolve_status_label(rv) -> str:
        return rv.get_status_display()


class SurveyIn(Schema):
    person_id: int
    answers: dict[str, int]
    comment: str = Field("", max_length=500)
    institution_id: int | None = None


class SurveyOut(Schema):
    id: int
    channel: str
    person_id: int
    institution_id: int
    caregiver_id: int | None
    period: str
    answers: dict
    questionnaire_version: str
    comment: str
    created_at: dt.datetime

    @staticmethod
    def resolve_questionnaire_version(r) -> str:
        return r.questionnaire.version


class SurveyScoreOut(Schema):
    id: int
    name: str
    institution: str = ""
    responses: int
    average: float | None
    percent: float | None
