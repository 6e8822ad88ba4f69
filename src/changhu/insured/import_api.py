"""Bulk import over HTTP: upload and preview, commit or discard, error report, templates."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from changhu.api.schemas import Page, errors, paginate
from changhu.insured import imports
from changhu.insured.models import ImportBatch

router = Router(tags=["批量导入"])

KindLiteral = Literal["persons", "life_events"]


class ImportErrorOut(Schema):
    row: int = Field(..., description="行号，与Excel中看到的一致（表头为第1行）")
    column: str = Field(..., description="列名（中文表头）")
    field: str
    code: str
    message: str


class BatchListOut(Schema):
    id: int
    kind: str
    kind_label: str
    file_name: str
    file_format: str
    status: str
    status_label: str
    mode: str
    total_rows: int
    valid_rows: int
    error_rows: int
    imported_rows: int
    organization: str | None
    uploaded_by: str | None
    created_at: dt.datetime
    committed_at: dt.datetime | None


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


class CommitIn(Schema):
    mode: Literal["all_or_nothing", "valid_only"] = Field(
        ..., description="all_or_nothing：有错误时不导入；valid_only：仅导入正确的行"
    )


class BatchQuery(Schema):
    kind: str = ""
    status: str = ""
    page: int = 1
    page_size: int = 20


def _name(user) -> str | None:
    return user.display_name if user is not None else None


def _list_row(b: ImportBatch) -> dict:
    return {
        "id": b.pk,
        "kind": b.kind,
        "kind_label": b.get_kind_display(),
        "file_name": b.file_name,
        "file_format": b.file_format,
        "status": b.status,
        "status_label": b.get_status_display(),
        "mode": b.mode,
        "total_rows": b.total_rows,
        "valid_rows": b.valid_rows,
        "error_rows": b.error_rows,
        "imported_rows": b.imported_rows,
        "organization": b.organization.name if b.organization_id else None,
        "uploaded_by": _name(b.uploaded_by),
        "created_at": b.created_at,
        "committed_at": b.committed_at,
    }


def _detail(request, b: ImportBatch, errors_limit: int = 100) -> dict:
    limit = max(0, min(errors_limit, ImportBatch.ERROR_CAP))
    row = _list_row(b)
    row.update(
        {
            "file_size": b.file_size,
            "encoding": b.encoding,
            "error_count": b.error_count,
            "errors_omitted": b.error_count - min(limit, len(b.errors)),
            "errors": b.errors[:limit],
            "warnings": b.warnings,
            "sample": b.sample,
            "failure": b.failure,
            "committed_by": _name(b.committed_by),
            "can_decide": imports.batch_can_decide(user=request.auth, batch=b),
        }
    )
    return row


def _fresh(request, batch_id: int, errors_limit: int = 100) -> dict:
    batch = imports.batch_get(fetched_by=request.auth, batch_id=batch_id)
    return _detail(request, batch, errors_limit)


def _binary(description: str, media_type: str) -> dict:
    schema = {"type": "string", "format": "binary"}
    content = {media_type: {"schema": schema}}
    return {"responses": {200: {"description": description, "content": content}}}


@router.get(
    "/templates/{kind}",
    response=errors(422),
    openapi_extra=_binary("导入模板（xlsx 或 csv）", imports.XLSX_TYPE),
)
def template_download(request, kind: KindLiteral, format: Literal["csv", "xlsx"] = "xlsx"):
    """下载导入模板（中文表头；xlsx 含填写说明）。"""
    content, name, media_type = imports.template_file(kind=kind, file_format=format)
    return _attachment(content, name, media_type)


@router.post("", response={201: RegisterImportBatchOut, **errors(403, 413, 422)})
def batch_upload(
    request,
    kind: Form[KindLiteral],
    file: File[UploadedFile],
    errors_limit: int = 100,
):
    """上传 CSV（UTF-8/GB18030）或 Excel（.xlsx）文件并预览：返回行数、正确行数和逐行错误。

    此时不写入任何参保数据；确认导入请调用 commit。无法识别的文件会被拒绝且不保存。
    """
    batch = imports.import_upload(actor=request.auth, kind=kind, upload=file, file_name=file.name)
    return Status(201, _fresh(request, batch.pk, errors_limit))


@router.get("", response={200: Page[BatchListOut], **errors(403, 422)})
def batch_list(request, query: Query[BatchQuery]):
    """可见的导入批次（本机构；医保局可见辖区内机构的批次），最新的在前。"""
    qs = imports.batch_list(fetched_by=request.auth, kind=query.kind, status=query.status)
    return paginate(qs, page=query.page, page_size=query.page_size, convert=_list_row)


@router.get("/{batch_id}", response={200: RegisterImportBatchOut, **errors(404, 422)})
def batch_detail(request, batch_id: int, errors_limit: int = 100):
    """导入批次详情：合计、前 errors_limit 条错误、前几行预览（已脱敏）。"""
    return _fresh(request, batch_id, errors_limit)


@router.post(
    "/{batch_id}/commit", response={200: RegisterImportBatchOut, **errors(403, 404, 409, 422)}
)
def batch_commit(request, batch_id: int, payload: CommitIn):
    """确认导入：重新校验后在一个事务中写入。

    all_or_nothing 时只要有错误行就不导入（409 import_has_errors）；valid_only 只导入正确的行。
    """
    imports.import_commit(actor=request.auth, batch_id=batch_id, mode=payload.mode)
    return _fresh(request, batch_id)


@router.post("/{batch_id}/discard", response={200: RegisterImportBatchOut, **errors(403, 404, 409)})
def batch_discard(request, batch_id: int):
    """放弃导入，删除上传的文件。"""
    imports.import_discard(actor=request.auth, batch_id=batch_id)
    return _fresh(request, batch_id)


@router.get(
    "/{batch_id}/errors.xlsx",
    response=errors(404),
    openapi_extra=_binary("错误明细 Excel 文件", imports.XLSX_TYPE),
)
def batch_error_report(request, batch_id: int):
    """下载错误明细（Excel）：行号、列、错误原因、错误代码。"""
    content, name = imports.error_report(fetched_by=request.auth, batch_id=batch_id)
    return _attachment(content, name, imports.XLSX_TYPE)


def _attachment(content: bytes, name: str, media_type: str) -> HttpResponse:
    from django.utils.http import content_disposition_header

    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
