"""Training schemas (component names start with ``Training`` to stay unique)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class TrainingCourseIn(Schema):
    name: str
    audience: str  # caregiver | family | assessor
    hours: str
    certificate_kind: str = ""
    validity_months: int = 0
    organizer_id: int | None = None


class TrainingCourseOut(Schema):
    id: int
    name: str
    audience: str
    audience_label: str
    hours: float
    certificate_kind: str
    validity_months: int
    organizer_id: int
    organizer: str


class TrainingSessionIn(Schema):
    starts_on: dt.date
    ends_on: dt.date
    place: str
    capacity: int
    pass_mark: str = "60"


class TrainingEnrolmentOut(Schema):
    id: int
    caregiver_id: int | None  # the trainee is a caregiver …
    assessor_id: int | None  # … or, on a course for 评估人员, an assessor
    caregiver: str  # the trainee's name
    institution: str
    attended: bool
    score: float | None
    passed: bool
    certificate_id: int | None
    certificate_number: str
    issued_on: dt.date | None


class TrainingSessionOut(Schema):
    id: int
    course_id: int
    course: str
    starts_on: dt.date
    ends_on: dt.date
    place: str
    capacity: int
    pass_mark: float
    subsidy_per_pass_fen: int | None
    subsidy_people: int
    subsidy_entry_id: int | None


class TrainingSessionDetailOut(TrainingSessionOut):
    roll: list[TrainingEnrolmentOut]


class TrainingEnrolIn(Schema):
    caregiver_id: int | None = None
    assessor_id: int | None = None  # for a course for 评估人员


class TrainingRollRowIn(Schema):
    enrolment_id: int
    attended: bool
    score: str | None = None


class TrainingRollIn(Schema):
    rows: list[TrainingRollRowIn]


class TrainingRollOut(Schema):
    changed: int


class TrainingIssueOut(Schema):
    issued: list[int]
    already: list[int]
    refused: list[dict]


class TrainingSubsidyIn(Schema):
    amount_per_pass_fen: int
