"""The insured register API's request and response schemas (persons and bulk imports)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from changhu.insured import imports
from changhu.insured.models import ImportBatch

# --- persons --------------------------------------------------------------------------------


class PersonListOut(Schema):
    id: int
    insured_no: str
    name: str
    id_number_masked: str
    sex: str
    birth_date: dt.date
    phone_masked: str
    region_code: str
    region_name: str = Field(alias="region.name")
    insurance_type: str
    status: str
    special: bool

    @staticmethod
    def resolve_special(person) -> bool:
        return bool(getattr(person, "is_special", False) or person.special_group_codes)


class EnrolmentOut(Schema):
    insurance_type: str
    start_date: dt.date
    end_date: dt.date | None


class SpecialGroupOut(Schema):
    group: str
    label: str = Field(alias="get_group_display")
    start_date: dt.date
    end_date: dt.date | None


class LifeEventOut(Schema):
    id: int
    kind: str
    kind_label: str = Field(alias="get_kind_display")
    start_date: dt.date
    end_date: dt.date | None
    institution: str
    source: str


class PersonOut(PersonListOut):
    address_masked: str
    latitude: float | None
    longitude: float | None
    died_on: dt.date | None
    version: int
    enrolments: list[EnrolmentOut]
    special_groups: list[SpecialGroupOut]
    life_events: list[LifeEventOut]

    @staticmethod
    def resolve_special(person) -> bool:
        return any(g.end_date is None for g in person.special_groups.all())


class PersonIn(Schema):
    name: str = Field(..., max_length=40, description="姓名")
    id_number: str = Field(..., max_length=32, description="18位居民身份证号码")
    phone: str = Field("", max_length=20)
    address: str = Field("", max_length=200)
    region_code: str = Field(..., max_length=12, description="所属街道或区县的区划代码")
    latitude: float | None = None
    longitude: float | None = None
    insurance_type: Literal["employee", "resident"]
    enrolment_start: dt.date | None = None
    special_groups: list[str] = Field(default_factory=list)


class PersonUpdateIn(Schema):
    name: str = Field(..., max_length=40)
    phone: str = Field("", max_length=20)
    address: str = Field("", max_length=200)
    region_code: str = Field(..., max_length=12)
    latitude: float | None = None
    longitude: float | None = None
    insurance_type: Literal["employee", "resident"]
    special_groups: list[str] = Field(default_factory=list)
    version: int | None = Field(None, description="读取时的版本号，用于防止覆盖他人修改")


class RevealIn(Schema):
    fields: list[Literal["id_number", "phone", "address"]] = Field(
        default_factory=lambda: ["id_number"]
    )


class LifeEventIn(Schema):
    kind: Literal["death", "hospital_stay"]
    start_date: dt.date
    end_date: dt.date | None = None
    institution: str = Field("", max_length=100)
    note: str = Field("", max_length=300)


class StatusIn(Schema):
    status: Literal["active", "suspended"]
    on_date: dt.date | None = Field(None, description="生效日期，默认今天")
    reason: str = Field(..., max_length=200)


class AuditOut(Schema):
    at: dt.datetime
    actor: str = Field(alias="actor_name")
    ip: str | None
    channel: str
    action: str
    action_label: str = Field(alias="get_action_display")
    changes: dict
    note: str


# --- bulk imports ---------------------------------------------------------------------------


class ImportErrorOut(Schema):
    row: int = Field(..., description="行号，与Excel中看到的一致（表头为第1行）")
    column: str = Field(..., description="列名（中文表头）")
    field: str
    code: str
    message: str


def _display_name(user) -> str | None:
    return user.display_name if user is not None else None


def _errors_shown(context) -> int:
    """How many row errors the response lists: the request's ``errors_limit`` (default 100),
    at most the number a batch keeps."""
    try:
        wanted = int(context["request"].GET.get("errors_limit", 100))
    except ValueError:
        wanted = 100
    return max(0, min(wanted, ImportBatch.ERROR_CAP))


class BatchListOut(Schema):
    id: int
    kind: str
    kind_label: str = Field(alias="get_kind_display")
    file_name: str
    file_format: str
    status: str
    status_label: str = Field(alias="get_status_display")
    mode: str
    total_rows: int
    valid_rows: int
    error_rows: int
    imported_rows: int
    organization: str | None
    uploaded_by: str | None
    created_at: dt.datetime
    committed_at: dt.datetime | None

    @staticmethod
    def resolve_organization(batch) -> str | None:
        return batch.organization.name if batch.organization_id else None

    @staticmethod
    def resolve_uploaded_by(batch) -> str | None:
        return _display_name(batch.uploaded_by)


class RegisterImportBatchOut(BatchListOut):
    file_size: int
    encoding: str
    error_count: int
    errors_omitted: int = Field(..., description="未在 errors 中列出的错误条数")
    errors: list[ImportErrorOut]
    warnings: list[str]
    sample: list[dict]
    failure: str
    committed_by: str | None
    can_decide: bool = Field(..., description="当前用户能否确认导入或放弃")

    @staticmethod
    def resolve_errors(batch, context) -> list:
        return batch.errors[: _errors_shown(context)]

    @staticmethod
    def resolve_errors_omitted(batch, context) -> int:
        return batch.error_count - min(_errors_shown(context), len(batch.errors))

    @staticmethod
    def resolve_committed_by(batch) -> str | None:
        return _display_name(batch.committed_by)

    @staticmethod
    def resolve_can_decide(batch, context) -> bool:
        return imports.batch_can_decide(user=context["request"].auth, batch=batch)


class CommitIn(Schema):
    mode: Literal["all_or_nothing", "valid_only"] = Field(
        ..., description="all_or_nothing：有错误时不导入；valid_only：仅导入正确的行"
    )
