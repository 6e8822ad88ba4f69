"""The care API's request and response schemas."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from changhu.care import conf, selectors
from changhu.care.api._common import CareModeLiteral, PeriodLiteral
from changhu.core import clock

# --- schemas --------------------------------------------------------------------------------


class CatalogueItemOut(Schema):
    id: int
    code: str
    name: str
    category: str = Field(alias="category.name")
    category_kind: str = Field(alias="category.kind")
    reference_minutes: int
    frequency_times: int
    frequency_period: str
    frequency_label: str
    qualification: str
    unit_price_fen: int
    fund_covered: bool
    description: str


class CategoryOut(Schema):
    code: str
    name: str
    kind: str
    items: list[CatalogueItemOut]


class PackageListOut(Schema):
    id: int
    code: str
    name: str
    grade: int
    care_mode: str
    care_mode_label: str = Field(alias="get_care_mode_display")
    max_services_per_month: int | None
    max_minutes_per_month: int | None
    max_amount_fen_per_month: int | None
    max_visits_per_month: int | None


class PackageItemOut(Schema):
    code: str = Field(alias="item.code")
    name: str = Field(alias="item.name")
    max_per_month: int | None
    reference_minutes: int = Field(alias="item.reference_minutes")
    unit_price_fen: int = Field(alias="item.unit_price_fen")
    qualification: str = Field(alias="item.qualification")


class PackageOut(PackageListOut):
    catalogue_id: int
    catalogue_version: str = Field(alias="catalogue.version")
    items: list[PackageItemOut]

    @staticmethod
    def resolve_items(package) -> list:
        return list(package.package_items.all())


class CatalogueListOut(Schema):
    id: int
    code: str
    version: str
    name: str
    effective_from: dt.date
    checksum: str
    loaded_at: dt.datetime
    item_count: int
    package_count: int


class CatalogueOut(Schema):
    id: int
    code: str
    version: str
    name: str
    region_code: str
    effective_from: dt.date
    source: str
    checksum: str
    categories: list[CategoryOut]
    packages: list[PackageListOut]


class ArrangementOut(Schema):
    id: int
    start_date: dt.date
    end_date: dt.date | None
    care_mode: str
    care_mode_label: str = Field(alias="get_care_mode_display")
    institution_id: int
    institution_name: str = Field(alias="institution.organization.name")
    social_support: bool
    reason: str


class PauseOut(Schema):
    id: int
    start_date: dt.date
    end_date: dt.date | None
    reason: str


def _current_arrangement(entitlement):
    """The arrangement in force today (or at the nearest end of the entitlement), else the
    last one; computed once per row."""
    if not hasattr(entitlement, "_current_arrangement"):
        day = min(max(clock.today(), entitlement.valid_from), entitlement.last_day)
        arrangements = list(entitlement.arrangements.all())
        entitlement._current_arrangement = selectors.arrangement_on(entitlement, day) or (
            arrangements[-1] if arrangements else None
        )
    return entitlement._current_arrangement


class EntitlementListOut(Schema):
    id: int
    person_id: int
    person_name: str = Field(alias="person.name")
    person_id_number_masked: str = Field(alias="person.id_number_masked")
    grade: int
    grade_label: str
    conclusion_id: int | None
    conclusion_ref: str
    valid_from: dt.date
    valid_until: dt.date
    end_date: dt.date | None
    last_day: dt.date
    status: str
    status_label: str = Field(alias="get_status_display")
    end_reason: str
    current_care_mode: str
    current_institution_id: int | None
    current_institution_name: str

    @staticmethod
    def resolve_grade_label(entitlement) -> str:
        return conf.grade_label(entitlement.grade)

    @staticmethod
    def resolve_current_care_mode(entitlement) -> str:
        current = _current_arrangement(entitlement)
        return current.care_mode if current else ""

    @staticmethod
    def resolve_current_institution_id(entitlement) -> int | None:
        current = _current_arrangement(entitlement)
        return current.institution_id if current else None

    @staticmethod
    def resolve_current_institution_name(entitlement) -> str:
        current = _current_arrangement(entitlement)
        return current.institution.organization.name if current else ""


class EntitlementOut(EntitlementListOut):
    end_note: str
    arrangements: list[ArrangementOut]
    pauses: list[PauseOut]
    plan_ids: list[int]

    @staticmethod
    def resolve_plan_ids(entitlement) -> list[int]:
        return [p.pk for p in entitlement.care_plans.all()]


class EntitlementIn(Schema):
    conclusion_id: int = Field(..., description="已送达的评估结论（等级、有效期均取自结论）")
    care_mode: CareModeLiteral = Field(..., description="监护人选择的照护方式")
    institution_id: int = Field(..., description="监护人选择的护理机构")
    social_support: bool = False
    start_date: dt.date | None = Field(None, description="待遇起始日，默认结论生效日")


class ArrangementIn(Schema):
    effective_date: dt.date
    care_mode: CareModeLiteral | None = None
    institution_id: int | None = None
    social_support: bool | None = None
    reason: str = Field(..., max_length=300)


class PauseIn(Schema):
    start_date: dt.date
    end_date: dt.date | None = None
    reason: str = Field(..., max_length=300)


class PauseEndIn(Schema):
    end_date: dt.date


class TerminateIn(Schema):
    end_date: dt.date = Field(..., description="最后享受待遇的日期")
    reason: Literal["death", "recovery", "reassessment", "insured_lost", "other"]
    note: str = Field("", max_length=300)


class CareReassessmentIn(Schema):
    conclusion_id: int = Field(..., description="复评（或其后）出具的评估结论")


class ReassessmentOut(Schema):
    action: Literal["replaced", "ended", "already"]
    action_label: str
    entitlement: EntitlementOut | None
    plans_flagged: int


class DayOut(Schema):
    day: dt.date
    eligible: bool
    reason: str
    reason_label: str
    entitlement_id: int | None
    grade: int | None
    care_mode: str
    institution_id: int | None
    social_support: bool


class CalendarOut(Schema):
    person_id: int
    month: str
    eligible_days: int
    days: list[DayOut]


class PlanLineIn(Schema):
    item_code: str = Field(..., max_length=20)
    times: int = Field(..., ge=1, le=31)
    period: PeriodLiteral
    minutes: int | None = Field(None, ge=1, le=480, description="每次时长，默认目录参考时长")
    note: str = Field("", max_length=200)


class PlanIn(Schema):
    person_id: int
    items: list[PlanLineIn]
    visits_times: int | None = Field(None, ge=1, le=31, description="上门次数")
    visits_period: PeriodLiteral | None = None
    note: str = Field("", max_length=300)
    on_date: dt.date | None = Field(None, description="按此日的照护安排和目录制定，默认今天")


class PlanUpdateIn(Schema):
    items: list[PlanLineIn]
    visits_times: int | None = Field(None, ge=1, le=31)
    visits_period: PeriodLiteral | None = None
    note: str = Field("", max_length=300)


class PlanConfirmIn(Schema):
    channel: Literal["app", "counter"]
    signer_name: str = Field("", max_length=40, description="窗口确认时：签字人姓名")
    signer_relationship: Literal[
        "", "self", "spouse", "child", "parent", "relative", "guardian"
    ] = ""
    note: str = Field("", max_length=300, description="如纸质确认书编号")


class PlanItemOut(Schema):
    item_code: str = Field(alias="item.code")
    item_name: str = Field(alias="item.name")
    qualification: str = Field(alias="item.qualification")
    times: int
    period: str
    frequency_label: str
    minutes: int
    monthly_count: int
    unit_price_fen: int = Field(alias="item.unit_price_fen")
    note: str


class PlanListOut(Schema):
    id: int
    person_id: int
    person_name: str = Field(alias="person.name")
    version: int
    status: str
    status_label: str = Field(alias="get_status_display")
    institution_id: int
    institution_name: str = Field(alias="institution.organization.name")
    care_mode: str
    grade: int
    package_code: str = Field(alias="package.code")
    monthly_services: int
    monthly_minutes: int
    monthly_amount_fen: int
    valid_from: dt.date | None
    valid_until: dt.date | None
    revision_due_since: dt.date | None = Field(None, description="等级变更后需修订（自）")
    revision_reason: str = ""


class PlanOut(PlanListOut):
    entitlement_id: int
    package_name: str = Field(alias="package.name")
    catalogue_version: str = Field(alias="package.catalogue.version")
    visits_times: int | None
    visits_period: str
    note: str
    items: list[PlanItemOut]
    confirmed_at: dt.datetime | None
    confirmation_channel: str
    signer_name: str
    signer_relationship: str
    confirmation_note: str


class AssignmentIn(Schema):
    person_id: int
    caregiver_id: int
    item_code: str = Field("", max_length=20)
    start_date: dt.date | None = None


class AssignmentEndIn(Schema):
    end_date: dt.date | None = None


class AssignmentOut(Schema):
    id: int
    person_id: int
    caregiver_id: int
    caregiver_name: str = Field(alias="caregiver.name")
    item_code: str
    item_name: str
    start_date: dt.date
    end_date: dt.date | None

    @staticmethod
    def resolve_item_code(assignment) -> str:
        return assignment.item.code if assignment.item_id else ""

    @staticmethod
    def resolve_item_name(assignment) -> str:
        return assignment.item.name if assignment.item_id else ""


class PersonBriefOut(Schema):
    id: int
    name: str
    id_number_masked: str
    sex: str
    birth_date: dt.date
    region_code: str
    status: str
    died_on: dt.date | None


class HospitalStayOut(Schema):
    start_date: dt.date
    end_date: dt.date | None


class CareConclusionOut(Schema):
    conclusion_id: int
    number: str
    kind_label: str
    grade: int
    grade_label: str
    qualifying: bool
    valid_from: dt.date
    valid_until: dt.date
    superseded_on: dt.date | None
    entitlement_id: int | None
    awaiting: bool = Field(..., description="尚未办理待遇")


class HistoryOut(Schema):
    at: dt.datetime
    actor: str
    subject: str
    text: str


class FileSectionOut(Schema):
    key: str
    label: str
    rows: list[dict]


class PersonFileOut(Schema):
    person: PersonBriefOut
    today: DayOut
    conclusions: list[CareConclusionOut]
    entitlements: list[EntitlementOut]
    plans: list[PlanOut]
    assignments: list[AssignmentOut]
    hospital_stays: list[HospitalStayOut]
    history: list[HistoryOut]
    sections: list[FileSectionOut]
